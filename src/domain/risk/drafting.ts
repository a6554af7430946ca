import { Applies, type CompiledRow, type CompiledTemplate } from '../compiled-template.js';
import type { LocalizedText, Message } from '../i18n.js';
import type { Statement } from '../statement.js';
import type { AnswerCategory } from '../template.js';
import { EXPOSED_CONNECTIONS, relevance, type RelevanceCondition, type SystemProfile } from './profile.js';
import {
  defaultAssetThreatVulnerability,
  score,
  type AssetThreatVulnerabilityRating,
  type Rating,
  type Score,
  type ScoringMethod,
} from './scoring.js';

/**
 * Drafting turns a vendor's statement into the hospital's first list of risks: every row the product does not
 * cover (いいえ, unanswered while it applies, MDS2 "See Note") becomes a draft risk carrying the vendor's answer and
 * remarks, the catalogue's threat and measure, and a suggested rating the person then corrects. The catalogue may
 * turn a question's polarity around (`questions`): "Yes" is the gap where the question asks about an exposure, and
 * a descriptive question is never a gap (it is listed in `filtered` with the catalogue's reason).
 */

/** Which answer is the gap; catalogue.ts's GapWhen. */
export type GapWhen = 'no' | 'yes' | 'never';

/** A question whose gap is not いいえ / "No", and why. */
export interface QuestionPolarity {
  gapWhen: GapWhen;
  reason: LocalizedText;
}

/** What the catalogue says about a row (MDS) or a section (MDS2). Structurally a subset of catalogue.ts's entry. */
export interface CatalogueEntry {
  /** The guideline section the risk is counted under, e.g. "6.5" or "Section 5.3, AUTH". */
  guidelineSection: string;
  threat: LocalizedText;
  measure: LocalizedText;
  relevantWhen?: RelevanceCondition | undefined;
  irrelevantReason?: LocalizedText | undefined;
  /** Questions whose gap is not いいえ / "No", by row id; the rest have the default, 'no'. */
  questions?: Readonly<Record<string, QuestionPolarity>> | undefined;
}

export interface CatalogueQuery {
  templateId: string;
  /** "id@edition". */
  templateKey: string;
  rowId: string;
  /** The row's section: MDS2 catalogues are written per section ("AUTH"). */
  section: string;
}

/**
 * Finds the catalogue entry for a row: by its row id first, then by its section. With catalogue.ts:
 * `(q) => catalogueEntryFor(catalogue, q.rowId, template)`.
 */
export type CatalogueLookup = (query: CatalogueQuery) => CatalogueEntry | undefined;

/** A lookup over a list of entries, each naming the rows and/or sections it covers; rows win over sections. */
export function catalogueLookup(
  entries: readonly (CatalogueEntry & { rows?: readonly string[]; sections?: readonly string[] })[],
): CatalogueLookup {
  const byRow = new Map<string, CatalogueEntry>();
  const bySection = new Map<string, CatalogueEntry>();
  for (const e of entries) {
    for (const r of e.rows ?? []) if (!byRow.has(r)) byRow.set(r, e);
    for (const s of e.sections ?? []) if (!bySection.has(s)) bySection.set(s, e);
  }
  return (q) => byRow.get(q.rowId) ?? bySection.get(q.section);
}

/** How a row fails to be covered. */
export type GapKind =
  /** いいえ: the product does not do it. */
  | 'no'
  /** はい on a question where "Yes" is the gap (the catalogue's gapWhen 'yes'): the product exposes it. */
  | 'yes'
  /** The row applies and the vendor left it blank. */
  | 'unanswered'
  /** An answer counted as "other", e.g. MDS2 "See Note": the vendor qualifies its answer in a note. */
  | 'other';

export interface VendorAnswer {
  kind: GapKind;
  /** The answer value ("no", "see-note"); null when unanswered or for a multi-select group. */
  value: string | null;
  label: LocalizedText | null;
}

/** An item of a multi-select group (4.1 認証方式: パスワード認証, 生体認証, …) and what the vendor answered. */
export interface ItemAnswer {
  rowId: string;
  text: LocalizedText;
  value: string | null;
  category: AnswerCategory | null;
}

