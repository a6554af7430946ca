import { Type, type Static } from '@sinclair/typebox';
import { StatementSchema } from '../../domain/statement.js';
import type { IssueCode, ValidationResult } from '../../domain/validation.js';

const ISSUE_CODES = [
  'invalid-structure',
  'unknown-template',
  'unknown-edition',
  'missing-header',
  'invalid-header',
  'unknown-row',
  'not-answerable',
  'invalid-answer',
  'answer-not-applicable',
  'missing-answer',
  'undefined-remark',
  'duplicate-citation',
  'missing-remark',
  'duplicate-remark',
  'empty-remark',
  'unused-remark',
] as const satisfies readonly IssueCode[];

export const ValidateQuerySchema = Type.Object({
  final: Type.Boolean({
    default: false,
    description: 'Check as for finalization: every applicable row and header field must be filled in.',
  }),
});

/** The request body: a statement in the canonical JSON format (schemas/statement.json). */
export const ValidateBodySchema = StatementSchema;

const MessageSchema = Type.Object({ ja: Type.String(), en: Type.String() });

export const ValidationIssueSchema = Type.Object({
  row: Type.Union([Type.String(), Type.Null()], { description: 'The row the issue is about; null for others' }),
  field: Type.String({ description: 'Path of the field, e.g. "answers/4.1-a/answer", "header/date"' }),
  code: Type.Union(ISSUE_CODES.map((c) => Type.Literal(c))),
  severity: Type.Union([Type.Literal('error'), Type.Literal('warning')]),
  message: MessageSchema,
});

export const StatementCountsSchema = Type.Object({
  yes: Type.Integer(),
  no: Type.Integer(),
  na: Type.Integer(),
  other: Type.Integer({ description: 'Answers outside yes/no/na, e.g. MDS2 "See Note"' }),
  unanswered: Type.Integer(),
  skipped: Type.Integer({ description: 'Rows that do not apply (their condition does not hold)' }),
});

export const ValidationResultSchema = Type.Object({
  valid: Type.Boolean({ description: 'True when no issue has severity "error"' }),
  template: Type.Union([Type.String(), Type.Null()]),
  edition: Type.Union([Type.String(), Type.Null()]),
  counts: StatementCountsSchema,
  issues: Type.Array(ValidationIssueSchema),
});

// The schema above must describe exactly what validateStatement returns; this fails to compile when they drift.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _resultSchemaMatchesDomain: Same<Static<typeof ValidationResultSchema>, ValidationResult> = true;
const _issueCodesComplete: Same<(typeof ISSUE_CODES)[number], IssueCode> = true;
