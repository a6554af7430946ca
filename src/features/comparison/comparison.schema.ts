import { Type, type Static } from '@sinclair/typebox';
import { LocalizedTextSchema } from '../../domain/i18n.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });

/** The most statements one comparison lines up. */
export const MAX_COMPARED_SOURCES = 60;

export const OrgParamsSchema = Type.Object({ orgId: Id });

/** The category a cell counts as: an answer's category, or why the cell has none. */
export const CellCategorySchema = Type.Union([
  Type.Literal('yes'),
  Type.Literal('no'),
  Type.Literal('na'),
  Type.Literal('other'),
  /** The row applies (or may apply) and has no answer. */
  Type.Literal('unanswered'),
  /** Unanswered because the template's rule says the row does not apply, given the other answers. */
  Type.Literal('not-applicable-by-rule'),
]);
export type CellCategory = Static<typeof CellCategorySchema>;

export const ComparisonQuerySchema = Type.Object(
  {
    /** Statement source ids, comma-separated; all the organization's by default. */
    sources: Type.Optional(Type.String({ minLength: 1, maxLength: 8000 })),
    /** The template whose rows make the lines, "id@edition"; jahis-jira-mds@2 by default. */
    base: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    /** Keep only the lines of this section of the base template. */
    section: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    /** Keep only the lines where at least one cell has this category. */
    answer: Type.Optional(CellCategorySchema),
  },
  { additionalProperties: false },
);
export type ComparisonQuery = Static<typeof ComparisonQuerySchema>;

const RemarkCitedSchema = Type.Object({
  number: Type.Integer(),
  /** Null when the statement cites a number it has no remark for. */
  text: Type.Union([Type.String(), Type.Null()]),
});
export type RemarkCited = Static<typeof RemarkCitedSchema>;

/** One row's answer in a statement. */
const RowAnswerSchema = Type.Object({
  answer: Type.Union([Type.String(), Type.Null()]),
  label: Type.Union([LocalizedTextSchema, Type.Null()]),
  category: CellCategorySchema,
  remarks: Type.Array(RemarkCitedSchema),
});
export type RowAnswer = Static<typeof RowAnswerSchema>;

export const CellSchema = Type.Union([
  /** The statement answers this very row (same template, or another edition matched by row id). */
  Type.Composite([
    Type.Object({ kind: Type.Literal('answer'), via: Type.Optional(Type.Literal('row-id')) }),
    RowAnswerSchema,
  ]),
  /** The statement is on another template: the rows the cross-reference names, with their answers. */
  Type.Object({
    kind: Type.Literal('counterparts'),
    rows: Type.Array(
      Type.Composite([
        Type.Object({
          rowId: Type.String(),
          relation: Type.Union([Type.Literal('equivalent'), Type.Literal('partial')]),
        }),
        RowAnswerSchema,
      ]),
    ),
  }),
  /** Nothing in the statement's template corresponds to this row (by cross-reference, or by row id). */
  Type.Object({ kind: Type.Literal('no-counterpart'), via: Type.Optional(Type.Literal('row-id')) }),
  /** No cross-reference joins the statement's template to the base template: nothing is guessed. */
  Type.Object({ kind: Type.Literal('not-comparable') }),
]);
export type Cell = Static<typeof CellSchema>;

export const ComparedSourceSchema = Type.Object({
  id: Type.String(),
  manufacturer: Type.String(),
  product: Type.String(),
  productVersion: Type.String(),
  template: Type.Object({ id: Type.String(), edition: Type.String() }),
  /** How its answers meet the base template's rows. */
  alignment: Type.Union([
    Type.Literal('same-template'),
    Type.Literal('row-id'),
    Type.Literal('crossref'),
    Type.Literal('none'),
  ]),
});
export type ComparedSource = Static<typeof ComparedSourceSchema>;

export const LineSchema = Type.Union([
  Type.Object({
    kind: Type.Literal('section'),
    sectionId: Type.String(),
    title: LocalizedTextSchema,
    ref: Type.Union([Type.String(), Type.Null()]),
  }),
  /** A group row: a heading that takes no answer. */
  Type.Object({
    kind: Type.Literal('group'),
    rowId: Type.String(),
    number: Type.String(),
    sectionId: Type.String(),
    text: LocalizedTextSchema,
    refs: Type.Array(Type.String()),
  }),
  Type.Object({
    kind: Type.Literal('row'),
    rowId: Type.String(),
    number: Type.String(),
    sectionId: Type.String(),
    text: LocalizedTextSchema,
    refs: Type.Array(Type.String()),
    /** One per source, in the order of `sources`. */
    cells: Type.Array(CellSchema),
  }),
]);
export type Line = Static<typeof LineSchema>;

export const ComparisonSchema = Type.Object({
  base: Type.Object({ id: Type.String(), edition: Type.String() }),
  sources: Type.Array(ComparedSourceSchema),
  lines: Type.Array(LineSchema),
});
export type Comparison = Static<typeof ComparisonSchema>;