export interface CitedRemark {
  number: number;
  /** null when the statement cites a remark it does not define. */
  text: string | null;
}

/** The rating factors drafting suggests, whatever the method; see `suggestFactors`. */
export type SuggestedFactors = AssetThreatVulnerabilityRating;

export interface DraftRisk {
  /** systemId:templateId:rowId — stable across statement revisions and editions that keep the row's id. */
  key: string;
  systemId: string;
  systemName: string;
  template: { id: string; edition: string; key: string };
  statementRevision: number;
  rowId: string;
  /** The form's number; '' for bullet rows. */
  number: string;
  section: string;
  sectionTitle: LocalizedText | null;
  text: LocalizedText;
  /** Guideline clauses the row checks, e.g. "6.5.C1". */
  refs: string[];
  /** The catalogue's section, else the template section's guideline reference, else the section id. */
  guidelineSection: string;
  answer: VendorAnswer;
  /** For a multi-select group: each item's answer. */
  items?: ItemAnswer[];
  remarks: CitedRemark[];
  /** null when the catalogue has no entry for the row or its section. */
  threat: LocalizedText | null;
  measure: LocalizedText | null;
  factors: SuggestedFactors;
  suggested: { rating: Rating; score: Score };
}

export interface FilteredRow {
  key: string;
  rowId: string;
  number: string;
  text: LocalizedText;
  answer: VendorAnswer;
  cause:
    | 'irrelevant'
    /** No catalogue entry, with `uncatalogued: 'filter'`. */
    | 'uncatalogued'
    /** A descriptive question (the catalogue's gapWhen 'never'): no answer to it is a gap. */
    | 'informational';
  reason: Message;
}

/** Why an answerable row, or a multi-select group row, produced no draft although it is not filtered. */
export type CoveredReason =
  | 'answered-yes'
  | 'answered-na'
  /** いいえ on a question where "Yes" is the gap (the catalogue's gapWhen 'yes'). */
  | 'answered-no'
  /** Its applicability rule does not hold (12.3.1 while 12.3 is いいえ). */
  | 'does-not-apply'
  /** It depends on a row that is unanswered; the gap is counted on that row. */
  | 'undetermined'
  /** A multi-select item answered いいえ while another item of its group is はい. */
  | 'covered-by-alternative';

export interface CoveredRow {
  key: string;
  rowId: string;
  reason: CoveredReason;
  /** The answer value, when answered. */
  answer: string | null;
  /** For 'covered-by-alternative', and a multi-select group answered 'answered-yes': the items answered はい. */
  by?: string[];
}

export interface DraftOptions {
  /** The method the suggested rating is given in; the default 資産価値 × 脅威 × 脆弱性 when absent. */
  method?: ScoringMethod;
  /** Rows with no catalogue entry: drafted without threat and measure (default), or filtered. */
  uncatalogued?: 'draft' | 'filter';
}

export interface DraftInput {
  template: CompiledTemplate;
  statement: Statement;
  profile: SystemProfile;
  catalogue: CatalogueLookup;
  system: { id: string; name: string };
  options?: DraftOptions;
}

export interface DraftResult {
  systemId: string;
  templateKey: string;
  statementRevision: number;
  /** In template row order. */
  drafts: DraftRisk[];
  filtered: FilteredRow[];
  covered: CoveredRow[];
}

/** The stable key of a system's risk on a template row. */
export function riskKey(systemId: string, templateId: string, rowId: string): string {
  return `${systemId}:${templateId}:${rowId}`;
}

/**
 * The suggested initial rating, a documented heuristic (docs/risk-assessment.md):
 * - 資産価値 (asset) 3 when the system handles patient data, else 1;
 * - 脅威 (threat) 3 when the catalogue entry is about a connection beyond the internal network (external,
 *   remote maintenance, wireless LAN) that the system has, else 2;
 * - 脆弱性 (vulnerability) 3 for いいえ (or はい where "Yes" is the gap), 2 for unanswered or "See Note" (the
 *   function may exist in part).
 */
