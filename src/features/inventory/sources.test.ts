import { readFileSync } from 'node:fs';
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
import { generalPacs, repoFile } from '../../../test/support/statements.js';
import { makeZip } from '../../../test/support/zip.js';
import { signForTest } from '../../signing/test-pki.js';
import type { RequestContext } from '../../security/context.js';
import type { FileResult, ImportedSource, SourceView, ZipImportResult } from './inventory.schema.js';
import { importFiles } from './sources.service.js';

interface Side {
  owner: TestSession;
  orgId: string;
  name: string;
}

const example = (): Buffer => Buffer.from(repoFile('examples/general-pacs-v1.20R00.json'));
const workbook = (): Buffer =>
  readFileSync(new URL('../../../examples/nema-mds2-example-worksheet.xlsx', import.meta.url));

describe.each(testDatabases())('statements a hospital holds on $name', (database) => {
  let t: TestApp;
  let n = 0;

  beforeAll(async () => {
    t = await testApp({ database });
  });
  afterAll(async () => {
    await t.close();
  });

  const call = (who: TestSession | null, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    inject(t.app, who, { method, url: `/api/v1${url}`, ...(payload === undefined ? {} : { payload }) });
  const message = (res: { json: <T>() => T }): string => res.json<{ error: { message: string } }>().error.message;

  const upload = (who: TestSession, url: string, data: Uint8Array | string) =>
    inject(t.app, who, {
      method: 'POST',
      url: `/api/v1${url}`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.from(data),
    });

  async function importFile(h: Side, name: string, data: Uint8Array | string, status = 201): Promise<ImportedSource> {
    const res = await upload(h.owner, `/orgs/${h.orgId}/sources/import?file=${encodeURIComponent(name)}`, data);
    expect(res.statusCode, res.body).toBe(status);
    return res.json();
  }

  async function hospital(): Promise<Side> {
    const owner = await signUp(t.app);
    const name = `保有病院${++n}`;
    return { owner, orgId: (await createOrg(t.app, owner, { name, kind: 'hospital' })).id, name };
  }

  async function maker(): Promise<Side & { productVersionId: string; productId: string }> {
    const owner = await signUp(t.app);
    const name = `保有医療機器${++n}`;
    const orgId = (await createOrg(t.app, owner, { name, kind: 'manufacturer' })).id;
    const productId = (await createProduct(t.app, owner, orgId, { name: `H-PACS ${n}` })).id;
    const productVersionId = (await createProductVersion(t.app, owner, orgId, productId, { version: '3.0' })).id;
    return { owner, orgId, name, productId, productVersionId };
  }

  /** A publication of version `version` (a new version of the maker's product, unless 3.0). */
  async function published(
    m: Awaited<ReturnType<typeof maker>>,
    visibility: 'public' | 'restricted' = 'public',
    version = '3.0',
  ) {
    const productVersionId =
      version === '3.0'
        ? m.productVersionId
        : (await createProductVersion(t.app, m.owner, m.orgId, m.productId, { version })).id;
    const st = await createFinalizedStatement(t.app, m.owner, m.orgId, { productVersionId });
    return publishStatement(t.app, m.owner, m.orgId, st, { visibility });
  }

  const sources = async (h: Side): Promise<SourceView[]> =>
    (await call(h.owner, 'GET', `/orgs/${h.orgId}/sources`)).json();

  it('imports a canonical JSON statement as unsigned, and answers the same content with the source it has', async () => {
    const h = await hospital();
    const first = await importFile(h, 'general-pacs.json', example());
    expect(first).toMatchObject({
      kind: 'file',
      publicationId: null,
      fileName: 'general-pacs.json',
      format: 'json',
      template: { id: 'jahis-jira-mds', edition: '2' },
      manufacturer: 'XYZ株式会社',
      product: 'General-PACS',
      productVersion: 'V1.20R00',
      statementDate: '2016-01-26',
      signatureStatus: 'unsigned',
      signature: { altered: false, signer: null, signedAt: null, problems: [], registeredTo: null },
      addedBy: { id: h.owner.userId },
      systems: [],
      duplicate: false,
    });
    expect(first.contentHash).toMatch(/^[0-9a-f]{64}$/);

    // The same statement, reformatted and under another name, is the one held.
    const again = await importFile(h, 'copy.json', JSON.stringify(generalPacs()), 200);
    expect(again).toMatchObject({ id: first.id, fileName: 'general-pacs.json', duplicate: true });
    const { duplicate: _dup, ...view } = first;
    expect(await sources(h)).toEqual([view]);
    const audit = await call(h.owner, 'GET', `/orgs/${h.orgId}/audit?action=source.add`);
    expect(audit.json<{ events: { objectId: string; details: Record<string, unknown> }[] }>().events).toEqual([
      expect.objectContaining({
        objectId: first.id,
        details: expect.objectContaining({ kind: 'file', format: 'json', signatureStatus: 'unsigned' }) as unknown,
      }),
    ]);
  });

  it('imports the NEMA MDS2 example workbook', async () => {
    const h = await hospital();
    const source = await importFile(h, 'nema-mds2-example-worksheet.xlsx', workbook());
    expect(source).toMatchObject({
      format: 'mds2-xlsx',
      template: { id: 'nema-mds2', edition: '2019' },
      statementDate: '2019-10-09',
      signatureStatus: 'unsigned',
    });
  });

  it('verifies a signed file from this instance, keeps its publication, and stores a tampered copy marked invalid', async () => {
    const m = await maker();
    const h = await hospital();
    const pub = await published(m);
    const signed = (await inject(t.app, null, { url: `/api/v1/directory/${pub.id}/files/json` })).body;

    const valid = await importFile(h, 'signed.json', signed);
    expect(valid).toMatchObject({
      format: 'json',
      publicationId: pub.id,
      productVersion: '3.0',
      signatureStatus: 'valid',
      signature: {
        altered: false,
        signer: { organization: m.name },
        problems: [],
        registeredTo: { orgId: m.orgId, name: m.name },
      },
    });
    expect(valid.signature.signedAt).not.toBeNull();
    expect(valid.signature.issuer).toContain('OpenMDS instance CA');

    // The same statement as the PDF and HTML files: the content is held already.
    const pdf = (await inject(t.app, null, { url: `/api/v1/directory/${pub.id}/files/pdf` })).rawPayload;
    expect(await importFile(h, 'signed.pdf', pdf, 200)).toMatchObject({ id: valid.id, duplicate: true });
    const fromPublication = await call(h.owner, 'POST', `/orgs/${h.orgId}/sources/from-publication`, {
      publicationId: pub.id,
    });
    expect(fromPublication.statusCode, fromPublication.body).toBe(200);
    expect(fromPublication.json<ImportedSource>()).toMatchObject({ id: valid.id, duplicate: true });

    const doc = JSON.parse(signed) as { statement: { remarks: { text: string }[] } };
    doc.statement.remarks[0]!.text += '（改ざん）';
    const tampered = await importFile(h, 'tampered.json', JSON.stringify(doc));
    expect(tampered).toMatchObject({
      signatureStatus: 'invalid',
      publicationId: null,
      signature: { altered: true },
      duplicate: false,
    });
    expect(tampered.signature.problems.map((p) => p.code)).toContain('content-altered');
    const held = await sources(h);
    expect(held.map((s) => [s.fileName, s.signatureStatus])).toEqual([
      ['tampered.json', 'invalid'],
      ['signed.json', 'valid'],
    ]);
  });

  it('marks a file signed under a root this instance does not know as untrusted', async () => {
    const h = await hospital();
    const source = await importFile(h, 'foreign.signed.json', JSON.stringify(await signForTest(generalPacs())));
    expect(source).toMatchObject({
      signatureStatus: 'untrusted',
      signature: { altered: false, signer: { organization: 'XYZ株式会社' }, registeredTo: null },
    });
    expect(source.signature.problems.map((p) => p.code)).toEqual(['untrusted-root']);
  });

  it('refuses a file it cannot read, naming the place', async () => {
    const h = await hospital();
    const url = `/orgs/${h.orgId}/sources/import?file=broken.json`;
    const broken = await upload(h.owner, url, '{"format": "openmds-statement",\n  "template": ');
    expect(broken.statusCode).toBe(400);
    expect(message(broken)).toMatch(/^file: line 2/);
    const unknown = JSON.stringify({ ...generalPacs(), template: { id: 'jahis-jira-mds', edition: '9' } });
    const refused = await upload(h.owner, url, unknown);
    expect(refused.statusCode).toBe(400);
    expect(message(refused)).toBe('file: template: jahis-jira-mds@9 is not a template this instance knows');
    const unnamed = await upload(h.owner, `/orgs/${h.orgId}/sources/import`, example());
    expect(unnamed.statusCode, unnamed.body).toBe(201);
    expect(unnamed.json<ImportedSource>()).toMatchObject({ fileName: null, format: 'json' });
    const empty = await inject(t.app, h.owner, { method: 'POST', url: `/api/v1${url}` });
    expect(empty.statusCode).toBe(400);
    expect(message(empty)).toBe('body: send the file itself, as application/octet-stream');
    expect((await sources(h)).map((s) => s.fileName)).toEqual([null]);
  });

  it('holds a publication it may read, and records the read of a restricted one in the manufacturer’s trail', async () => {
    const m = await maker();
    const h = await hospital();
    const pub = await published(m);
    const added = await call(h.owner, 'POST', `/orgs/${h.orgId}/sources/from-publication`, { publicationId: pub.id });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json<ImportedSource>()).toMatchObject({
      kind: 'publication',
      publicationId: pub.id,
      fileName: null,
      format: 'publication',
      manufacturer: m.name,
      product: `H-PACS ${n - 1}`,
      productVersion: '3.0',
      signatureStatus: 'valid',
      signature: { registeredTo: { orgId: m.orgId } },
      duplicate: false,
    });
    const again = await call(h.owner, 'POST', `/orgs/${h.orgId}/sources/from-publication`, { publicationId: pub.id });
    expect(again.statusCode).toBe(200);
    expect(again.json<ImportedSource>().duplicate).toBe(true);

    const restricted = await published(m, 'restricted', '3.1');
    const refused = await call(h.owner, 'POST', `/orgs/${h.orgId}/sources/from-publication`, {
      publicationId: restricted.id,
    });
    expect(refused.statusCode).toBe(403);
    expect(message(refused)).toBe(
      'publicationId: the publication is restricted and your organization has no access; request access first',
    );
    const missing = await call(h.owner, 'POST', `/orgs/${h.orgId}/sources/from-publication`, {
      publicationId: 'nothing',
    });
    expect(missing.statusCode).toBe(404);
    expect(message(missing)).toBe('publicationId: publication not found');

    const grant = await call(m.owner, 'POST', `/orgs/${m.orgId}/grants`, {
      granteeOrgId: h.orgId,
      productId: null,
      expiresAt: null,
    });
    expect(grant.statusCode).toBe(201);
    const held = await call(h.owner, 'POST', `/orgs/${h.orgId}/sources/from-publication`, {
      publicationId: restricted.id,
    });
    expect(held.statusCode, held.body).toBe(201);
    const trail = await call(m.owner, 'GET', `/orgs/${m.orgId}/audit?action=publication.view`);
    expect(trail.json<{ events: unknown[] }>().events).toEqual([
      expect.objectContaining({
        actorId: h.owner.userId,
        objectId: restricted.id,
        details: { via: 'inventory', hospitalOrgId: h.orgId },
      }),
    ]);

    // A withdrawn publication is not taken on any more (those holding it keep it).
    const w = await call(m.owner, 'POST', `/orgs/${m.orgId}/publications/${pub.id}/withdraw`, { reason: '記載誤り' });
    expect(w.statusCode).toBe(200);
    const other = await hospital();
    const late = await call(other.owner, 'POST', `/orgs/${other.orgId}/sources/from-publication`, {
      publicationId: pub.id,
    });
    expect(late.statusCode).toBe(409);
    expect(message(late)).toBe('publicationId: the publication was withdrawn (記載誤り)');
  });

  it('imports a zip of files one by one: bad files are reported, the rest imported', async () => {
    const h = await hospital();
    await importFile(h, 'held.json', example());
    const fresh = { ...generalPacs(), header: { ...generalPacs().header, productVersion: 'V1.30' } };
    const zip = makeZip([
      { name: 'ベンダーA/', data: '' },
      { name: 'ベンダーA/pacs/mds2.xlsx', data: workbook() },
      { name: 'ベンダーA/pacs/general-pacs.json', data: example() },
      { name: 'broken.json', data: '{"format": ' },
      { name: 'ベンダーB/v130.json', data: JSON.stringify(fresh), stored: true },
      { name: '__MACOSX/ベンダーA/._mds2.xlsx', data: 'resource fork' },
      { name: '.DS_Store', data: 'finder' },
    ]);
    const res = await upload(h.owner, `/orgs/${h.orgId}/sources/import-zip`, zip);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<ZipImportResult>();
    expect(body.files).toEqual([
      {
        name: 'ベンダーA/pacs/mds2.xlsx',
        ok: true,
        error: null,
        sourceId: expect.any(String) as unknown,
        duplicate: false,
        signatureStatus: 'unsigned',
      },
      expect.objectContaining({ name: 'ベンダーA/pacs/general-pacs.json', ok: true, duplicate: true }),
      {
        name: 'broken.json',
        ok: false,
        error: expect.stringMatching(/^line 1/) as unknown,
        sourceId: null,
        duplicate: false,
        signatureStatus: null,
      },
      expect.objectContaining({ name: 'ベンダーB/v130.json', ok: true, duplicate: false }),
    ]);
    expect(body).toMatchObject({
      imported: 2,
      duplicates: 1,
      failed: 1,
      skipped: ['__MACOSX/ベンダーA/._mds2.xlsx', '.DS_Store'],
    });
    expect((await sources(h)).map((s) => s.fileName).sort()).toEqual(
      ['held.json', 'ベンダーA/pacs/mds2.xlsx', 'ベンダーB/v130.json'].sort(),
    );

    const escape = makeZip([
      { name: 'ok.json', data: example() },
      { name: 'a/../../etc/passwd', data: 'x' },
    ]);
    const refused = await upload(h.owner, `/orgs/${h.orgId}/sources/import-zip`, escape);
    expect(refused.statusCode).toBe(400);
    expect(message(refused)).toBe(
      'body: zip entry "a/../../etc/passwd" names a path outside the archive (absolute, or with ..); the archive is refused',
    );
    const notZip = await upload(h.owner, `/orgs/${h.orgId}/sources/import-zip`, example());
    expect(notZip.statusCode).toBe(400);
    expect(message(notZip)).toBe('body: is not a zip archive');
  });

  it('imports files for the command line, reporting progress file by file', async () => {
    const h = await hospital();
    const ctx: RequestContext = {
      actor: {
        kind: 'user',
        userId: h.owner.userId,
        email: h.owner.email,
        displayName: 'バッチ 取込',
        isOperator: false,
        memberships: [{ orgId: h.orgId, orgName: h.name, kind: 'hospital', role: 'editor' }],
        sessionId: 'cli',
      },
      ip: '',
      userAgent: 'openmds import',
      now: () => new Date().toISOString(),
    };
    const progress: [number, number, FileResult][] = [];
    const results = await importFiles(
      t.db.kysely,
      ctx,
      h.orgId,
      [
        { name: 'a.json', data: example() },
        { name: 'b.csv', data: Buffer.from('not,a,statement\n') },
        { name: 'c.xlsx', data: workbook() },
      ],
      (done, total, result) => progress.push([done, total, result]),
    );
    expect(progress.map(([done, total, r]) => [done, total, r.name, r.ok])).toEqual([
      [1, 3, 'a.json', true],
      [2, 3, 'b.csv', false],
      [3, 3, 'c.xlsx', true],
    ]);
    expect(results.map((r) => r.signatureStatus)).toEqual(['unsigned', null, 'unsigned']);
    expect(results[1]?.error).toMatch(/\S/);
    expect(await sources(h)).toHaveLength(2);
    const viewer = {
      ...ctx,
      actor: {
        ...ctx.actor,
        memberships: [{ orgId: h.orgId, orgName: h.name, kind: 'hospital' as const, role: 'viewer' as const }],
      },
    };
    await expect(importFiles(t.db.kysely, viewer, h.orgId, [])).rejects.toThrow(
      'the viewer role may not inventory write',
    );
  });
});
