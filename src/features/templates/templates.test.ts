import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testDatabases } from '../../../test/support/databases.js';
import type { Db } from '../../db/database.js';
import { StoreError } from '../../db/errors.js';
import { migrateToLatest } from '../../db/migrate.js';
import type { Template } from '../../domain/template.js';
import { builtinTemplates } from '../../domain/templates/registry.js';
import { findTemplate, listTemplates, upsertTemplate } from './templates.repository.js';

const mds = (): Template => {
  const t = builtinTemplates().get('jahis-jira-mds', '2')?.template;
  if (t === undefined) throw new Error('built-in MDS 2nd edition is missing');
  return t;
};

describe.each(testDatabases())('templates repository on $name', (database) => {
  let db: Db;
  beforeEach(async () => {
    db = await database.open();
    await migrateToLatest(db);
  });
  afterEach(async () => {
    await db.close();
  });

  it('stores a template and reads it back exactly as given, Japanese included', async () => {
    const template = mds();
    expect(await upsertTemplate(db.kysely, template, { builtin: true })).toBe('inserted');
    const found = await findTemplate(db.kysely, 'jahis-jira-mds', '2');
    expect(found).toEqual(template);
    expect(JSON.stringify(found)).toBe(JSON.stringify(template));
    const { rows } = await sql<{
      content: string;
    }>`select content from templates where id = ${'jahis-jira-mds'}`.execute(db.kysely);
    expect(rows[0]?.content).toBe(JSON.stringify(template));
    expect(found?.title.ja).toBe('製造業者による医療情報セキュリティ開示書 チェックリスト 第2版');
  });

  it('returns undefined for a template it does not hold', async () => {
    expect(await findTemplate(db.kysely, 'jahis-jira-mds', '99')).toBeUndefined();
  });

  it('leaves an unchanged template alone, even when its keys come in another order', async () => {
    const template = mds();
    await upsertTemplate(db.kysely, template, { builtin: true, at: '2024-01-01T00:00:00.000Z' });
    const reordered = Object.fromEntries(Object.entries(template).reverse()) as Template;
    expect(await upsertTemplate(db.kysely, reordered, { builtin: true, at: '2024-02-01T00:00:00.000Z' })).toBe(
      'unchanged',
    );
    const row = await db.kysely.selectFrom('templates').select(['updated_at', 'content']).executeTakeFirstOrThrow();
    expect(row.updated_at).toBe('2024-01-01T00:00:00.000Z');
    expect(row.content).toBe(JSON.stringify(template));
  });

  it('replaces a built-in template whose content changed', async () => {
    await upsertTemplate(db.kysely, mds(), { builtin: true });
    const corrected: Template = { ...mds(), title: { ja: '訂正版のタイトル', en: 'Corrected title' } };
    expect(await upsertTemplate(db.kysely, corrected, { builtin: true })).toBe('updated');
    expect((await findTemplate(db.kysely, 'jahis-jira-mds', '2'))?.title).toEqual(corrected.title);
    const [summary] = await listTemplates(db.kysely);
    expect(summary?.title).toEqual({ ja: '訂正版のタイトル', en: 'Corrected title' });
  });

  it('refuses to change the content of a template an organisation stored', async () => {
    const custom: Template = { ...mds(), id: 'acme-mds', edition: '1' };
    expect(await upsertTemplate(db.kysely, custom, { builtin: false })).toBe('inserted');
    const changed: Template = { ...custom, title: { ja: '別物' } };
    const error = await upsertTemplate(db.kysely, changed, { builtin: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('conflict');
    // Nor may a built-in release overwrite it.
    await expect(upsertTemplate(db.kysely, changed, { builtin: true })).rejects.toMatchObject({ code: 'conflict' });
    expect((await findTemplate(db.kysely, 'acme-mds', '1'))?.title).toEqual(custom.title);
  });

  it('lists templates with their counts, ordered by id and edition', async () => {
    for (const t of builtinTemplates().list()) await upsertTemplate(db.kysely, t, { builtin: true });
    await upsertTemplate(db.kysely, { ...mds(), id: 'acme-mds', edition: '1' }, { builtin: false });
    const list = await listTemplates(db.kysely);
    const keys = list.map((t) => `${t.id}@${t.edition}`);
    expect(keys).toEqual([...keys].sort());
    expect(keys).toHaveLength(builtinTemplates().list().length + 1);
    const mdsSummary = list.find((t) => t.id === 'jahis-jira-mds');
    expect(mdsSummary).toEqual({
      id: 'jahis-jira-mds',
      edition: '2',
      title: mds().title,
      publisher: mds().publisher,
      builtin: true,
      rowCount: mds().rows.length,
      answerableCount: builtinTemplates().get('jahis-jira-mds', '2')?.answerableCount,
    });
    expect(list.find((t) => t.id === 'acme-mds')?.builtin).toBe(false);
  });
});
