import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openReady, testDatabases } from '../../../test/support/databases.js';
import type { Db } from '../../db/database.js';
import { StoreError, type StoreErrorCode } from '../../db/errors.js';
import { sha256Hex } from '../../db/hash.js';
import { migrateToLatest } from '../../db/migrate.js';
import { canonicalJson } from '../../domain/canonical-json.js';
import { Applies } from '../../domain/compiled-template.js';
import { emptyStatement, type Statement } from '../../domain/statement.js';
import { builtinTemplates, TemplateRegistry } from '../../domain/templates/registry.js';
import {
  changeRevisionStatus,
  createStatement,
  finalizeRevision,
  getRevision,
  getStatement,
  listRevisions,
  saveDraft,
  startRevision,
} from './statements.service.js';

const templates = builtinTemplates();
const MDS = { id: 'jahis-jira-mds', edition: '2' };

/** The General-PACS example shipped in examples/: a draft, with rows 14 to 30 unanswered. */
function generalPacs(): Statement {
  return JSON.parse(
    readFileSync(new URL('../../../examples/general-pacs-v1.20R00.json', import.meta.url), 'utf8'),
  ) as Statement;
}

/** A statement of the MDS 2nd edition that answers every row that applies, in the order the rules need. */
function completeStatement(): Statement {
  const compiled = templates.get(MDS.id, MDS.edition);
  if (compiled === undefined) throw new Error('built-in MDS 2nd edition is missing');
  const s = emptyStatement(MDS);
  s.header = {
    manufacturer: '髙橋医療機器株式会社',
    product: 'General-PACS',
    productVersion: 'V2.00',
    date: '2024-04-01',
  };
  s.remarks = [{ number: 1, text: 'ICカードによる二要素認証を行う。' }];
  const answers: Record<string, string> = {};
  for (const row of compiled.rows) {
    if (!row.answerable) continue;
    // Rows come after the rows their rules read, so the answers so far decide whether this one applies.
    if (compiled.evaluate((id) => answers[id])[row.index] === Applies.No) continue;
    const answer = 'yes';
    answers[row.row.id] = answer;
    s.answers[row.row.id] = row.remarkRequiredWhen.has(answer) ? { answer, remarks: [1] } : { answer };
  }
  return s;
}

/** A statement whose text needs every kind of care: a variant kanji, an astral kanji, emoji, and a combining sequence. */
function unusualText(): Statement {
  const s = emptyStatement(MDS);
  s.header = {
    manufacturer: '髙島屋メディカル株式会社',
    product: '𠮷野 PACS 🏥',
    productVersion: 'V1.0 👩‍⚕️',
    date: '2024-04-01',
  };
  s.answers['1'] = { answer: 'yes', remarks: [1] };
  // か + combining voiced sound mark (U+3099) and e + combining acute: decomposed on purpose, kept as given.
  s.remarks = [{ number: 1, text: 'か\u3099ぎ (鍵) と cafe\u0301 — 🇯🇵 𩸽\n二行目' }];
  return s;
}

async function codeOf(promise: Promise<unknown>): Promise<StoreErrorCode | 'resolved' | 'other'> {
  try {
    await promise;
    return 'resolved';
  } catch (e) {
    return e instanceof StoreError ? e.code : 'other';
  }
}

async function failure(promise: Promise<unknown>): Promise<StoreError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof StoreError) return e;
    throw e;
  }
  throw new Error('expected a StoreError, but the call succeeded');
}

const FINAL_AT = '2024-04-02T03:04:05.678Z';

