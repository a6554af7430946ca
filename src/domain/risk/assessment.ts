import type { LocalizedText, Message } from '../i18n.js';
import {
  answerText,
  type CitedRemark,
  type CoveredReason,
  type DraftResult,
  type DraftRisk,
  type FilteredRow,
  type ItemAnswer,
  type VendorAnswer,
} from './drafting.js';
import {
  RISK_LEVEL_LABELS,
  ratingFits,
  score,
  validateRating,
  type FieldError,
  type FieldResult,
  type Rating,
  type RiskLevel,
  type ScoringMethod,
} from './scoring.js';

/**
 * The risks a hospital records for a system: the draft's basis (what the vendor answered), the person's rating,
 * treatment and follow-up. Pure: storage and routes live elsewhere.
 */

export const TREATMENTS = ['reduce', 'accept', 'avoid', 'transfer'] as const;
/** 低減 / 受容 / 回避 / 移転. */
export type Treatment = (typeof TREATMENTS)[number];

export const TREATMENT_LABELS: Readonly<Record<Treatment, Message>> = {
  reduce: { ja: '低減', en: 'Reduce' },
  accept: { ja: '受容', en: 'Accept' },
  avoid: { ja: '回避', en: 'Avoid' },
  transfer: { ja: '移転', en: 'Transfer' },
};

export const RISK_STATUSES = ['open', 'in-progress', 'done', 'accepted'] as const;
export type RiskStatus = (typeof RISK_STATUSES)[number];

export const RISK_STATUS_LABELS: Readonly<Record<RiskStatus, Message>> = {
  open: { ja: '未対応', en: 'Open' },
  'in-progress': { ja: '対応中', en: 'In progress' },
  done: { ja: '対応済', en: 'Done' },
  accepted: { ja: '受容済', en: 'Accepted' },
};

/** What a risk was drafted from, kept so that a re-draft can tell what changed. */
export interface RiskBasis {
  templateKey: string;
  statementRevision: number;
  rowText: LocalizedText;
  answer: VendorAnswer;
  items?: ItemAnswer[];
  remarks: CitedRemark[];
}

export interface Risk {
  key: string;
  systemId: string;
  rowId: string;
  section: string;
  guidelineSection: string;
  basis: RiskBasis;
  /** The inherent risk, before treatment. */
  rating: Rating;
  treatment: Treatment | null;
  /** The operational measure (運用による対策) the hospital takes; '' until written. */
  measure: string;
  owner: string | null;
  /** YYYY-MM-DD. */
  dueDate: string | null;
  status: RiskStatus;
  /** The risk left after the treatment. */
  residualRating: Rating | null;
  /** Why the hospital accepts a risk above its acceptance threshold. */
  acceptanceReason: string | null;
}

/** The fields a person edits; `null` clears an optional one. */
export interface RiskUpdate {
  rating?: Rating;
  treatment?: Treatment | null;
  measure?: string;
  owner?: string | null;
  dueDate?: string | null;
  status?: RiskStatus;
  residualRating?: Rating | null;
  acceptanceReason?: string | null;
}

/** A new open risk from a draft, rated as suggested. */
export function openRisk(draft: DraftRisk): Risk {
  return {
    key: draft.key,
    systemId: draft.systemId,
    rowId: draft.rowId,
    section: draft.section,
    guidelineSection: draft.guidelineSection,
    basis: basisOf(draft),
    rating: draft.suggested.rating,
    treatment: null,
    measure: '',
    owner: null,
    dueDate: null,
    status: 'open',
    residualRating: null,
    acceptanceReason: null,
  };
}

export function basisOf(draft: DraftRisk): RiskBasis {
  const basis: RiskBasis = {
    templateKey: draft.template.key,
    statementRevision: draft.statementRevision,
    rowText: draft.text,
    answer: draft.answer,
    remarks: draft.remarks,
  };
  if (draft.items !== undefined) basis.items = draft.items;
  return basis;
}

// ---------------------------------------------------------------------------------------------------------------
// Updates.

