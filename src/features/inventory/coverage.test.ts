import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createFinalizedStatement,
  createOrg,
  createProduct,
  createProductVersion,
  inject,
  publishStatement,
  signUp,
  testApp,
  type TestApp,
  type TestSession,
} from '../../../test/support/app.js';
import { testDatabases } from '../../../test/support/databases.js';
import { generalPacs } from '../../../test/support/statements.js';
import { comparableVersion, japanDate, statementDay, yearsBefore } from './coverage.service.js';
import type { Coverage, ImportedSource, SystemDetail } from './inventory.schema.js';

describe('coverage’s dates and versions', () => {
  it('reads the day in Japan and counts years back', () => {
    expect(japanDate('2026-11-25T14:59:59Z')).toBe('2026-11-25');
    expect(japanDate('2026-11-25T15:00:00Z')).toBe('2026-11-26');
    expect(yearsBefore('2026-11-26', 3)).toBe('2023-11-26');
    expect(yearsBefore('2028-02-29', 3)).toBe('2025-02-28');
  });

  it('reads the dates statements are written with', () => {
    expect(statementDay('2016-01-26')).toBe('2016-01-26');
    expect(statementDay('2016/1/6')).toBe('2016-01-06');
    expect(statementDay('２０１６年１月２６日')).toBe('2016-01-26');
    expect(statementDay('平成28年1月26日')).toBeUndefined();
    expect(statementDay('')).toBeUndefined();
  });

  it('compares versions without their "V" or "Ver." and spacing', () => {
    expect(comparableVersion('V1.20R00')).toBe(comparableVersion('1.20r00'));
    expect(comparableVersion('Ver. 3.0')).toBe('3.0');
    expect(comparableVersion('Ｖ３．０')).toBe('3.0');
    expect(comparableVersion('Vista 2')).toBe('vista2');
  });
});

interface Side {
  owner: TestSession;
  orgId: string;
  name: string;
}

