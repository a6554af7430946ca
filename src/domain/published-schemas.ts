import type { TSchema } from '@sinclair/typebox';
import { EditionMappingSchema } from './edition-mapping.js';
import { StatementSchema } from './statement.js';
import { TemplateSchema } from './template.js';

/** The JSON Schemas OpenMDS publishes (committed under schemas/, served at /schemas/NAME.json). */
export const PUBLISHED_SCHEMAS: Record<string, { title: string; description: string; schema: TSchema }> = {
  'statement.json': {
    title: 'OpenMDS statement',
    description:
      'A manufacturer disclosure statement (製造業者による医療情報セキュリティ開示書) answering one template edition for one product version. The canonical format every other format converts through.',
    schema: StatementSchema,
  },
  'template.json': {
    title: 'OpenMDS template',
    description: 'A versioned checklist template: sections, rows, answer sets, applicability and remark rules as data.',
    schema: TemplateSchema,
  },
  'edition-mapping.json': {
    title: 'OpenMDS edition mapping',
    description:
      'How each row of one template edition maps to the next: kept, renumbered, split, merged, added or removed.',
    schema: EditionMappingSchema,
  },
};

/** Turns a TypeBox schema into the plain JSON Schema document we publish (TypeBox's symbols dropped). */
export function publishedSchema(name: string): Record<string, unknown> {
  const entry = PUBLISHED_SCHEMAS[name];
  if (entry === undefined) throw new Error(`no published schema ${name}`);
  const plain = JSON.parse(JSON.stringify(entry.schema)) as Record<string, unknown>;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: entry.title,
    description: entry.description,
    ...plain,
  };
}

/** The text of a published schema file, exactly as committed. */
export function publishedSchemaText(name: string): string {
  return `${JSON.stringify(publishedSchema(name), null, 2)}\n`;
}
