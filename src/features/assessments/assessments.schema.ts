import { Type, type Static } from '@sinclair/typebox';

const Id = Type.String({ minLength: 1, maxLength: 64 });

export const OrgParamsSchema = Type.Object({ orgId: Id });
export const AssessmentParamsSchema = Type.Object({ orgId: Id, assessmentId: Id });
export const RiskParamsSchema = Type.Object({ orgId: Id, assessmentId: Id, riskId: Id });

export const CreateAssessmentSchema = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200 }),
    scope: Type.Union([Type.Literal('system'), Type.Literal('facility')]),
    /** The system assessed, for scope 'system'. */
    systemId: Type.Optional(Id),
    /** The scoring method and its configuration; default 資産価値 × 脅威 × 脆弱性 with threshold 8. */
    method: Type.Optional(
      Type.Unknown({ description: 'See docs/risk-assessment.md: asset-threat-vulnerability or likelihood-impact' }),
    ),
  },
  { additionalProperties: false },
);
export type CreateAssessmentInput = Static<typeof CreateAssessmentSchema>;

export const AssessmentSummarySchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  scope: Type.Union([Type.Literal('system'), Type.Literal('facility')]),
  system: Type.Union([Type.Object({ id: Type.String(), name: Type.String() }), Type.Null()]),
  status: Type.Union([Type.Literal('draft'), Type.Literal('accepted')]),
  method: Type.Unknown(),
  risks: Type.Integer(),
  accepted: Type.Union([
    Type.Object({ by: Type.String(), at: Type.String(), timeSource: Type.String(), contentHash: Type.String() }),
    Type.Null(),
  ]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  /** Alerts not resolved yet: a newer revision of a statement the assessment relies on arrived. */
  openAlerts: Type.Integer(),
  /** The accepted assessment this one reassesses, if any. */
  supersedes: Type.Union([Type.String(), Type.Null()]),
});
export type AssessmentSummary = Static<typeof AssessmentSummarySchema>;

const AlertSourceSchema = Type.Object({
  id: Type.String(),
  product: Type.String(),
  productVersion: Type.String(),
  statementDate: Type.String(),
});

/** What a newer revision of a statement the assessment relies on did to it. */
export const AssessmentAlertSchema = Type.Object({
  id: Type.String(),
  createdAt: Type.String(),
  /** 'redrafted': the draft was drafted again; 'review-needed': the assessment is accepted and frozen, reassess it. */
  action: Type.Union([Type.Literal('redrafted'), Type.Literal('review-needed')]),
  oldSource: AlertSourceSchema,
  newSource: AlertSourceSchema,
  /** The vendor's answers that differ between the two statements (null: unanswered). */
  changedRows: Type.Array(
    Type.Object({
      rowId: Type.String(),
      before: Type.Union([Type.String(), Type.Null()]),
      after: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  /** The assessment's risks the change touches. */
  touchedRiskIds: Type.Array(Type.String()),
  resolvedAt: Type.Union([Type.String(), Type.Null()]),
});
export type AssessmentAlert = Static<typeof AssessmentAlertSchema>;

export const RiskViewSchema = Type.Object({
  id: Type.String(),
  systemId: Type.String(),
  systemName: Type.String(),
  /** The drafted facts: row, text, guideline section, the vendor's answer and remarks, threat, suggested measure. */
  draft: Type.Unknown(),
  /** What the hospital recorded: ratings, treatment, measure, owner, due date, status, residual rating. */
  record: Type.Unknown(),
  score: Type.Unknown(),
  residualScore: Type.Unknown(),
  reopenedReason: Type.Union([Type.String(), Type.Null()]),
  updatedAt: Type.String(),
});

export const AssessmentDetailSchema = Type.Composite([
  AssessmentSummarySchema,
  Type.Object({
    riskList: Type.Array(RiskViewSchema),
    /** Rows left out for a system's profile, each with its reason. */
    filtered: Type.Array(Type.Unknown()),
    /** Systems in scope without a statement to draft from. */
    withoutStatement: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
    summary: Type.Unknown(),
    /** Newer revisions that arrived, newest first. */
    alerts: Type.Array(AssessmentAlertSchema),
  }),
]);

export const RedraftResultSchema = Type.Object({
  added: Type.Integer(),
  reopened: Type.Integer(),
  removed: Type.Integer(),
  unchanged: Type.Integer(),
  changes: Type.Array(Type.Unknown()),
});

export const AcceptSchema = Type.Object(
  { statement: Type.Optional(Type.String({ maxLength: 2000, description: 'A note kept with the acceptance' })) },
  { additionalProperties: false },
);
