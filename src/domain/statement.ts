import { Type, type Static } from '@sinclair/typebox';
import { RowIdSchema } from './template.js';

export const STATEMENT_FORMAT = 'openmds-statement';
export const STATEMENT_FORMAT_VERSION = 1;

export const StatementStatusSchema = Type.Union([
  Type.Literal('draft'),
  Type.Literal('in-review'),
  Type.Literal('finalized'),
  Type.Literal('published'),
  Type.Literal('withdrawn'),
]);
export type StatementStatus = Static<typeof StatementStatusSchema>;

const RemarkNumber = Type.Integer({ minimum: 1, maximum: 9999 });

export const AnswerEntrySchema = Type.Object(
  {
    /** A value of the row's answer set; absent while the row is unanswered (remarks may be cited already). */
    answer: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    remarks: Type.Optional(Type.Array(RemarkNumber, { maxItems: 100 })),
  },
  { additionalProperties: false },
);
export type AnswerEntry = Static<typeof AnswerEntrySchema>;

export const RemarkSchema = Type.Object(
  {
    number: RemarkNumber,
    text: Type.String({ maxLength: 20000 }),
  },
  { additionalProperties: false },
);
export type Remark = Static<typeof RemarkSchema>;

const HeaderValue = Type.String({ maxLength: 2000 });

export const StatementHeaderSchema = Type.Object(
  {
    manufacturer: Type.Optional(HeaderValue),
    product: Type.Optional(HeaderValue),
    productVersion: Type.Optional(HeaderValue),
    /** The date the statement was written (作成日), YYYY-MM-DD. */
    date: Type.Optional(HeaderValue),
  },
  // Templates add header fields of their own (MDS2's DOC items), so further string fields are allowed.
  { additionalProperties: HeaderValue, maxProperties: 100 },
);
export type StatementHeader = Static<typeof StatementHeaderSchema>;

export const ProvenanceSchema = Type.Object(
  {
    /** How the statement came to be: carried forward from an earlier edition, or imported from another format. */
    kind: Type.Union([Type.Literal('carried-forward'), Type.Literal('imported')]),
    template: Type.Optional(
      Type.Object({ id: Type.String(), edition: Type.String() }, { additionalProperties: false }),
    ),
    revision: Type.Optional(Type.Integer({ minimum: 1 })),
    format: Type.Optional(Type.String()),
    file: Type.Optional(Type.String({ maxLength: 500 })),
    at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export type Provenance = Static<typeof ProvenanceSchema>;

/** The canonical statement: every other format converts through it. */
export const StatementSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    format: Type.Literal(STATEMENT_FORMAT),
    formatVersion: Type.Literal(STATEMENT_FORMAT_VERSION),
    template: Type.Object(
      {
        id: Type.String({ minLength: 1, maxLength: 64 }),
        edition: Type.String({ minLength: 1, maxLength: 32 }),
      },
      { additionalProperties: false },
    ),
    header: StatementHeaderSchema,
    answers: Type.Record(RowIdSchema, AnswerEntrySchema, { maxProperties: 5000 }),
    remarks: Type.Array(RemarkSchema, { maxItems: 5000 }),
    status: StatementStatusSchema,
    revision: Type.Integer({ minimum: 1 }),
    provenance: Type.Optional(Type.Array(ProvenanceSchema, { maxItems: 100 })),
  },
  { additionalProperties: false },
);
export type Statement = Static<typeof StatementSchema>;

/** An empty draft for a template edition. */
export function emptyStatement(template: { id: string; edition: string }): Statement {
  return {
    format: STATEMENT_FORMAT,
    formatVersion: STATEMENT_FORMAT_VERSION,
    template: { id: template.id, edition: template.edition },
    header: {},
    answers: {},
    remarks: [],
    status: 'draft',
    revision: 1,
  };
}
