import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  createOrg,
  inject,
  signUp,
  testApp,
  type TestApp,
  type TestSession,
} from '../../../test/support/app.js';
import { testDatabases } from '../../../test/support/databases.js';
import { repoFile } from '../../../test/support/statements.js';
import type { ImportedSource, SourceView, SystemDetail, SystemView } from './inventory.schema.js';

interface Side {
  owner: TestSession;
  orgId: string;
  name: string;
}

describe.each(testDatabases())('the hospital’s systems on $name', (database) => {
  let t: TestApp;
  let n = 0;

  beforeAll(async () => {
    t = await testApp({ database });
  });
  afterAll(async () => {
    await t.close();
  });

  const call = (who: TestSession | null, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    inject(t.app, who, { method, url: `/api/v1${url}`, ...(payload === undefined ? {} : { payload }) });
  const message = (res: { json: <T>() => T }): string => res.json<{ error: { message: string } }>().error.message;

  async function org(kind: 'hospital' | 'manufacturer' = 'hospital'): Promise<Side> {
    const owner = await signUp(t.app);
    const name = `${kind === 'hospital' ? '台帳病院' : '台帳医療機器'}${++n}`;
    return { owner, orgId: (await createOrg(t.app, owner, { name, kind })).id, name };
  }

  async function addSystem(h: Side, body: Record<string, unknown>): Promise<SystemDetail> {
    const res = await call(h.owner, 'POST', `/orgs/${h.orgId}/systems`, body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }

  async function importExample(h: Side): Promise<ImportedSource> {
    const res = await inject(t.app, h.owner, {
      method: 'POST',
      url: `/api/v1/orgs/${h.orgId}/sources/import?file=general-pacs.json`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.from(repoFile('examples/general-pacs-v1.20R00.json')),
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }

  it('adds, lists, changes and removes systems', async () => {
    const h = await org();
    const pacs = await addSystem(h, {
      name: ' 放射線 PACS ',
      manufacturer: 'XYZ株式会社',
      product: 'General-PACS',
      productVersion: 'V1.20R00',
      department: '放射線科',
      location: 'サーバー室 2',
      owner: '医療情報部 山田',
      patientData: true,
      connections: ['scanning', 'remote-maintenance', 'wireless'],
      notes: 'VPN 経由の保守',
    });
    expect(pacs).toMatchObject({
      name: '放射線 PACS',
      productVersion: 'V1.20R00',
      patientData: true,
      // In their listed order, whatever order they were given in.
      connections: ['remote-maintenance', 'wireless', 'scanning'],
      statementCount: 0,
      statements: [],
    });
    const minimal = await addSystem(h, { name: '検査機器 A' });
    expect(minimal).toMatchObject({
      manufacturer: '',
      product: '',
      productVersion: '',
      patientData: true,
      connections: [],
      notes: '',
    });

    const list = await call(h.owner, 'GET', `/orgs/${h.orgId}/systems`);
    expect(list.json<SystemView[]>().map((s) => s.name)).toEqual(['放射線 PACS', '検査機器 A'].sort());

    const changed = await call(h.owner, 'PATCH', `/orgs/${h.orgId}/systems/${pacs.id}`, {
      productVersion: 'V2.00',
      patientData: false,
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json<SystemDetail>()).toMatchObject({
      name: '放射線 PACS',
      productVersion: 'V2.00',
      patientData: false,
      connections: ['remote-maintenance', 'wireless', 'scanning'],
    });

    expect((await call(h.owner, 'DELETE', `/orgs/${h.orgId}/systems/${minimal.id}`)).statusCode).toBe(204);
    const gone = await call(h.owner, 'GET', `/orgs/${h.orgId}/systems/${minimal.id}`);
    expect(gone.statusCode).toBe(404);
    expect(message(gone)).toBe('system not found');
    expect((await call(h.owner, 'DELETE', `/orgs/${h.orgId}/systems/${minimal.id}`)).statusCode).toBe(404);

    const audit = await call(h.owner, 'GET', `/orgs/${h.orgId}/audit`);
    const actions = audit.json<{ events: { action: string }[] }>().events.map((e) => e.action);
    expect(actions.filter((a) => a.startsWith('system.')).sort()).toEqual(
      ['system.create', 'system.create', 'system.delete', 'system.update'].sort(),
    );
  });

  it('refuses bad input, naming the field', async () => {
    const h = await org();
    const pacs = await addSystem(h, { name: 'PACS', connections: ['remote-maintenance'] });
    const refusals: [Record<string, unknown>, number, string | RegExp][] = [
      [{ name: 'PACS' }, 409, 'name: a system named "PACS" already exists'],
      [{ name: '   ' }, 400, 'name: must not be blank'],
      [{}, 400, 'body/name: is required'],
      [
        { name: 'RIS', connections: ['internal-only', 'external', 'remote-maintenance'] },
        400,
        "connections: 'internal-only' cannot be combined with 'external' or 'remote-maintenance'",
      ],
      [
        { name: 'RIS', connections: ['bluetooth'] },
        400,
        'body/connections/0: must be equal to one of the allowed values',
      ],
      [{ name: 'RIS', connections: ['wireless', 'wireless'] }, 400, /^body\/connections: .*duplicate/],
      [{ name: 'RIS', patientData: 'yes' }, 400, /^body\/patientData: /],
      [{ name: 'RIS', colour: 'red' }, 400, 'body/colour: is not a known field'],
      [{ name: 'x'.repeat(201) }, 400, /^body\/name: /],
    ];
    for (const [body, status, expected] of refusals) {
      const res = await call(h.owner, 'POST', `/orgs/${h.orgId}/systems`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      if (typeof expected === 'string') expect(message(res)).toBe(expected);
      else expect(message(res)).toMatch(expected);
    }

    // A change is checked together with what the system has already.
    const url = `/orgs/${h.orgId}/systems/${pacs.id}`;
    const internal = await call(h.owner, 'PATCH', url, { connections: ['internal-only', 'remote-maintenance'] });
    expect(internal.statusCode).toBe(400);
    expect(message(internal)).toBe("connections: 'internal-only' cannot be combined with 'remote-maintenance'");
    expect((await call(h.owner, 'PATCH', url, { connections: ['internal-only'] })).statusCode).toBe(200);
    await addSystem(h, { name: 'RIS' });
    const clash = await call(h.owner, 'PATCH', url, { name: 'RIS' });
    expect(clash.statusCode).toBe(409);
    expect(message(clash)).toBe('name: a system named "RIS" already exists');
    const empty = await call(h.owner, 'PATCH', url, {});
    expect(empty.statusCode).toBe(400);
    expect(message(empty)).toMatch(/^body: /);
  });

  it('refuses to delete a system a risk assessment refers to', async () => {
    const h = await org();
    const pacs = await addSystem(h, { name: '評価済み PACS' });
    const at = new Date().toISOString();
    await t.db.kysely
      .insertInto('assessments')
      .values({
        id: randomUUID(),
        org_id: h.orgId,
        scope: 'system',
        system_id: pacs.id,
        title: '年次評価',
        method: '{}',
        status: 'draft',
        created_by: h.owner.userId,
        created_at: at,
        updated_at: at,
      })
      .execute();
    const res = await call(h.owner, 'DELETE', `/orgs/${h.orgId}/systems/${pacs.id}`);
    expect(res.statusCode).toBe(409);
    expect(message(res)).toBe(
      'systemId: "評価済み PACS" cannot be deleted: a risk assessment refers to it, and an assessment keeps the systems it assessed',
    );
    expect((await call(h.owner, 'GET', `/orgs/${h.orgId}/systems/${pacs.id}`)).statusCode).toBe(200);
  });

  it('links a system to the statements it relies on, and unlinks it', async () => {
    const h = await org();
    const pacs = await addSystem(h, { name: 'PACS' });
    const viewer = await addSystem(h, { name: 'ビューア' });
    const source = await importExample(h);
    const url = `/orgs/${h.orgId}/systems/${pacs.id}/statements`;

    const linked = await call(h.owner, 'POST', url, { sourceId: source.id });
    expect(linked.statusCode, linked.body).toBe(201);
    expect(linked.json<SystemDetail>()).toMatchObject({
      statementCount: 1,
      statements: [
        {
          id: source.id,
          kind: 'file',
          fileName: 'general-pacs.json',
          product: 'General-PACS',
          productVersion: 'V1.20R00',
          signatureStatus: 'unsigned',
        },
      ],
    });
    expect(
      (await call(h.owner, 'POST', `/orgs/${h.orgId}/systems/${viewer.id}/statements`, { sourceId: source.id }))
        .statusCode,
    ).toBe(201);
    const twice = await call(h.owner, 'POST', url, { sourceId: source.id });
    expect(twice.statusCode).toBe(409);
    expect(message(twice)).toBe('sourceId: "PACS" relies on this statement already');
    const unknown = await call(h.owner, 'POST', url, { sourceId: randomUUID() });
    expect(unknown.statusCode).toBe(404);
    expect(message(unknown)).toBe('sourceId: statement not found');

    const held = (await call(h.owner, 'GET', `/orgs/${h.orgId}/sources`)).json<SourceView[]>();
    expect(held[0]?.systems).toEqual([
      { id: pacs.id, name: 'PACS' },
      { id: viewer.id, name: 'ビューア' },
    ]);
    const list = (await call(h.owner, 'GET', `/orgs/${h.orgId}/systems`)).json<SystemView[]>();
    expect(list.map((s) => s.statementCount)).toEqual([1, 1]);

    expect((await call(h.owner, 'DELETE', `${url}/${source.id}`)).statusCode).toBe(204);
    const again = await call(h.owner, 'DELETE', `${url}/${source.id}`);
    expect(again.statusCode).toBe(404);
    expect(message(again)).toBe('sourceId: "PACS" does not rely on this statement');
    expect((await call(h.owner, 'GET', `/orgs/${h.orgId}/systems/${pacs.id}`)).json<SystemDetail>().statements).toEqual(
      [],
    );
    // Deleting a system takes its links, not the statements.
    expect((await call(h.owner, 'DELETE', `/orgs/${h.orgId}/systems/${viewer.id}`)).statusCode).toBe(204);
    expect((await call(h.owner, 'GET', `/orgs/${h.orgId}/sources`)).json<SourceView[]>()).toMatchObject([
      { id: source.id, systems: [] },
    ]);
    const audit = await call(h.owner, 'GET', `/orgs/${h.orgId}/audit`);
    const actions = audit.json<{ events: { action: string }[] }>().events.map((e) => e.action);
    expect(actions.filter((a) => a.startsWith('system.statement')).sort()).toEqual([
      'system.statement-link',
      'system.statement-link',
      'system.statement-unlink',
    ]);
  });

  it('is for hospitals: a manufacturer is refused, and a viewer only reads', async () => {
    const m = await org('manufacturer');
    const refused = await call(m.owner, 'POST', `/orgs/${m.orgId}/systems`, { name: 'PACS' });
    expect(refused.statusCode).toBe(403);
    expect(message(refused)).toBe(
      `orgId: only a hospital organization may keep an inventory; ${m.name} is a manufacturer`,
    );
    for (const path of ['systems', 'sources', 'coverage']) {
      expect((await call(m.owner, 'GET', `/orgs/${m.orgId}/${path}`)).statusCode, path).toBe(403);
    }
    const upload = await inject(t.app, m.owner, {
      method: 'POST',
      url: `/api/v1/orgs/${m.orgId}/sources/import`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.from(repoFile('examples/general-pacs-v1.20R00.json')),
    });
    expect(upload.statusCode).toBe(403);

    const h = await org();
    const pacs = await addSystem(h, { name: 'PACS' });
    const source = await importExample(h);
    const viewer = await addMember(t.app, h.owner, h.orgId, { role: 'viewer' });
    const editor = await addMember(t.app, h.owner, h.orgId, { role: 'editor' });
    const base = `/orgs/${h.orgId}`;
    for (const [method, url, body] of [
      ['POST', `${base}/systems`, { name: 'RIS' }],
      ['PATCH', `${base}/systems/${pacs.id}`, { notes: '見た' }],
      ['DELETE', `${base}/systems/${pacs.id}`, undefined],
      ['POST', `${base}/systems/${pacs.id}/statements`, { sourceId: source.id }],
      ['POST', `${base}/sources/from-publication`, { publicationId: randomUUID() }],
    ] as const) {
      const res = await call(viewer, method, url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(message(res)).toBe(`the viewer role may not inventory write`);
    }
    for (const path of ['systems', `systems/${pacs.id}`, 'sources', 'coverage']) {
      expect((await call(viewer, 'GET', `${base}/${path}`)).statusCode, path).toBe(200);
    }
    expect((await call(editor, 'POST', `${base}/systems`, { name: 'RIS' })).statusCode).toBe(201);
    expect(
      (await call(editor, 'POST', `${base}/systems/${pacs.id}/statements`, { sourceId: source.id })).statusCode,
    ).toBe(201);
  });

  it('keeps one hospital’s inventory from another', async () => {
    const h1 = await org();
    const h2 = await org();
    const pacs = await addSystem(h1, { name: `秘密の PACS ${n}` });
    const source = await importExample(h1);
    const mine = await addSystem(h2, { name: 'PACS' });

    // Under the other hospital's id: not a member, so nothing exists.
    for (const path of ['systems', `systems/${pacs.id}`, 'sources', 'coverage']) {
      const res = await call(h2.owner, 'GET', `/orgs/${h1.orgId}/${path}`);
      expect(res.statusCode, path).toBe(404);
      expect(res.body).not.toContain('秘密');
    }
    // Under its own id, the other's records are not found either.
    const asMine = await call(h2.owner, 'GET', `/orgs/${h2.orgId}/systems/${pacs.id}`);
    expect(asMine.statusCode).toBe(404);
    expect(message(asMine)).toBe('system not found');
    expect((await call(h2.owner, 'PATCH', `/orgs/${h2.orgId}/systems/${pacs.id}`, { name: 'x' })).statusCode).toBe(404);
    expect((await call(h2.owner, 'DELETE', `/orgs/${h2.orgId}/systems/${pacs.id}`)).statusCode).toBe(404);
    const borrow = await call(h2.owner, 'POST', `/orgs/${h2.orgId}/systems/${mine.id}/statements`, {
      sourceId: source.id,
    });
    expect(borrow.statusCode).toBe(404);
    expect(message(borrow)).toBe('sourceId: statement not found');
    expect((await call(h2.owner, 'GET', `/orgs/${h2.orgId}/sources`)).json()).toEqual([]);
    expect((await call(h2.owner, 'GET', `/orgs/${h2.orgId}/systems`)).json<SystemView[]>().map((s) => s.id)).toEqual([
      mine.id,
    ]);
    // The same file imported by the second hospital is its own source, not a duplicate of the first's.
    expect((await importExample(h2)).id).not.toBe(source.id);
  });
});