describe.each(testDatabases())('coverage of the inventory on $name', (database) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await testApp({ database });
  });
  afterAll(async () => {
    await t.close();
  });

  const call = (who: TestSession, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    inject(t.app, who, { method, url: `/api/v1${url}`, ...(payload === undefined ? {} : { payload }) });

  it('says for each system whether a current statement covers it, and why not', async () => {
    const owner = await signUp(t.app);
    const h: Side = {
      owner,
      orgId: (await createOrg(t.app, owner, { name: '網羅病院', kind: 'hospital' })).id,
      name: '',
    };
    const maker = await signUp(t.app);
    const makerOrg = (await createOrg(t.app, maker, { name: '網羅医療機器', kind: 'manufacturer' })).id;
    const productId = (await createProduct(t.app, maker, makerOrg, { name: 'C-RIS' })).id;

    async function publish(version: string): Promise<{ id: string; statementId: string }> {
      const productVersionId = (await createProductVersion(t.app, maker, makerOrg, productId, { version })).id;
      const st = await createFinalizedStatement(t.app, maker, makerOrg, { productVersionId });
      return publishStatement(t.app, maker, makerOrg, st);
    }
    async function republish(statementId: string): Promise<string> {
      const base = `/orgs/${makerOrg}/statements/${statementId}`;
      const started = await call(maker, 'POST', `${base}/revisions`);
      expect(started.statusCode, started.body).toBe(201);
      const { revision, version } = started.json<{ latest: { revision: number; version: number } }>().latest;
      const submitted = await call(maker, 'POST', `${base}/revisions/${revision}/submit`, { expectedVersion: version });
      const after = submitted.json<{ latest: { version: number } }>().latest.version;
      const fin = await call(maker, 'POST', `${base}/revisions/${revision}/finalize`, { expectedVersion: after });
      expect(fin.statusCode, fin.body).toBe(200);
      return (await publishStatement(t.app, maker, makerOrg, { id: statementId, revision })).id;
    }
    async function system(name: string, productVersion: string): Promise<SystemDetail> {
      const res = await call(owner, 'POST', `/orgs/${h.orgId}/systems`, { name, productVersion });
      expect(res.statusCode, res.body).toBe(201);
      return res.json();
    }
    async function importJson(name: string, content: unknown): Promise<ImportedSource> {
      const res = await inject(t.app, owner, {
        method: 'POST',
        url: `/api/v1/orgs/${h.orgId}/sources/import?file=${name}`,
        headers: { 'content-type': 'application/octet-stream' },
        payload: Buffer.from(JSON.stringify(content)),
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json();
    }
    async function fromPublication(publicationId: string): Promise<ImportedSource> {
      const res = await call(owner, 'POST', `/orgs/${h.orgId}/sources/from-publication`, { publicationId });
      expect(res.statusCode, res.body).toBe(201);
      return res.json();
    }
    async function link(s: SystemDetail, source: ImportedSource): Promise<void> {
      const res = await call(owner, 'POST', `/orgs/${h.orgId}/systems/${s.id}/statements`, { sourceId: source.id });
      expect(res.statusCode, res.body).toBe(201);
    }

    const today = japanDate(new Date().toISOString());
    const since = yearsBefore(today, 3);
    const old = await importJson('old.json', generalPacs()); // dated 2016-01-26, V1.20R00
    const gp = generalPacs();
    const fresh = await importJson('fresh.json', { ...gp, header: { ...gp.header, date: today } });

    const none = await system('1 台帳のみ', '');
    const aged = await system('2 古い開示書', 'V1.20R00');
    await link(aged, old);
    const otherVersion = await system('3 別の版', 'V2.00');
    await link(otherVersion, fresh);
    const current = await system('4 最新', '1.20r00');
    await link(current, fresh);
    const both = await system('5 新旧', 'V1.20R00');
    await link(both, old);
    await link(both, fresh);

    const p1 = await publish('5.0');
    const revised = await system('6 改訂あり', '5.0');
    const heldRevision1 = await fromPublication(p1.id);
    await link(revised, heldRevision1);
    const p2 = await publish('6.0');
    const withdrawn = await system('7 取り下げ', '6.0');
    await link(withdrawn, await fromPublication(p2.id));

    const before = (await call(owner, 'GET', `/orgs/${h.orgId}/coverage`)).json<Coverage>();
    expect(before.systems.find((s) => s.system.id === revised.id)?.status).toBe('current');

    const p1r2 = await republish(p1.statementId);
    // Revision 2 reached the hospital's statements and the system now relies on it. A hospital that keeps revision 1
    // (linked back by hand) is told a newer one exists.
    const relinked = (await call(owner, 'GET', `/orgs/${h.orgId}/systems/${revised.id}`)).json<SystemDetail>();
    expect(relinked.statements.map((s) => s.publicationId)).toEqual([p1r2]);
    const unlinked = await inject(t.app, owner, {
      method: 'DELETE',
      url: `/api/v1/orgs/${h.orgId}/systems/${revised.id}/statements/${relinked.statements[0]!.id}`,
    });
    expect(unlinked.statusCode, unlinked.body).toBe(204);
    await link(revised, heldRevision1);
    const w = await call(maker, 'POST', `/orgs/${makerOrg}/publications/${p2.id}/withdraw`, {
      reason: '脆弱性の記載誤り',
    });
    expect(w.statusCode, w.body).toBe(200);

    const res = await call(owner, 'GET', `/orgs/${h.orgId}/coverage`);
    expect(res.statusCode, res.body).toBe(200);
    const coverage = res.json<Coverage>();
    expect(coverage.asOf).toBe(today);
    expect(coverage.counts).toEqual({ systems: 7, none: 1, outdated: 3, withdrawn: 1, current: 2 });
    const of = (s: SystemDetail) => coverage.systems.find((x) => x.system.id === s.id)!;
    expect(coverage.systems.map((s) => s.system.name)).toEqual([
      '1 台帳のみ',
      '2 古い開示書',
      '3 別の版',
      '4 最新',
      '5 新旧',
      '6 改訂あり',
      '7 取り下げ',
    ]);

    expect(of(none)).toMatchObject({ status: 'none', statements: [] });
    expect(of(aged)).toMatchObject({
      status: 'outdated',
      statements: [
        {
          source: { id: old.id },
          status: 'outdated',
          withdrawn: null,
          reasons: [{ code: 'older-than-3-years', statementDate: '2016-01-26', currentSince: since }],
        },
      ],
    });
    expect(of(aged).statements[0]?.reasons[0]?.message.en).toBe(
      `dated 2016-01-26, more than 3 years before ${today} (a current statement is dated ${since} or later)`,
    );
    expect(of(otherVersion)).toMatchObject({
      status: 'outdated',
      statements: [
        {
          reasons: [
            {
              code: 'version-mismatch',
              systemVersion: 'V2.00',
              statementVersion: 'V1.20R00',
              message: { en: 'the statement is for version V1.20R00, but the system runs version V2.00' },
            },
          ],
        },
      ],
    });
    expect(of(current)).toMatchObject({ status: 'current', statements: [{ status: 'current', reasons: [] }] });
    expect(of(both).status).toBe('current');
    expect(
      of(both)
        .statements.map((s) => s.status)
        .sort(),
    ).toEqual(['current', 'outdated']);
    expect(of(revised)).toMatchObject({
      status: 'outdated',
      statements: [{ reasons: [{ code: 'newer-revision', publicationId: p1r2, revision: 2 }] }],
    });
    expect(of(revised).statements[0]?.reasons[0]?.message.en).toMatch(
      /^revision 2 was published on \d{4}-\d{2}-\d{2} \(the one held is revision 1, published on \d{4}-\d{2}-\d{2}\)$/,
    );
    expect(of(withdrawn)).toMatchObject({
      status: 'withdrawn',
      statements: [{ status: 'withdrawn', withdrawn: { reason: '脆弱性の記載誤り' } }],
    });
  });
});
