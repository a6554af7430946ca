import { Type, type Static } from '@sinclair/typebox';
import { LocalizedTextSchema } from '../../domain/i18n.js';
import { TemplateSchema } from '../../domain/template.js';

export const TemplateParamsSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64, description: 'Template id, e.g. "jahis-jira-mds"' }),
  edition: Type.String({ minLength: 1, maxLength: 32, description: 'Template edition, e.g. "2"' }),
});
export type TemplateParams = Static<typeof TemplateParamsSchema>;

/** One entry of the template list: enough to choose a template without loading its rows. */
export const TemplateSummarySchema = Type.Object(
  {
    id: Type.String(),
    edition: Type.String(),
    title: LocalizedTextSchema,
    publisher: LocalizedTextSchema,
    languages: Type.Array(Type.Union([Type.Literal('ja'), Type.Literal('en')])),
    /** Every row, group headings included. */
    rowCount: Type.Integer({ minimum: 0 }),
    /** Rows that take an answer (groups do not). */
    answerableCount: Type.Integer({ minimum: 0 }),
    sectionCount: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type TemplateSummary = Static<typeof TemplateSummarySchema>;

export const TemplateListSchema = Type.Array(TemplateSummarySchema);

/** A template as the built-in data files hold it, without the file's `$schema` pointer. */
export const TemplateDetailSchema = Type.Omit(TemplateSchema, ['$schema']);
export type TemplateDetail = Static<typeof TemplateDetailSchema>;