describe.each(testDatabases())('statements on $name', (database) => {
  let db: Db;
  beforeEach(async () => {
    db = await openReady(database);
  });
  afterEach(async () => {
    await db.close();
  });

  const rowCounts = async (): Promise<{ statements: number; revisions: number }> => {
    const count = async (table: 'statements' | 'statement_revisions'): Promise<number> => {
      const row = await db.kysely
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    };
    return { statements: await count('statements'), revisions: await count('statement_revisions') };
  };

  const createFinalized = async (statement: Statement = completeStatement()): Promise<string> => {
    const { id } = await createStatement(db.kysely, { statement, templates });
    await finalizeRevision(db.kysely, { id, revision: 1, by: '承認 太郎', at: FINAL_AT, templates });
    return id;
  };

  it('runs its migrations again without change', async () => {
    expect((await migrateToLatest(db)).applied).toEqual([]);
    expect((await migrateToLatest(db)).applied).toEqual([]);
  });

  it('round-trips the General-PACS example exactly, Japanese included', async () => {
    const example = generalPacs();
    const created = await createStatement(db.kysely, { statement: example, templates, at: '2024-04-01T09:00:00.000Z' });
    expect(created).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown, revision: 1, version: 1 });

    const revision = await getRevision(db.kysely, { id: created.id, revision: 1 });
    expect(revision.content).toEqual(example);
    expect(canonicalJson(revision.content)).toBe(canonicalJson(example));
    expect(revision.content.header.manufacturer).toBe('XYZ株式会社');
    expect(revision.content.remarks.map((r) => r.text)).toEqual(example.remarks.map((r) => r.text));
    expect(revision.createdAt).toBe('2024-04-01T09:00:00.000Z');

    // The stored bytes are the canonical JSON, and the hash is over exactly those bytes.
    const row = await db.kysely
      .selectFrom('statement_revisions')
      .select(['content', 'content_hash'])
      .where('statement_id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(Buffer.from(row.content, 'utf8').equals(Buffer.from(canonicalJson(example), 'utf8'))).toBe(true);
    expect(row.content_hash).toBe(sha256Hex(row.content));

    const detail = await getStatement(db.kysely, { id: created.id });
    expect(detail.statement).toMatchObject({
      template: MDS,
      manufacturer: 'XYZ株式会社',
      product: 'General-PACS',
      productVersion: 'V1.20R00',
      currentRevision: 1,
      status: 'draft',
      createdAt: '2024-04-01T09:00:00.000Z',
      updatedAt: '2024-04-01T09:00:00.000Z',
    });
    expect(detail.latest.content).toEqual(example);
  });

  it('keeps 髙, 𠮷, emoji and combining sequences exactly as given', async () => {
    const statement = unusualText();
    const { id } = await createStatement(db.kysely, { statement, templates });
    const { content } = await getRevision(db.kysely, { id, revision: 1 });
    expect(content.header).toEqual(statement.header);
    const text = content.remarks[0]?.text ?? '';
    expect(text).toBe(statement.remarks[0]?.text);
    // Not normalized: NFC would compose か + U+3099 into が and e + U+0301 into é.
    expect(text.includes('か\u3099')).toBe(true);
    expect(text).not.toBe(text.normalize('NFC'));
    expect(Buffer.from(text, 'utf8').toString('hex')).toBe(
      Buffer.from(statement.remarks[0]?.text ?? '', 'utf8').toString('hex'),
    );
    const record = (await getStatement(db.kysely, { id })).statement;
    expect([record.manufacturer, record.product, record.productVersion]).toEqual([
      '髙島屋メディカル株式会社',
      '𠮷野 PACS 🏥',
      'V1.0 👩‍⚕️',
    ]);
  });

  it('rejects a statement on an unknown edition, naming the problem, and stores nothing', async () => {
    const statement = { ...generalPacs(), template: { id: 'jahis-jira-mds', edition: '9' } };
    const error = await failure(createStatement(db.kysely, { statement, templates }));
    expect(error.code).toBe('invalid');
    expect(error.issues?.filter((i) => i.severity === 'error').map((i) => i.code)).toEqual(['unknown-edition']);
    expect(await rowCounts()).toEqual({ statements: 0, revisions: 0 });
  });

  it('stores a draft with errors of meaning: a half-written form may be wrong until it is submitted', async () => {
    const statement = generalPacs();
    statement.answers['4.1.1'] = { answer: 'maybe' };
    const { id } = await createStatement(db.kysely, { statement, templates });
    expect((await getStatement(db.kysely, { id })).latest.content.answers['4.1.1']).toEqual({ answer: 'maybe' });
    const error = await failure(
      finalizeRevision(db.kysely, { id, revision: 1, by: 'approver', at: '2026-11-25T00:00:00.000Z', templates }),
    );
    expect(error.code).toBe('invalid');
    expect(error.issues?.some((i) => i.row === '4.1.1' && i.code === 'invalid-answer')).toBe(true);
  });

  it('saves a draft and bumps its version', async () => {
    const { id } = await createStatement(db.kysely, { statement: generalPacs(), templates });
    const edited = generalPacs();
    edited.answers['14'] = { answer: 'no' };
    edited.header.product = 'General-PACS 改';
    const saved = await saveDraft(db.kysely, { id, revision: 1, expectedVersion: 1, statement: edited, templates });
    expect(saved).toEqual({ id, revision: 1, version: 2 });
    const detail = await getStatement(db.kysely, { id });
    expect(detail.latest.content.answers['14']).toEqual({ answer: 'no' });
    expect(detail.latest.version).toBe(2);
    expect(detail.statement.product).toBe('General-PACS 改');
  });

  it('refuses a save on a stale version, returning the current content and version', async () => {
    const { id } = await createStatement(db.kysely, { statement: generalPacs(), templates });
    const mine = generalPacs();
    mine.answers['14'] = { answer: 'yes' };
    const theirs = generalPacs();
    theirs.answers['14'] = { answer: 'no' };
    await saveDraft(db.kysely, { id, revision: 1, expectedVersion: 1, statement: theirs, templates });

    const error = await failure(
      saveDraft(db.kysely, { id, revision: 1, expectedVersion: 1, statement: mine, templates }),
    );
    expect(error.code).toBe('conflict');
    expect(error.current?.version).toBe(2);
    expect(error.current?.content.answers['14']).toEqual({ answer: 'no' });
    expect((await getRevision(db.kysely, { id, revision: 1 })).content.answers['14']).toEqual({ answer: 'no' });
  });

  it('lets exactly one of two simultaneous saves of the same version win', async () => {
    const { id } = await createStatement(db.kysely, { statement: generalPacs(), templates });
    const variants = ['yes', 'no'].map((answer) => {
      const s = generalPacs();
      s.answers['14'] = { answer };
      return saveDraft(db.kysely, { id, revision: 1, expectedVersion: 1, statement: s, templates });
    });
    const outcomes = await Promise.all(variants.map(codeOf));
    expect(outcomes.sort()).toEqual(['conflict', 'resolved']);
    expect((await getRevision(db.kysely, { id, revision: 1 })).version).toBe(2);
  });

  it('does not let a draft switch templates', async () => {
    const { id } = await createStatement(db.kysely, { statement: generalPacs(), templates });
    const other = emptyStatement({ id: 'iot-security-guideline', edition: '1.0' });
    expect(
      await codeOf(saveDraft(db.kysely, { id, revision: 1, expectedVersion: 1, statement: other, templates })),
    ).toBe('invalid');
  });

  it('answers not-found for a statement or revision that does not exist', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    expect(await codeOf(getStatement(db.kysely, { id: missing }))).toBe('not-found');
    expect(await codeOf(listRevisions(db.kysely, { id: missing }))).toBe('not-found');
    expect(await codeOf(startRevision(db.kysely, { id: missing }))).toBe('not-found');
    const { id } = await createStatement(db.kysely, { statement: generalPacs(), templates });
    expect(await codeOf(getRevision(db.kysely, { id, revision: 2 }))).toBe('not-found');
    expect(
      await codeOf(saveDraft(db.kysely, { id, revision: 2, expectedVersion: 1, statement: generalPacs(), templates })),
    ).toBe('not-found');
  });

  it('refuses to finalize an incomplete statement, naming the rows that lack an answer', async () => {
    const { id } = await createStatement(db.kysely, { statement: generalPacs(), templates });
    const error = await failure(
      finalizeRevision(db.kysely, { id, revision: 1, by: '承認 太郎', at: FINAL_AT, templates }),
    );
    expect(error.code).toBe('invalid');
    const missing = error.issues?.filter((i) => i.code === 'missing-answer').map((i) => i.row);
    expect(missing).toEqual([
      '14',
      '15',
      '16',
      '18',
      '19',
      '20',
      '21',
      '22',
      '23',
      '24',
      '25',
      '26',
      '27',
      '28',
      '29',
      '30',
    ]);
    expect(error.message).toContain('row 14 has no answer');
    const revision = await getRevision(db.kysely, { id, revision: 1 });
    expect(revision.status).toBe('draft');
    expect(revision.finalizedAt).toBeNull();
  });

  it('finalizes a complete statement, hashing its canonical JSON', async () => {
    const { id } = await createStatement(db.kysely, { statement: completeStatement(), templates });
    const finalized = await finalizeRevision(db.kysely, {
      id,
      revision: 1,
      by: '承認 太郎',
      at: FINAL_AT,
      templates,
      expectedVersion: 1,
    });
    expect(finalized).toMatchObject({
      status: 'finalized',
      finalizedAt: FINAL_AT,
      finalizedBy: '承認 太郎',
      version: 1,
    });
    expect(finalized.content.status).toBe('finalized');
    expect(finalized.contentHash).toBe(sha256Hex(canonicalJson(finalized.content)));

    const stored = await getRevision(db.kysely, { id, revision: 1 });
    expect(stored).toEqual(finalized);
    expect((await getStatement(db.kysely, { id })).statement.status).toBe('finalized');
  });

  it('refuses to finalize a draft saved after the version the approver reviewed', async () => {
    const { id } = await createStatement(db.kysely, { statement: completeStatement(), templates });
    await saveDraft(db.kysely, { id, revision: 1, expectedVersion: 1, statement: completeStatement(), templates });
    const error = await failure(
      finalizeRevision(db.kysely, { id, revision: 1, by: 'x', at: FINAL_AT, templates, expectedVersion: 1 }),
    );
    expect(error.code).toBe('conflict');
    expect(error.current?.version).toBe(2);
  });

  it('keeps a finalized revision unchanged in the database itself', async () => {
    const id = await createFinalized();
    const before = await getRevision(db.kysely, { id, revision: 1 });

    const attempts = [
      sql`update statement_revisions set content = ${'{}'} where statement_id = ${id}`,
      sql`update statement_revisions set content_hash = ${'0'.repeat(64)} where statement_id = ${id}`,
      sql`update statement_revisions set finalized_by = ${'someone else'} where statement_id = ${id}`,
      sql`update statement_revisions set version = version + 1 where statement_id = ${id}`,
      // Reopening would make the content editable again.
      sql`update statement_revisions set status = ${'draft'} where statement_id = ${id}`,
      sql`delete from statement_revisions where statement_id = ${id}`,
    ];
    for (const attempt of attempts) {
      await expect(attempt.execute(db.kysely)).rejects.toThrow(/finalized revision is immutable/);
    }
    if (db.dialect === 'postgres') {
      // Refused by the trigger, or earlier by the foreign keys of tables that reference revisions.
      await expect(sql`truncate statement_revisions`.execute(db.kysely)).rejects.toThrow(/immutable|foreign key/);
    }
    expect(await getRevision(db.kysely, { id, revision: 1 })).toEqual(before);
  });

  it('refuses to save, finalize or reopen a finalized revision through the service', async () => {
    const id = await createFinalized();
    const edit = completeStatement();
    expect(
      await codeOf(saveDraft(db.kysely, { id, revision: 1, expectedVersion: 1, statement: edit, templates })),
    ).toBe('immutable');
    expect(await codeOf(finalizeRevision(db.kysely, { id, revision: 1, by: 'x', at: FINAL_AT, templates }))).toBe(
      'immutable',
    );
    expect(await codeOf(changeRevisionStatus(db.kysely, { id, revision: 1, to: 'draft' }))).toBe('conflict');
  });

  it('moves a finalized revision to published and withdrawn without touching its content', async () => {
    const id = await createFinalized();
    const before = await getRevision(db.kysely, { id, revision: 1 });
    const published = await changeRevisionStatus(db.kysely, {
      id,
      revision: 1,
      to: 'published',
      at: '2024-05-01T00:00:00.000Z',
    });
    expect(published.status).toBe('published');
    expect(published.updatedAt).toBe('2024-05-01T00:00:00.000Z');
    expect(published.content).toEqual(before.content);
    expect(published.contentHash).toBe(before.contentHash);
    const withdrawn = await changeRevisionStatus(db.kysely, { id, revision: 1, to: 'withdrawn' });
    expect(withdrawn.status).toBe('withdrawn');
    expect(withdrawn.contentHash).toBe(before.contentHash);
    expect(await codeOf(changeRevisionStatus(db.kysely, { id, revision: 1, to: 'published' }))).toBe('conflict');
    expect((await getStatement(db.kysely, { id })).statement.status).toBe('withdrawn');
  });

  it('moves an open revision between draft and in-review, and saves it while in review', async () => {
    const { id } = await createStatement(db.kysely, { statement: generalPacs(), templates });
    const inReview = await changeRevisionStatus(db.kysely, { id, revision: 1, to: 'in-review' });
    expect([inReview.status, inReview.content.status, inReview.version]).toEqual(['in-review', 'in-review', 2]);
    const saved = await saveDraft(db.kysely, {
      id,
      revision: 1,
      expectedVersion: 2,
      statement: generalPacs(),
      templates,
    });
    expect(saved.version).toBe(3);
    expect((await getRevision(db.kysely, { id, revision: 1 })).content.status).toBe('in-review');
    expect(await codeOf(changeRevisionStatus(db.kysely, { id, revision: 1, to: 'published' }))).toBe('conflict');
  });

  it('starts revision 2 as a draft copy of the finalized revision 1', async () => {
    const id = await createFinalized();
    const first = await getRevision(db.kysely, { id, revision: 1 });
    const started = await startRevision(db.kysely, { id, at: '2024-06-01T00:00:00.000Z' });
    expect(started).toEqual({ id, revision: 2, version: 1 });

    const second = await getRevision(db.kysely, { id, revision: 2 });
    expect(second).toMatchObject({ status: 'draft', version: 1, finalizedAt: null, finalizedBy: null });
    expect(second.content).toEqual({ ...first.content, status: 'draft', revision: 2 });
    const detail = await getStatement(db.kysely, { id });
    expect(detail.statement).toMatchObject({
      currentRevision: 2,
      status: 'draft',
      updatedAt: '2024-06-01T00:00:00.000Z',
    });
    expect(detail.latest.revision).toBe(2);
    // Revision 1 is untouched.
    expect(await getRevision(db.kysely, { id, revision: 1 })).toEqual(first);
    // One open revision at a time.
    expect(await codeOf(startRevision(db.kysely, { id }))).toBe('conflict');
  });

  it('lists revisions oldest first', async () => {
    const id = await createFinalized();
    for (let n = 2; n <= 3; n++) {
      await startRevision(db.kysely, { id });
      await finalizeRevision(db.kysely, { id, revision: n, by: '承認 太郎', at: FINAL_AT, templates });
    }
    await startRevision(db.kysely, { id });
    const revisions = await listRevisions(db.kysely, { id });
    expect(revisions.map((r) => [r.revision, r.status])).toEqual([
      [1, 'finalized'],
      [2, 'finalized'],
      [3, 'finalized'],
      [4, 'draft'],
    ]);
    expect((await getStatement(db.kysely, { id })).revisions).toEqual(revisions);
  });

  it('writes nothing when the template is unknown', async () => {
    const statement = { ...generalPacs(), template: { id: 'no-such-template', edition: '1' } };
    const error = await failure(createStatement(db.kysely, { statement, templates }));
    expect(error.code).toBe('invalid');
    expect(error.issues?.map((i) => i.code)).toEqual(['unknown-template']);
    expect(await rowCounts()).toEqual({ statements: 0, revisions: 0 });
  });

  it('writes nothing when the database lacks a template the lookup knows', async () => {
    const data = JSON.parse(
      readFileSync(new URL('../../domain/templates/builtin/jahis-jira-mds-2.json', import.meta.url), 'utf8'),
    ) as Record<string, unknown>;
    const lookup = new TemplateRegistry();
    lookup.add({ ...data, id: 'not-stored' });
    const statement = { ...generalPacs(), template: { id: 'not-stored', edition: '2' } };
    const error = await failure(createStatement(db.kysely, { statement, templates: lookup }));
    expect(error.code).toBe('invalid');
    expect(error.message).toContain('not-stored@2 is not in the database');
    expect(await rowCounts()).toEqual({ statements: 0, revisions: 0 });
  });

  it('rolls back a write that fails midway', async () => {
    const id = await createFinalized();
    // A stray revision 2 makes startRevision fail after it has already advanced the statement to revision 2.
    const stray = { ...completeStatement(), revision: 2 };
    await db.kysely
      .insertInto('statement_revisions')
      .values({
        statement_id: id,
        revision: 2,
        status: 'draft',
        content: canonicalJson(stray),
        content_hash: sha256Hex(canonicalJson(stray)),
        version: 1,
        created_at: FINAL_AT,
        updated_at: FINAL_AT,
        finalized_at: null,
        finalized_by: null,
      })
      .execute();
    expect(await codeOf(startRevision(db.kysely, { id, at: '2030-01-01T00:00:00.000Z' }))).toBe('conflict');
    const { statement } = await getStatement(db.kysely, { id });
    expect(statement).toMatchObject({ currentRevision: 1, status: 'finalized', updatedAt: FINAL_AT });
  });

  it('rejects a timestamp that is not UTC ISO 8601 and a finalization without a name', async () => {
    const { id } = await createStatement(db.kysely, { statement: completeStatement(), templates });
    expect(
      await codeOf(finalizeRevision(db.kysely, { id, revision: 1, by: 'x', at: '2024-04-02 12:00', templates })),
    ).toBe('invalid');
    expect(await codeOf(finalizeRevision(db.kysely, { id, revision: 1, by: '  ', at: FINAL_AT, templates }))).toBe(
      'invalid',
    );
    expect((await getRevision(db.kysely, { id, revision: 1 })).status).toBe('draft');
  });
});