const EDITABLE = [
  'rating',
  'treatment',
  'measure',
  'owner',
  'dueDate',
  'status',
  'residualRating',
  'acceptanceReason',
] as const;
const FIXED = ['key', 'systemId', 'rowId', 'section', 'guidelineSection', 'basis'];
const MAX_MEASURE = 20_000;
const MAX_OWNER = 200;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date written YYYY-MM-DD. */
export function isDate(s: string): boolean {
  const m = DATE.exec(s);
  if (m === null) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

function err(field: string, ja: string, en: string): FieldError {
  return { field, message: { ja, en } };
}

const hasText = (s: string | null): boolean => s !== null && s.trim() !== '';

/**
 * Applies a person's update to a risk and checks the result: each field's type and range, then the rules that
 * tie them (an accepted risk needs an acceptable residual rating or a reason; work under way needs a treatment and
 * a measure; a done reduction needs its residual rating). Returns the updated risk or errors naming their fields.
 */
export function validateRiskUpdate(risk: Risk, update: unknown, method: ScoringMethod): FieldResult<Risk> {
  if (typeof update !== 'object' || update === null || Array.isArray(update)) {
    return { ok: false, errors: [err('update', 'オブジェクトにしてください', 'must be an object')] };
  }
  const u = update as Record<string, unknown>;
  const errors: FieldError[] = [];
  const next: Risk = { ...risk };

  for (const k of Object.keys(u)) {
    if (FIXED.includes(k)) errors.push(err(k, '変更できない項目です', 'cannot be changed'));
    else if (!(EDITABLE as readonly string[]).includes(k))
      errors.push(err(k, '不明な項目です', 'is not a known field'));
  }

  if ('rating' in u) {
    const r = validateRating(method, u.rating, 'rating/');
    if (r.ok) next.rating = r.value;
    else errors.push(...r.errors);
  } else if (!ratingFits(method, risk.rating)) {
    errors.push(
      err(
        'rating',
        '現在の評価方法で評価し直してください',
        `must be rated again under the current ${method.kind} method`,
      ),
    );
  }
  if ('residualRating' in u) {
    if (u.residualRating === null) next.residualRating = null;
    else {
      const r = validateRating(method, u.residualRating, 'residualRating/');
      if (r.ok) next.residualRating = r.value;
      else errors.push(...r.errors);
    }
  } else if (risk.residualRating !== null && !ratingFits(method, risk.residualRating)) {
    errors.push(
      err(
        'residualRating',
        '現在の評価方法で評価し直してください',
        `must be rated again under the current ${method.kind} method`,
      ),
    );
  }
  if ('treatment' in u) {
    const v = u.treatment;
    if (v === null || (typeof v === 'string' && (TREATMENTS as readonly string[]).includes(v))) {
      next.treatment = v as Treatment | null;
    } else {
      errors.push(
        err(
          'treatment',
          `${TREATMENTS.join(', ')} のいずれかにしてください`,
          `must be one of ${TREATMENTS.join(', ')}`,
        ),
      );
    }
  }
  if ('status' in u) {
    const v = u.status;
    if (typeof v === 'string' && (RISK_STATUSES as readonly string[]).includes(v)) next.status = v as RiskStatus;
    else {
      errors.push(
        err(
          'status',
          `${RISK_STATUSES.join(', ')} のいずれかにしてください`,
          `must be one of ${RISK_STATUSES.join(', ')}`,
        ),
      );
    }
  }
  if ('measure' in u) {
    const v = u.measure;
    if (typeof v === 'string' && v.length <= MAX_MEASURE) next.measure = v;
    else
      errors.push(
        err(
          'measure',
          `${MAX_MEASURE} 文字以内の文字列にしてください`,
          `must be a string of at most ${MAX_MEASURE} characters`,
        ),
      );
  }
  if ('acceptanceReason' in u) {
    const v = u.acceptanceReason;
    if (v === null || (typeof v === 'string' && v.length <= MAX_MEASURE)) next.acceptanceReason = v;
    else {
      errors.push(
        err(
          'acceptanceReason',
          `${MAX_MEASURE} 文字以内の文字列にしてください`,
          `must be a string of at most ${MAX_MEASURE} characters`,
        ),
      );
    }
  }
  if ('owner' in u) {
    const v = u.owner;
    if (v === null) next.owner = null;
    else if (typeof v === 'string' && v.trim() !== '' && v.length <= MAX_OWNER) next.owner = v.trim();
    else
      errors.push(
        err('owner', `1〜${MAX_OWNER} 文字の文字列にしてください`, `must be a string of 1–${MAX_OWNER} characters`),
      );
  }
  if ('dueDate' in u) {
    const v = u.dueDate;
    if (v === null) next.dueDate = null;
    else if (typeof v === 'string' && isDate(v)) next.dueDate = v;
    else errors.push(err('dueDate', 'YYYY-MM-DD 形式の日付にしてください', 'must be a date as YYYY-MM-DD'));
  }
  // The rules between fields only make sense once each field is well-formed.
  if (errors.length > 0) return { ok: false, errors };

  const residual = next.residualRating;
  const residualScore = residual === null ? undefined : score(method, residual);
  const { treatment, status } = next;
  if (status === 'accepted' && treatment !== 'accept') {
    errors.push(
      err('status', '受容済にするには対応を「受容」にしてください', 'can be accepted only with the accept treatment'),
    );
  }
  if (treatment === 'accept') {
    if (status === 'in-progress' || status === 'done') {
      errors.push(
        err(
          'status',
          '受容したリスクは「未対応」か「受容済」にしてください',
          'must be open or accepted for an accepted risk',
        ),
      );
    }
    // Accepting without treatment leaves the inherent risk as the residual one.
    const left = residualScore ?? score(method, next.rating);
    if (!left.acceptable && !hasText(next.acceptanceReason)) {
      errors.push(
        err(
          'acceptanceReason',
          '受容基準を超えるリスクを受容するには、受容基準内の残留リスク評価か受容の理由が必要です',
          'is required to accept a risk above the acceptance threshold (or give a residual rating within it)',
        ),
      );
    }
  }
  if ((status === 'in-progress' || status === 'done') && treatment === null) {
    errors.push(
      err('treatment', '対応中・対応済のリスクには対応方針が必要です', `is required when the status is ${status}`),
    );
  }
  if (treatment !== null && treatment !== 'accept' && (status === 'in-progress' || status === 'done')) {
    if (next.measure.trim() === '') {
      errors.push(err('measure', '運用による対策を記入してください', `is required when the status is ${status}`));
    }
    if (status === 'done') {
      if (residualScore === undefined) {
        errors.push(
          err('residualRating', '対応済にするには残留リスクの評価が必要です', 'is required when the status is done'),
        );
      } else if (!residualScore.acceptable && !hasText(next.acceptanceReason)) {
        errors.push(
          err(
            'acceptanceReason',
            '残留リスクが受容基準を超えるため、受容の理由が必要です',
            'is required when the residual risk is above the acceptance threshold',
          ),
        );
      }
    }
  }
  return errors.length === 0 ? { ok: true, value: next } : { ok: false, errors };
}

// ---------------------------------------------------------------------------------------------------------------
// Re-drafting after a new statement revision.

export type ChangeReasonCode =
  /** The vendor's answer on the row changed (いいえ → 未回答, an item of a group, …): the risk must be reviewed. */
  | 'answer-changed'
  /** The remarks the row cites, or their text, changed. */
  | 'remarks-changed'
  /** The row's wording changed: a new template edition kept the row's id. */
  | 'row-text-changed';

export interface ChangeReason {
  code: ChangeReasonCode;
  message: Message;
}

export type RemovalReasonCode =
  | CoveredReason
  /** The system's profile makes the row irrelevant now. */
  | 'irrelevant'
  | 'uncatalogued'
  /** The catalogue marks the question descriptive (gapWhen 'never'): no answer to it is a gap. */
  | 'informational'
  /** The new statement's template has no such row (another template, or an edition that dropped it). */
  | 'row-not-in-template';

export interface DraftComparison {
  unchanged: { risk: Risk; draft: DraftRisk }[];
  /** `reopen`: the answer changed and the risk is not open, so it goes back to open. */
  changed: { risk: Risk; draft: DraftRisk; reasons: ChangeReason[]; reopen: boolean }[];
  added: { draft: DraftRisk; reason: Message }[];
  removed: { risk: Risk; code: RemovalReasonCode; reason: Message }[];
}

function sameText(a: LocalizedText, b: LocalizedText): boolean {
  return a.ja === b.ja && a.en === b.en;
}

function sameAnswer(a: RiskBasis, b: DraftRisk): boolean {
  if (a.answer.kind !== b.answer.kind || a.answer.value !== b.answer.value) return false;
  const ai = a.items ?? [];
  const bi = b.items ?? [];
  return ai.length === bi.length && ai.every((x, i) => x.rowId === bi[i]?.rowId && x.value === bi[i]?.value);
}

function sameRemarks(a: readonly CitedRemark[], b: readonly CitedRemark[]): boolean {
  return a.length === b.length && a.every((x, i) => x.number === b[i]?.number && x.text === b[i]?.text);
}

const quote = (m: Message): Message => ({ ja: `「${m.ja}」`, en: `"${m.en}"` });

function answerChange(before: RiskBasis, after: DraftRisk): Message {
  const a = quote(answerText(before.answer));
  const b = quote(answerText(after.answer));
  if (before.answer.kind === after.answer.kind && before.answer.value === after.answer.value) {
    return { ja: '複数選択の項目の回答が変わりました', en: 'The answers to the items of the group changed' };
  }
  return { ja: `回答が${a.ja}から${b.ja}に変わりました`, en: `The answer changed from ${a.en} to ${b.en}` };
}

const COVERED_REASONS: Readonly<Record<CoveredReason, Message>> = {
  'answered-yes': { ja: '製品が対応するようになりました（はい）', en: 'The product now covers the row (Yes)' },
  'answered-na': { ja: '対象外と回答されました', en: 'The row is now answered N/A' },
  'answered-no': {
    ja: '「はい」が欠如にあたる設問で、いいえと回答されました',
    en: 'The row is now answered No, on a question where Yes is the gap',
  },
  'does-not-apply': {
    ja: '他の行の回答により適用されなくなりました',
    en: 'The row no longer applies, given the answers to other rows',
  },
  undetermined: {
    ja: '依存する行が未回答のため、その行の未回答として扱います',
    en: 'The row depends on an unanswered row, which carries the gap now',
  },
  'covered-by-alternative': {
    ja: '同じ設問の他の選択肢が「はい」になりました',
    en: 'Another item of the same question is now answered Yes',
  },
};

function addedReason(d: DraftRisk): Message {
  const a = quote(answerText(d.answer));
  const rev = d.statementRevision;
  return { ja: `第${rev}版で${a.ja}と回答されています`, en: `Revision ${rev} answers ${a.en}` };
}

/**
 * Compares the risks recorded from an earlier statement revision with a new draft of the same system: which are
 * unchanged, which changed (and must be reopened when the answer changed), which are new and which disappeared,
 * each with its reason. Risks and drafts are matched by key.
 */
export function compareDrafts(previous: readonly Risk[], next: DraftResult): DraftComparison {
  const drafts = new Map(next.drafts.map((d) => [d.key, d]));
  const filtered = new Map<string, FilteredRow>(next.filtered.map((f) => [f.key, f]));
  const covered = new Map(next.covered.map((c) => [c.key, c]));
  const seen = new Set<string>();
  const out: DraftComparison = { unchanged: [], changed: [], added: [], removed: [] };

  for (const risk of previous) {
    seen.add(risk.key);
    const draft = drafts.get(risk.key);
    if (draft !== undefined) {
      const reasons: ChangeReason[] = [];
      if (!sameAnswer(risk.basis, draft)) {
        reasons.push({ code: 'answer-changed', message: answerChange(risk.basis, draft) });
      }
      if (!sameRemarks(risk.basis.remarks, draft.remarks)) {
        reasons.push({
          code: 'remarks-changed',
          message: { ja: '引用されている備考が変わりました', en: 'The remarks the row cites changed' },
        });
      }
      if (!sameText(risk.basis.rowText, draft.text)) {
        reasons.push({
          code: 'row-text-changed',
          message: {
            ja: `テンプレート ${draft.template.key} で設問の文言が変わりました`,
            en: `The row's wording changed in template ${draft.template.key}`,
          },
        });
      }
      if (reasons.length === 0) out.unchanged.push({ risk, draft });
      else {
        const reopen = reasons.some((r) => r.code === 'answer-changed') && risk.status !== 'open';
        out.changed.push({ risk, draft, reasons, reopen });
      }
      continue;
    }
    const f = filtered.get(risk.key);
    if (f !== undefined) {
      out.removed.push({ risk, code: f.cause, reason: f.reason });
      continue;
    }
    const c = covered.get(risk.key);
    if (c !== undefined) {
      out.removed.push({ risk, code: c.reason, reason: COVERED_REASONS[c.reason] });
      continue;
    }
    out.removed.push({
      risk,
      code: 'row-not-in-template',
      reason: {
        ja: `行 ${risk.rowId} はテンプレート ${next.templateKey} にありません`,
        en: `Row ${risk.rowId} is not in template ${next.templateKey}`,
      },
    });
  }
  for (const d of next.drafts) if (!seen.has(d.key)) out.added.push({ draft: d, reason: addedReason(d) });
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Dashboard summary.

export interface HeatMapAxis {
  name: Message;
  labels: Message[];
}

/**
 * Counts of risks (inherent rating) per cell, `counts[row][column]`, row and column 0 the lowest step, with each
 * cell's level for colouring. Likelihood × impact: likelihood rows, impact columns. 資産価値 × 脅威 × 脆弱性: asset
 * rows, and a column per (threat, vulnerability) pair, the layout of the JIPDEC risk-value table.
 */
export interface HeatMap {
  rows: HeatMapAxis;
  columns: HeatMapAxis;
  counts: number[][];
  levels: RiskLevel[][];
}

export interface SectionSummary {
  guidelineSection: string;
  total: number;
  /** Open or in progress. */
  unresolved: number;
  byLevel: Record<RiskLevel, number>;
}

export interface OverdueRisk {
  key: string;
  systemId: string;
  rowId: string;
  owner: string | null;
  dueDate: string;
  daysOverdue: number;
  status: RiskStatus;
}

export interface RiskSummary {
  total: number;
  /** By the inherent rating. */
  byLevel: Record<RiskLevel, number>;
  /** By the residual rating, for risks that have one. */
  residualByLevel: Record<RiskLevel, number>;
  /** Risks whose residual rating (else inherent rating) is within the acceptance threshold. */
  acceptable: number;
  byStatus: Record<RiskStatus, number>;
  byTreatment: Record<Treatment | 'none', number>;
  heatMap: HeatMap;
  /** Sorted by section, numbers in numeric order. */
  bySection: SectionSummary[];
  /** Open or in progress past their due date, the longest overdue first. */
  overdue: OverdueRisk[];
  /** Keys of risks whose rating does not fit the method (rated under another one); left out of level counts. */
  unscored: string[];
}

export interface SummarizeOptions {
  /** The time zone "today" is taken in; Asia/Tokyo by default. */
  timeZone?: string;
}

const zeroLevels = (): Record<RiskLevel, number> => ({ low: 0, medium: 0, high: 0, extreme: 0 });

function todayIn(now: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(now)
    .reduce<Record<string, string>>((acc, p) => ((acc[p.type] = p.value), acc), {});
  return `${parts.year}-${parts.month}-${parts.day}`;
}

function dayNumber(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / 86_400_000;
}

const ATV_STEPS: Message[] = [RISK_LEVEL_LABELS.low, RISK_LEVEL_LABELS.medium, RISK_LEVEL_LABELS.high];

function emptyHeatMap(method: ScoringMethod): HeatMap {
  switch (method.kind) {
    case 'asset-threat-vulnerability': {
      const columns: Message[] = [];
      const levels: RiskLevel[][] = [];
      for (let t = 1; t <= 3; t++) {
        for (let v = 1; v <= 3; v++) {
          const tl = ATV_STEPS[t - 1]!;
          const vl = ATV_STEPS[v - 1]!;
          columns.push({ ja: `脅威${tl.ja}・脆弱性${vl.ja}`, en: `threat ${tl.en}, vulnerability ${vl.en}` });
        }
      }
      for (let a = 1; a <= 3; a++) {
        const row: RiskLevel[] = [];
        for (let t = 1; t <= 3; t++) {
          for (let v = 1; v <= 3; v++) row.push(score(method, { asset: a, threat: t, vulnerability: v }).level);
        }
        levels.push(row);
      }
      return {
        rows: { name: { ja: '資産価値', en: 'Asset value' }, labels: ATV_STEPS },
        columns: { name: { ja: '脅威・脆弱性', en: 'Threat, vulnerability' }, labels: columns },
        counts: levels.map((r) => r.map(() => 0)),
        levels,
      };
    }
    case 'likelihood-impact':
      return {
        rows: { name: method.likelihood.name, labels: method.likelihood.steps },
        columns: { name: method.impact.name, labels: method.impact.steps },
        counts: method.cells.map((r) => r.map(() => 0)),
        levels: method.cells.map((r) => [...r]),
      };
  }
}

function heatCell(method: ScoringMethod, r: Rating): [number, number] {
  if ('asset' in r) return [r.asset - 1, (r.threat - 1) * 3 + (r.vulnerability - 1)];
  if (method.kind === 'likelihood-impact' && 'likelihood' in r) return [r.likelihood - 1, r.impact - 1];
  return [-1, -1];
}

const sectionOrder = new Intl.Collator('en', { numeric: true });

/** A dashboard's view of risks under a method: levels, heat map, sections, treatments and what is overdue at `now`. */
export function summarize(
  risks: readonly Risk[],
  method: ScoringMethod,
  now: Date,
  options: SummarizeOptions = {},
): RiskSummary {
  const today = todayIn(now, options.timeZone ?? 'Asia/Tokyo');
  const todayN = dayNumber(today);
  const summary: RiskSummary = {
    total: risks.length,
    byLevel: zeroLevels(),
    residualByLevel: zeroLevels(),
    acceptable: 0,
    byStatus: { open: 0, 'in-progress': 0, done: 0, accepted: 0 },
    byTreatment: { reduce: 0, accept: 0, avoid: 0, transfer: 0, none: 0 },
    heatMap: emptyHeatMap(method),
    bySection: [],
    overdue: [],
    unscored: [],
  };
  const sections = new Map<string, SectionSummary>();
  for (const risk of risks) {
    summary.byStatus[risk.status]++;
    summary.byTreatment[risk.treatment ?? 'none']++;
    const unresolved = risk.status === 'open' || risk.status === 'in-progress';
    let section = sections.get(risk.guidelineSection);
    if (section === undefined) {
      section = { guidelineSection: risk.guidelineSection, total: 0, unresolved: 0, byLevel: zeroLevels() };
      sections.set(risk.guidelineSection, section);
    }
    section.total++;
    if (unresolved) section.unresolved++;
    if (unresolved && risk.dueDate !== null && risk.dueDate < today) {
      summary.overdue.push({
        key: risk.key,
        systemId: risk.systemId,
        rowId: risk.rowId,
        owner: risk.owner,
        dueDate: risk.dueDate,
        daysOverdue: todayN - dayNumber(risk.dueDate),
        status: risk.status,
      });
    }
    if (!ratingFits(method, risk.rating)) {
      summary.unscored.push(risk.key);
      continue;
    }
    const inherent = score(method, risk.rating);
    summary.byLevel[inherent.level]++;
    section.byLevel[inherent.level]++;
    const [row, col] = heatCell(method, risk.rating);
    const cells = summary.heatMap.counts[row];
    if (cells?.[col] !== undefined) cells[col]++;
    const residual =
      risk.residualRating !== null && ratingFits(method, risk.residualRating)
        ? score(method, risk.residualRating)
        : undefined;
    if (residual !== undefined) summary.residualByLevel[residual.level]++;
    if ((residual ?? inherent).acceptable) summary.acceptable++;
  }
  summary.bySection = [...sections.values()].sort((a, b) =>
    sectionOrder.compare(a.guidelineSection, b.guidelineSection),
  );
  summary.overdue.sort((a, b) => b.daysOverdue - a.daysOverdue || a.key.localeCompare(b.key));
  return summary;
}
