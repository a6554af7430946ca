import { Type, type Static } from '@sinclair/typebox';
import { AssessmentSummarySchema } from '../assessments/assessments.schema.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const Localized = Type.Object({ ja: Type.String(), en: Type.String() });
const Levels = Type.Object({
  low: Type.Integer(),
  medium: Type.Integer(),
  high: Type.Integer(),
  extreme: Type.Integer(),
});
const Level = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('extreme')]);
const Status = Type.Union([
  Type.Literal('open'),
  Type.Literal('in-progress'),
  Type.Literal('done'),
  Type.Literal('accepted'),
]);
const SystemRef = Type.Object({ id: Type.String(), name: Type.String(), department: Type.String() });

export const DashboardParamsSchema = Type.Object({ orgId: Id });

export const HeatMapSchema = Type.Object({
  rows: Type.Object({ name: Localized, labels: Type.Array(Localized) }),
  columns: Type.Object({ name: Localized, labels: Type.Array(Localized) }),
  /** counts[row][column], row and column 0 the lowest step. */
  counts: Type.Array(Type.Array(Type.Integer())),
  /** Each cell's level, for colouring. */
  levels: Type.Array(Type.Array(Level)),
});

export const DashboardSchema = Type.Object({
  /** The day (Japan time) the dashboard was worked out for. */
  asOf: Type.String({ format: 'date' }),
  systems: Type.Object({
    total: Type.Integer(),
    /** Systems by the best status of their statements (see the inventory's coverage). */
    byCoverage: Type.Object({
      none: Type.Integer(),
      outdated: Type.Integer(),
      withdrawn: Type.Integer(),
      current: Type.Integer(),
    }),
    withoutStatement: Type.Array(SystemRef),
    /** Systems whose statements are all outdated or withdrawn, with the reasons. */
    outdated: Type.Array(
      Type.Composite([
        SystemRef,
        Type.Object({
          status: Type.Union([Type.Literal('outdated'), Type.Literal('withdrawn')]),
          reasons: Type.Array(Localized),
        }),
      ]),
    ),
    /** Systems no assessment covers yet. */
    unassessed: Type.Array(SystemRef),
  }),
  assessments: Type.Object({
    total: Type.Integer(),
    byStatus: Type.Object({ draft: Type.Integer(), accepted: Type.Integer() }),
    /** The five newest. */
    newest: Type.Array(AssessmentSummarySchema),
  }),
  /**
   * The current risks: each system's risks from the newest assessment covering it (a facility assessment covers
   * every system, a system assessment its system).
   */
  risks: Type.Object({
    /** The assessments the current risks come from, and how many systems each provides. */
    sources: Type.Array(Type.Object({ assessmentId: Type.String(), title: Type.String(), systems: Type.Integer() })),
    total: Type.Integer(),
    byLevel: Levels,
    residualByLevel: Levels,
    acceptable: Type.Integer(),
    byStatus: Type.Object({
      open: Type.Integer(),
      'in-progress': Type.Integer(),
      done: Type.Integer(),
      accepted: Type.Integer(),
    }),
    byTreatment: Type.Object({
      reduce: Type.Integer(),
      accept: Type.Integer(),
      avoid: Type.Integer(),
      transfer: Type.Integer(),
      none: Type.Integer(),
    }),
    /** One heat map per scoring method in use (usually one). */
    heatMaps: Type.Array(
      Type.Object({ method: Type.String(), assessmentIds: Type.Array(Type.String()), heatMap: HeatMapSchema }),
    ),
    bySection: Type.Array(
      Type.Object({
        guidelineSection: Type.String(),
        total: Type.Integer(),
        unresolved: Type.Integer(),
        byLevel: Levels,
      }),
    ),
    /** Open or in progress past their due date (Japan time), the longest overdue first. */
    overdue: Type.Array(
      Type.Object({
        assessmentId: Type.String(),
        riskId: Type.String(),
        systemId: Type.String(),
        systemName: Type.String(),
        rowId: Type.String(),
        owner: Type.Union([Type.String(), Type.Null()]),
        dueDate: Type.String(),
        daysOverdue: Type.Integer(),
        status: Status,
      }),
    ),
    /** Risks rated under another method than their assessment's, left out of the level counts. */
    unscored: Type.Integer(),
  }),
});
export type Dashboard = Static<typeof DashboardSchema>;
