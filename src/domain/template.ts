import { Type, type Static } from '@sinclair/typebox';
import { LocalizedTextSchema } from './i18n.js';

/** Row and section ids: the form's own numbering ("4.1.1", "4.1-a", "MPII-2.1"). */
export const RowIdSchema = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9.\\-_]*$' });

/** The category an answer counts as in statement counts and in comparisons. */
export const AnswerCategorySchema = Type.Union([
  Type.Literal('yes'),
  Type.Literal('no'),
  Type.Literal('na'),
  Type.Literal('other'),
]);
export type AnswerCategory = Static<typeof AnswerCategorySchema>;

export const AnswerOptionSchema = Type.Object(
  {
    value: Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z][a-z0-9-]*$' }),
    label: LocalizedTextSchema,
    /** Other spellings accepted on import (e.g. "○", "Y", "N/A"). */
    aliases: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    countsAs: AnswerCategorySchema,
  },
  { additionalProperties: false },
);
export type AnswerOption = Static<typeof AnswerOptionSchema>;

/**
 * A rule over the answers of other rows. Data, not code: the same rules drive validation, the editor and the
 * published schema.
 */
export interface RuleAnswerIs {
  row: string;
  is: string[];
}
export interface RuleAll {
  all: Rule[];
}
export interface RuleAny {
  any: Rule[];
}
export interface RuleNot {
  not: Rule;
}
export type Rule = RuleAnswerIs | RuleAll | RuleAny | RuleNot;

export const RuleSchema = Type.Recursive(
  (Self) =>
    Type.Union([
      Type.Object(
        { row: RowIdSchema, is: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }) },
        { additionalProperties: false },
      ),
      Type.Object({ all: Type.Array(Self, { minItems: 1 }) }, { additionalProperties: false }),
      Type.Object({ any: Type.Array(Self, { minItems: 1 }) }, { additionalProperties: false }),
      Type.Object({ not: Self }, { additionalProperties: false }),
    ]),
  { $id: 'Rule' },
);

export const CrossReferenceSchema = Type.Object(
  {
    /** e.g. "mds2", "iec-tr-80001-2-2", "nist-sp-800-53r4", "iso-27002-2013", "jahis-jira-mds@2". */
    scheme: Type.String({ minLength: 1, maxLength: 64 }),
    ids: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1 }),
  },
  { additionalProperties: false },
);
export type CrossReference = Static<typeof CrossReferenceSchema>;

export const RowKindSchema = Type.Union([Type.Literal('question'), Type.Literal('group')]);

export const TemplateRowSchema = Type.Object(
  {
    id: RowIdSchema,
    /** The number printed on the form; empty for the form's unnumbered bullet rows. */
    number: Type.String({ maxLength: 64 }),
    section: RowIdSchema,
    kind: RowKindSchema,
    text: LocalizedTextSchema,
    /** Guideline clauses the row checks, e.g. "6.5.C1". */
    refs: Type.Array(Type.String({ minLength: 1, maxLength: 100 })),
    /** Id of an entry in the template's answerSets; absent on groups. */
    answerSet: Type.Optional(Type.String({ minLength: 1 })),
    parent: Type.Optional(RowIdSchema),
    /** Replaces the default rule (the parent answered with a "yes" category, or a group parent applying). */
    appliesWhen: Type.Optional(RuleSchema),
    /** Answer values that require at least one remark. */
    remarkRequiredWhen: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    xrefs: Type.Optional(Type.Array(CrossReferenceSchema)),
    /** Guidance for the person answering. */
    help: Type.Optional(LocalizedTextSchema),
    /** A warning readers must see at once when the row has one of these answers (e.g. "do not connect"). */
    alert: Type.Optional(
      Type.Object(
        { when: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }), message: LocalizedTextSchema },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type TemplateRow = Omit<Static<typeof TemplateRowSchema>, 'appliesWhen'> & { appliesWhen?: Rule };

export const HeaderFieldSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z][A-Za-z0-9_-]*$' }),
    label: LocalizedTextSchema,
    required: Type.Boolean(),
    kind: Type.Union([Type.Literal('text'), Type.Literal('date'), Type.Literal('multiline')]),
    /** The header item's id on the source form (e.g. MDS2 "DOC-1"). */
    sourceId: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
export type HeaderField = Static<typeof HeaderFieldSchema>;

export const SectionSchema = Type.Object(
  {
    id: RowIdSchema,
    title: LocalizedTextSchema,
    description: Type.Optional(LocalizedTextSchema),
    /** Guideline chapter the section follows, e.g. "6.5". */
    ref: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
export type Section = Static<typeof SectionSchema>;

export const TemplateSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    format: Type.Literal('openmds-template'),
    id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$' }),
    edition: Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9][A-Za-z0-9.\\-]*$' }),
    title: LocalizedTextSchema,
    publisher: LocalizedTextSchema,
    published: Type.Optional(Type.String({ format: 'date' })),
    guideline: Type.Optional(
      Type.Object(
        { title: LocalizedTextSchema, edition: Type.String({ minLength: 1 }) },
        { additionalProperties: false },
      ),
    ),
    languages: Type.Array(Type.Union([Type.Literal('ja'), Type.Literal('en')]), { minItems: 1 }),
    /** Where the template's data came from, for people maintaining it. */
    source: Type.Optional(Type.String()),
    answerSets: Type.Record(Type.String({ minLength: 1 }), Type.Array(AnswerOptionSchema, { minItems: 1 })),
    /** Whether rows cite remarks by number ("remarks", the MDS) or by note number ("notes", MDS2). */
    remarkStyle: Type.Union([Type.Literal('remarks'), Type.Literal('notes')]),
    headerFields: Type.Array(HeaderFieldSchema),
    sections: Type.Array(SectionSchema, { minItems: 1 }),
    rows: Type.Array(TemplateRowSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);
export type Template = Omit<Static<typeof TemplateSchema>, 'rows'> & { rows: TemplateRow[] };

/** The header fields every template carries, whatever else it adds. */
export const CORE_HEADER_FIELDS = ['manufacturer', 'product', 'productVersion', 'date'] as const;

export interface TemplateRef {
  id: string;
  edition: string;
}

export function templateKey(ref: TemplateRef): string {
  return `${ref.id}@${ref.edition}`;
}

/** Parses "id@edition". */
export function parseTemplateKey(key: string): TemplateRef | undefined {
  const at = key.lastIndexOf('@');
  if (at <= 0 || at === key.length - 1) return undefined;
  return { id: key.slice(0, at), edition: key.slice(at + 1) };
}
