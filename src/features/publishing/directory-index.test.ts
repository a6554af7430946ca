import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createFinalizedStatement,
  createOrg,
  inject,
  publishStatement,
  signUp,
  testApp,
  uniqueEmail,
  type TestApp,
  type TestSession,
} from '../../../test/support/app.js';
import { testDatabases } from '../../../test/support/databases.js';
import { builtinTemplates } from '../../domain/templates/registry.js';
import { DirectoryIndex } from './directory-index.js';

const none = { words: [], answers: [] };

describe.each(testDatabases())('the directory index on $name', (database) => {
  let t: TestApp;
  let owner: TestSession;
  let orgId: string;
  beforeEach(async () => {
    t = await testApp({ database });
    owner = await signUp(t.app, { email: uniqueEmail('owner'), displayName: '発行 太郎' });
    orgId = (await createOrg(t.app, owner, { name: 'XYZ株式会社', kind: 'manufacturer' })).id;
  });
  afterEach(async () => {
    await t.close();
  });

  it('sees changes made through another process: the version in the database says when to reload', async () => {
    // Two indexes on one database stand for two server processes.
    const a = new DirectoryIndex(builtinTemplates());
    const b = new DirectoryIndex(builtinTemplates());
    expect((await a.search(t.db.kysely, none, 10)).total).toBe(0);
    expect((await b.search(t.db.kysely, none, 10)).total).toBe(0);

    const s = await createFinalizedStatement(t.app, owner, orgId);
    const pub = await publishStatement(t.app, owner, orgId, s);
    for (const ix of [a, b]) {
      const r = await ix.search(t.db.kysely, none, 10);
      expect(r.top.map((e) => e.id)).toEqual([pub.id]);
    }
    const yes = Object.entries(s.content.answers).find(([, e]) => e.answer === 'yes')![0];
    expect((await a.search(t.db.kysely, { words: [], answers: [{ row: yes, answer: 'yes' }] }, 10)).total).toBe(1);
    expect((await a.search(t.db.kysely, { words: [], answers: [{ row: yes, answer: 'no' }] }, 10)).total).toBe(0);
    expect((await a.search(t.db.kysely, { words: ['xyz'], answers: [] }, 10)).total).toBe(1);
    expect((await a.search(t.db.kysely, { ...none, template: { id: 'nema-mds2' } }, 10)).total).toBe(0);

    const w = await inject(t.app, owner, {
      method: 'POST',
      url: `/api/v1/orgs/${orgId}/publications/${pub.id}/withdraw`,
      payload: { reason: '誤記' },
    });
    expect(w.statusCode).toBe(200);
    expect((await a.search(t.db.kysely, none, 10)).total).toBe(0);
    expect((await b.search(t.db.kysely, none, 10)).total).toBe(0);
  });

  it('counts every match exactly and returns the newest first, across many bit-set words', async () => {
    const published: string[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await createFinalizedStatement(t.app, owner, orgId);
      published.push((await publishStatement(t.app, owner, orgId, s)).id);
    }
    const ix = new DirectoryIndex(builtinTemplates());
    const r = await ix.search(t.db.kysely, none, 2);
    expect(r.total).toBe(3);
    expect(r.top.map((e) => e.id)).toEqual([published[2], published[1]]);
  });
});
