import type { Static } from '@sinclair/typebox';
import type { Risk, RiskStatus, RiskSummary, Treatment } from '../../../src/domain/risk/assessment.js';
import type { DraftRisk, FilteredRow } from '../../../src/domain/risk/drafting.js';
import type { Rating, RiskLevel, Score, ScoringMethod } from '../../../src/domain/risk/scoring.js';
import type {
  AssessmentDetailSchema,
  AssessmentSummarySchema,
  RedraftResultSchema,
  RiskViewSchema,
} from '../../../src/features/assessments/assessments.schema.js';
import type { Dashboard } from '../../../src/features/dashboard/dashboard.schema.js';
import type { SystemView } from '../../../src/features/inventory/inventory.schema.js';
import type { Message } from '../../../src/domain/i18n.js';
import { V1, enc, request } from '../api';

export type { DraftRisk, FilteredRow, Message, Rating, Risk, RiskLevel, RiskStatus, RiskSummary, Score };
export type { Dashboard, ScoringMethod, SystemView, Treatment };

/**
 * The assessments API (docs/risk-assessment.md, "HTTP API"). The route schemas declare the engine's objects as
 * `unknown` (they are the domain's own types, stored as JSON); here they get those domain types back.
 * `openAlerts`, `supersedes` and `alerts` are being added to the server: optional until they land.
 */
type Refined = 'method' | 'openAlerts' | 'supersedes';

export type AssessmentSummary = Omit<Static<typeof AssessmentSummarySchema>, Refined> & {
  method: ScoringMethod;
  /** Alerts of new statement revisions not yet resolved. */
  openAlerts?: number;
  /** The accepted assessment this one was reassessed from. */
  supersedes?: string | null;
};

export type RiskView = Omit<Static<typeof RiskViewSchema>, 'draft' | 'record' | 'score' | 'residualScore'> & {
  draft: DraftRisk;
  record: Risk;
  score: Score | null;
  residualScore: Score | null;
};

export interface ChangedRow {
  rowId: string;
  before: unknown;
  after: unknown;
}

/** A new revision of a statement the assessment relies on arrived. */
export interface AssessmentAlert {
  id: string;
  createdAt: string;
  action: 'redrafted' | 'review-needed';
  oldSource: unknown;
  newSource: { id: string; product: string; productVersion: string; statementDate: string };
  changedRows: ChangedRow[];
  touchedRiskIds: string[];
  resolvedAt: string | null;
}

export type AssessmentDetail = Omit<
  Static<typeof AssessmentDetailSchema>,
  Refined | 'riskList' | 'filtered' | 'summary' | 'alerts'
> &
  AssessmentSummary & {
    riskList: RiskView[];
    filtered: FilteredRow[];
    summary: RiskSummary;
    alerts?: AssessmentAlert[];
  };

export type RedraftChange =
  | { key: string; kind: 'changed'; reopen: boolean; reasons: { code: string; message: Message }[] }
  | { key: string; kind: 'added'; reason: Message }
  | { key: string; kind: 'removed'; code: string; reason: Message };

export type RedraftResult = Omit<Static<typeof RedraftResultSchema>, 'changes'> & { changes: RedraftChange[] };

export interface CreateAssessmentBody {
  title: string;
  scope: 'system' | 'facility';
  systemId?: string;
  method?: ScoringMethod;
}

/** What PATCH …/risks/:id takes; `null` clears an optional field. */
export interface RiskUpdateBody {
  rating?: Rating;
  treatment?: Treatment | null;
  measure?: string;
  owner?: string | null;
  dueDate?: string | null;
  status?: RiskStatus;
  residualRating?: Rating | null;
  acceptanceReason?: string | null;
}

const org = (orgId: string) => `${V1}/orgs/${enc(orgId)}`;
const one = (orgId: string, id: string) => `${org(orgId)}/assessments/${enc(id)}`;

export type DownloadKind = 'register.xlsx' | 'register.pdf' | 'rules.md' | 'rules.pdf';

export const assessmentsApi = {
  list: (orgId: string): Promise<AssessmentSummary[]> => request('GET', `${org(orgId)}/assessments`),
  get: (orgId: string, id: string): Promise<AssessmentDetail> => request('GET', one(orgId, id)),
  create: (orgId: string, body: CreateAssessmentBody): Promise<AssessmentSummary> =>
    request('POST', `${org(orgId)}/assessments`, { body }),
  updateRisk: (
    orgId: string,
    id: string,
    riskId: string,
    body: RiskUpdateBody,
  ): Promise<{ id: string; record: Risk }> => request('PATCH', `${one(orgId, id)}/risks/${enc(riskId)}`, { body }),
  redraft: (orgId: string, id: string): Promise<RedraftResult> => request('POST', `${one(orgId, id)}/redraft`),
  accept: (orgId: string, id: string, statement: string): Promise<AssessmentSummary> =>
    request('POST', `${one(orgId, id)}/accept`, {
      body: statement.trim() === '' ? {} : { statement: statement.trim() },
    }),
  reassess: (orgId: string, id: string): Promise<AssessmentSummary> => request('POST', `${one(orgId, id)}/reassess`),
  /** The address a download comes from (the browser follows it with the session cookie). */
  fileUrl: (orgId: string, id: string, kind: DownloadKind): string => `${one(orgId, id)}/${kind}`,
  systems: (orgId: string): Promise<SystemView[]> => request('GET', `${org(orgId)}/systems`),
  dashboard: (orgId: string): Promise<Dashboard> => request('GET', `${org(orgId)}/dashboard`),
};

export const assessmentKeys = {
  list: (orgId: string) => ['assessments', orgId] as const,
  one: (orgId: string, id: string) => ['assessment', orgId, id] as const,
  systems: (orgId: string) => ['systems', orgId] as const,
  dashboard: (orgId: string) => ['dashboard', orgId] as const,
};