export function suggestFactors(
  kind: GapKind,
  profile: SystemProfile,
  entry: CatalogueEntry | undefined,
): SuggestedFactors {
  const exposed =
    entry?.relevantWhen?.connections?.some((c) => EXPOSED_CONNECTIONS.includes(c) && profile.connections.includes(c)) ??
    false;
  return {
    asset: profile.patientData ? 3 : 1,
    threat: exposed ? 3 : 2,
    vulnerability: kind === 'no' || kind === 'yes' ? 3 : 2,
  };
}

/**
 * The factors as a rating of a method. Likelihood × impact: likelihood from 脅威 + 脆弱性 (2–6) and impact from
 * 資産価値 (1–3), each spread over the matrix's 1–size.
 */
export function ratingFromFactors(method: ScoringMethod, f: SuggestedFactors): Rating {
  switch (method.kind) {
    case 'asset-threat-vulnerability':
      return { asset: f.asset, threat: f.threat, vulnerability: f.vulnerability };
    case 'likelihood-impact': {
      const n = method.size;
      return {
        likelihood: 1 + Math.round(((f.threat + f.vulnerability - 2) * (n - 1)) / 4),
        impact: 1 + Math.round(((f.asset - 1) * (n - 1)) / 2),
      };
    }
  }
}

/** What drafting needs of a template, computed once per compiled template. */
interface TemplatePlan {
  sections: ReadonlyMap<string, { title: LocalizedText; ref: string | undefined }>;
  /** Multi-select groups by group row id: their items, answerable bullet rows ('' number) under a group row. */
  groups: ReadonlyMap<string, CompiledRow[]>;
  items: ReadonlySet<string>;
}

const plans = new WeakMap<CompiledTemplate, TemplatePlan>();

function planFor(t: CompiledTemplate): TemplatePlan {
  let plan = plans.get(t);
  if (plan !== undefined) return plan;
  const sections = new Map(t.template.sections.map((s) => [s.id, { title: s.title, ref: s.ref }]));
  const groups = new Map<string, CompiledRow[]>();
  const items = new Set<string>();
  for (const r of t.rows) {
    if (r.row.kind !== 'group') continue;
    const members = r.children
      .map((id) => t.byId.get(id))
      .filter((c): c is CompiledRow => c !== undefined && c.answerable && c.row.number === '');
    if (members.length === 0) continue;
    groups.set(r.row.id, members);
    for (const m of members) items.add(m.row.id);
  }
  plan = { sections, groups, items };
  plans.set(t, plan);
  return plan;
}

/**
 * Drafts the risks of one system from its vendor's statement. Rows answered はい or 対象外, and rows that do not
 * apply given the statement's own answers, produce nothing (they are listed in `covered`); rows whose catalogue
 * entry does not matter for the system's profile are listed in `filtered` with the reason. Throws a RangeError when
 * the statement is not on the template (a caller's mistake).
 */
