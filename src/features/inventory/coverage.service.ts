import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { RequestContext } from '../../security/context.js';
import {
  listLinks,
  listSources,
  listSystems,
  publicationsById,
  readablePublicationsOf,
  type PublicationFacts,
  type SourceRecord,
  type SystemRecord,
} from './inventory.repository.js';
import type { Coverage, CoverageReason, CoverageStatement, CoverageStatus } from './inventory.schema.js';
import { requireInventory, sourceSummary } from './inventory.views.js';

/** A statement dated more than this many years ago is outdated. */
const MAX_AGE_YEARS = 3;

const JST_OFFSET_MS = 9 * 60 * 60 * 1000;

/** The calendar day of an instant in Japan. */
export function japanDate(iso: string): string {
  return new Date(Date.parse(iso) + JST_OFFSET_MS).toISOString().slice(0, 10);
}

/** The same day `years` earlier (29 February becomes the 28th). */
export function yearsBefore(day: string, years: number): string {
  const [y, m, d] = day.split('-');
  const date = `${String(Number(y) - years).padStart(4, '0')}-${m}-${d}`;
  return m === '02' && d === '29' ? date.replace(/29$/, '28') : date;
}

/** A statement's date as YYYY-MM-DD, from 2016-01-26, 2016/1/26, 2016.01.26 or 2016年1月26日; undefined otherwise. */
export function statementDay(text: string): string | undefined {
  const m = /^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?/.exec(text.normalize('NFKC'));
  if (m === null) return undefined;
  const day = `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`;
  return Number.isNaN(Date.parse(day)) ? undefined : day;
}

/** A version for comparison: NFKC, lower case, no spaces, without a leading "Ver." or "V" (V1.20 = 1.20 = Ver. 1.20). */
export function comparableVersion(v: string): string {
  return v
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\s+/g, '')
    .replace(/^(version|ver\.?|v)(?=\d)/, '');
}

interface Context {
  today: string;
  currentSince: string;
  publications: Map<string, PublicationFacts>;
  /** Readable, not withdrawn publications of the held statements, newest revision first. */
  successors: PublicationFacts[];
}

/** Why a statement no longer describes the system, and whether its publication was withdrawn. */
function assess(system: SystemRecord, source: SourceRecord, c: Context): CoverageStatement {
  const reasons: CoverageReason[] = [];
  const publication = source.publicationId === null ? undefined : c.publications.get(source.publicationId);

  const systemVersion = system.productVersion;
  const statementVersion = source.productVersion;
  if (
    systemVersion !== '' &&
    statementVersion !== '' &&
    comparableVersion(systemVersion) !== comparableVersion(statementVersion)
  ) {
    reasons.push({
      code: 'version-mismatch',
      message: {
        ja: `開示書の対象は版 ${statementVersion} ですが、システムの版は ${systemVersion} です`,
        en: `the statement is for version ${statementVersion}, but the system runs version ${systemVersion}`,
      },
      systemVersion,
      statementVersion,
    });
  }

  if (publication !== undefined) {
    const newer = c.successors.find(
      (p) => p.statementId === publication.statementId && p.revision > publication.revision,
    );
    if (newer !== undefined) {
      const on = japanDate(newer.publishedAt);
      const heldOn = japanDate(publication.publishedAt);
      reasons.push({
        code: 'newer-revision',
        message: {
          ja: `改訂 ${newer.revision} が ${on} に公開されています（保有しているのは改訂 ${publication.revision}、${heldOn} 公開）`,
          en: `revision ${newer.revision} was published on ${on} (the one held is revision ${publication.revision}, published on ${heldOn})`,
        },
        publicationId: newer.id,
        revision: newer.revision,
        publishedAt: newer.publishedAt,
      });
    }
  }

  // The statement's own date; a publication without one counts from its publication.
  const day =
    statementDay(source.statementDate) ?? (publication === undefined ? undefined : japanDate(publication.publishedAt));
  if (day !== undefined && day < c.currentSince) {
    reasons.push({
      code: 'older-than-3-years',
      message: {
        ja: `作成日 ${day} は ${c.today} の ${MAX_AGE_YEARS} 年以上前です（${c.currentSince} 以降の日付のものが必要です）`,
        en: `dated ${day}, more than ${MAX_AGE_YEARS} years before ${c.today} (a current statement is dated ${c.currentSince} or later)`,
      },
      statementDate: day,
      currentSince: c.currentSince,
    });
  }

  const withdrawn =
    publication === undefined || publication.withdrawnAt === null
      ? null
      : { at: publication.withdrawnAt, reason: publication.withdrawnReason ?? '' };
  return {
    source: sourceSummary(source),
    status: withdrawn !== null ? 'withdrawn' : reasons.length > 0 ? 'outdated' : 'current',
    withdrawn,
    reasons,
  };
}

/** One current statement covers a system; otherwise an outdated one is better than a withdrawn one. */
function systemStatus(statements: readonly CoverageStatement[]): CoverageStatus {
  if (statements.length === 0) return 'none';
  for (const status of ['current', 'outdated'] as const) {
    if (statements.some((s) => s.status === status)) return status;
  }
  return 'withdrawn';
}

/**
 * Whether each system has a statement from its vendor that still describes it (MHLW checklist 2-③: MDS/SDS
 * obtained from each vendor): 'none', 'withdrawn', 'outdated' (another product version, a newer readable revision
 * published on this instance, or dated more than 3 years ago — each reason named, with its dates), or 'current'.
 */
export async function getCoverage(db: Kysely<Database>, ctx: RequestContext, orgId: string): Promise<Coverage> {
  requireInventory(ctx, orgId, 'inventory.read');
  const now = ctx.now();
  const [systems, links, sources] = await Promise.all([
    listSystems(db, orgId),
    listLinks(db, orgId),
    listSources(db, orgId),
  ]);
  const byId = new Map(sources.map((s) => [s.id, s]));
  const linked = new Map<string, SourceRecord[]>();
  for (const l of links) {
    const source = byId.get(l.sourceId);
    if (source !== undefined) linked.set(l.systemId, [...(linked.get(l.systemId) ?? []), source]);
  }
  const publications = await publicationsById(db, [
    ...new Set(sources.flatMap((s) => (s.publicationId === null ? [] : [s.publicationId]))),
  ]);
  const successors = await readablePublicationsOf(
    db,
    [...new Set([...publications.values()].map((p) => p.statementId))],
    { orgIds: [orgId], now },
  );
  const today = japanDate(now);
  const c: Context = { today, currentSince: yearsBefore(today, MAX_AGE_YEARS), publications, successors };

  const counts = { systems: systems.length, none: 0, outdated: 0, withdrawn: 0, current: 0 };
  const rows = systems.map((system) => {
    const statements = (linked.get(system.id) ?? []).map((source) => assess(system, source, c));
    const status = systemStatus(statements);
    counts[status]++;
    return {
      system: {
        id: system.id,
        name: system.name,
        manufacturer: system.manufacturer,
        product: system.product,
        productVersion: system.productVersion,
        department: system.department,
      },
      status,
      statements,
    };
  });
  return { asOf: today, counts, systems: rows };
}