export function draftRisks(input: DraftInput): DraftResult {
  const { template: t, statement: s, profile, catalogue, system } = input;
  if (s.template.id !== t.template.id || s.template.edition !== t.template.edition) {
    throw new RangeError(`statement is on ${s.template.id}@${s.template.edition}, not ${t.key}`);
  }
  const method = input.options?.method ?? defaultAssetThreatVulnerability();
  const uncatalogued = input.options?.uncatalogued ?? 'draft';
  const plan = planFor(t);
  const templateId = t.template.id;
  const answers = s.answers;
  // An answer outside the row's set counts as no answer, as in validation.
  const lookup = (id: string): string | undefined => {
    const a = answers[id]?.answer;
    return a !== undefined && t.byId.get(id)?.options.has(a) === true ? a : undefined;
  };
  const applies = t.evaluate(lookup);
  let remarkText: Map<number, string> | undefined;
  const citedRemarks = (ids: readonly string[]): CitedRemark[] => {
    const numbers: number[] = [];
    for (const id of ids) for (const n of answers[id]?.remarks ?? []) if (!numbers.includes(n)) numbers.push(n);
    if (numbers.length === 0) return [];
    remarkText ??= new Map(s.remarks.map((r) => [r.number, r.text]));
    return numbers.map((n) => ({ number: n, text: remarkText?.get(n) ?? null }));
  };

  const drafts: DraftRisk[] = [];
  const filtered: FilteredRow[] = [];
  const covered: CoveredRow[] = [];
  const cover = (r: CompiledRow, reason: CoveredReason, answer: string | undefined, by?: string[]): void => {
    const row: CoveredRow = {
      key: riskKey(system.id, templateId, r.row.id),
      rowId: r.row.id,
      reason,
      answer: answer ?? null,
    };
    if (by !== undefined) row.by = by;
    covered.push(row);
  };

  const lookupEntry = (r: CompiledRow): CatalogueEntry | undefined =>
    catalogue({ templateId, templateKey: t.key, rowId: r.row.id, section: r.row.section });

  const gap = (
    r: CompiledRow,
    answer: VendorAnswer,
    remarkRows: readonly string[],
    group?: { items: ItemAnswer[]; members: readonly CompiledRow[] },
  ): void => {
    const row = r.row;
    const key = riskKey(system.id, templateId, row.id);
    // A catalogue keyed by rows covers only answerable rows, so a group's entry is that of its first item that has one.
    let entry = lookupEntry(r);
    for (const m of group?.members ?? []) entry ??= lookupEntry(m);
    if (entry === undefined && uncatalogued === 'filter') {
      filtered.push({
        key,
        rowId: row.id,
        number: row.number,
        text: row.text,
        answer,
        cause: 'uncatalogued',
        reason: {
          ja: `リスクカタログに行 ${row.number || row.id}（${row.section}）の項目がないため`,
          en: `The risk catalogue has no entry for row ${row.number || row.id} (${row.section})`,
        },
      });
      return;
    }
    if (entry !== undefined) {
      const rel = relevance(profile, entry);
      if (!rel.relevant) {
        filtered.push({
          key,
          rowId: row.id,
          number: row.number,
          text: row.text,
          answer,
          cause: 'irrelevant',
          reason: rel.reason,
        });
        return;
      }
    }
    const section = plan.sections.get(row.section);
    const factors = suggestFactors(answer.kind, profile, entry);
    const rating = ratingFromFactors(method, factors);
    const draft: DraftRisk = {
      key,
      systemId: system.id,
      systemName: system.name,
      template: { id: templateId, edition: t.template.edition, key: t.key },
      statementRevision: s.revision,
      rowId: row.id,
      number: row.number,
      section: row.section,
      sectionTitle: section?.title ?? null,
      text: row.text,
      refs: [...row.refs],
      guidelineSection: entry?.guidelineSection ?? section?.ref ?? row.section,
      answer,
      remarks: citedRemarks(remarkRows),
      threat: entry?.threat ?? null,
      measure: entry?.measure ?? null,
      factors,
      suggested: { rating, score: score(method, rating) },
    };
    if (group !== undefined) draft.items = group.items;
    drafts.push(draft);
  };

  for (const r of t.rows) {
    const id = r.row.id;
    const members = plan.groups.get(id);
    if (members !== undefined) {
      draftGroup(r, members);
      continue;
    }
    if (!r.answerable || plan.items.has(id)) continue;
    const state = applies[r.index] as Applies;
    const value = lookup(id);
    if (state === Applies.No) {
      cover(r, 'does-not-apply', value);
      continue;
    }
    const polarity = lookupEntry(r)?.questions?.[id];
    if (polarity?.gapWhen === 'never') {
      filtered.push({
        key: riskKey(system.id, templateId, id),
        rowId: id,
        number: r.row.number,
        text: r.row.text,
        answer: vendorAnswer(r, value),
        cause: 'informational',
        reason: {
          ja: polarity.reason.ja ?? polarity.reason.en ?? '',
          en: polarity.reason.en ?? polarity.reason.ja ?? '',
        },
      });
      continue;
    }
    const yesIsGap = polarity?.gapWhen === 'yes';
    if (value === undefined) {
      if (state === Applies.Unknown) cover(r, 'undetermined', undefined);
      else gap(r, { kind: 'unanswered', value: null, label: null }, [id]);
      continue;
    }
    const option = r.options.get(value);
    const category = option?.countsAs;
    switch (category) {
      case 'yes':
        if (yesIsGap) gap(r, { kind: 'yes', value, label: option?.label ?? null }, [id]);
        else cover(r, 'answered-yes', value);
        break;
      case 'na':
        cover(r, 'answered-na', value);
        break;
      case 'no':
        if (yesIsGap) cover(r, 'answered-no', value);
        else gap(r, { kind: category, value, label: option?.label ?? null }, [id]);
        break;
      case 'other':
        gap(r, { kind: category, value, label: option?.label ?? null }, [id]);
        break;
      case undefined:
        break;
    }
  }

  /** The vendor's answer to a row as drafting reports it, whatever it is. */
  function vendorAnswer(r: CompiledRow, value: string | undefined): VendorAnswer {
    if (value === undefined) return { kind: 'unanswered', value: null, label: null };
    const option = r.options.get(value);
    const category = option?.countsAs;
    const kind: GapKind = category === 'yes' ? 'yes' : category === 'no' ? 'no' : 'other';
    return { kind, value, label: option?.label ?? null };
  }

  /**
   * A multi-select group (4.1 認証方式) is one question answered item by item: いいえ on 生体認証 is no gap when
   * パスワード認証 is はい. The group is a gap only when no item is はい, and is then drafted once, on the group row.
   */
  function draftGroup(group: CompiledRow, members: readonly CompiledRow[]): void {
    const states = members.map((m) => {
      const value = lookup(m.row.id);
      return {
        m,
        value,
        state: applies[m.index] as Applies,
        category: value === undefined ? undefined : m.options.get(value)?.countsAs,
      };
    });
    // The group row is listed too, so that a re-draft can say why a risk recorded on it went away.
    if ((applies[group.index] as Applies) === Applies.No) {
      cover(group, 'does-not-apply', undefined);
      for (const x of states) cover(x.m, 'does-not-apply', x.value);
      return;
    }
    const yes = states.filter((x) => x.state !== Applies.No && x.category === 'yes').map((x) => x.m.row.id);
    if (yes.length > 0) {
      cover(group, 'answered-yes', undefined, yes);
      for (const x of states) {
        if (x.state === Applies.No) cover(x.m, 'does-not-apply', x.value);
        else if (x.category === 'yes') cover(x.m, 'answered-yes', x.value);
        else if (x.category === 'na') cover(x.m, 'answered-na', x.value);
        else cover(x.m, 'covered-by-alternative', x.value, yes);
      }
      return;
    }
    const live = states.filter((x) => x.state !== Applies.No);
    const unanswered = live.some((x) => x.value === undefined && x.state === Applies.Yes);
    const kind: GapKind | undefined = live.some((x) => x.category === 'other')
      ? 'other'
      : unanswered
        ? 'unanswered'
        : live.some((x) => x.category === 'no')
          ? 'no'
          : undefined;
    if (kind === undefined) {
      const allNa = live.length > 0 && live.every((x) => x.category === 'na');
      cover(group, allNa ? 'answered-na' : live.length === 0 ? 'does-not-apply' : 'undetermined', undefined);
      for (const x of states) {
        if (x.state === Applies.No) cover(x.m, 'does-not-apply', x.value);
        else if (x.category === 'na') cover(x.m, 'answered-na', x.value);
        else cover(x.m, 'undetermined', x.value);
      }
      return;
    }
    const items: ItemAnswer[] = states.map((x) => ({
      rowId: x.m.row.id,
      text: x.m.row.text,
      value: x.value ?? null,
      category: x.category ?? null,
    }));
    gap(group, { kind, value: null, label: null }, [group.row.id, ...members.map((m) => m.row.id)], { items, members });
  }

  return { systemId: system.id, templateKey: t.key, statementRevision: s.revision, drafts, filtered, covered };
}

/** The vendor's answer in words: いいえ, 未回答, 備考参照 (the option's label where it has one). */
export function answerText(answer: VendorAnswer): Message {
  if (answer.label !== null) {
    return { ja: answer.label.ja ?? answer.label.en ?? '', en: answer.label.en ?? answer.label.ja ?? '' };
  }
  switch (answer.kind) {
    case 'no':
      return { ja: 'いいえ', en: 'No' };
    case 'yes':
      return { ja: 'はい', en: 'Yes' };
    case 'unanswered':
      return { ja: '未回答', en: 'unanswered' };
    case 'other':
      return { ja: '備考参照', en: 'See Note' };
  }
}
