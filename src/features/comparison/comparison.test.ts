import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createOrg,
  inject,
  signUp,
  testApp,
  uniqueEmail,
  type TestApp,
  type TestSession,
} from '../../../test/support/app.js';
import { testDatabases } from '../../../test/support/databases.js';
import { finalizableGeneralPacs, generalPacs } from '../../../test/support/statements.js';
import { canonicalContent } from '../../db/hash.js';
import type { Statement } from '../../domain/statement.js';
import { TemplateRegistry, builtinTemplates } from '../../domain/templates/registry.js';
import mds2nd from '../../domain/templates/builtin/jahis-jira-mds-2.json' with { type: 'json' };
import { importMds2Xlsx } from '../../formats/mds2-xlsx/import-mds2-xlsx.js';
import type { Cell, Comparison, Line } from './comparison.schema.js';
import { buildComparison } from './comparison.service.js';

const example = new URL('../../../examples/nema-mds2-example-worksheet.xlsx', import.meta.url);
let nema: Statement;

beforeAll(async () => {
  nema = (await importMds2Xlsx(new Uint8Array(readFileSync(example)), { templates: builtinTemplates() })).statement;
});

type RowLine = Extract<Line, { kind: 'row' }>;
const rowLine = (c: Comparison, id: string): RowLine => {
  const l = c.lines.find((x): x is RowLine => x.kind === 'row' && x.rowId === id);
  if (l === undefined) throw new Error(`no line for row ${id}`);
  return l;
};

describe.each(testDatabases())('the comparison matrix on $name', (database) => {
  let t: TestApp;
  let owner: TestSession;
  let orgId: string;
  const at = '2026-11-25T00:00:00.000Z';

  beforeEach(async () => {
    t = await testApp({ database });
    owner = await signUp(t.app, { email: uniqueEmail('owner'), displayName: '情報 管理者' });
    orgId = (await createOrg(t.app, owner, { name: 'みなと病院', kind: 'hospital' })).id;
  });
  afterEach(async () => {
    await t.close();
  });

  async function source(statement: Statement, columns: { manufacturer?: string; product?: string } = {}) {
    const id = randomUUID();
    const { json, hash } = canonicalContent(statement);
    await t.db.kysely
      .insertInto('statement_sources')
      .values({
        id,
        org_id: orgId,
        kind: 'file',
        file_name: 'x.json',
        format: 'json',
        content: json,
        content_hash: hash,
        template_id: statement.template.id,
        template_edition: statement.template.edition,
        ...columns,
        signature_status: 'unsigned',
        added_at: at,
      })
      .execute();
    return id;
  }

  const compare = async (query: string): Promise<Comparison> => {
    const r = await inject(t.app, owner, { url: `/api/v1/orgs/${orgId}/comparison${query}` });
    expect(r.statusCode, r.body).toBe(200);
    return r.json<Comparison>();
  };

  it('lines up an MDS statement and an MDS2 statement on the MDS rows, through the cross-reference', async () => {
    const gpId = await source(finalizableGeneralPacs());
    const nemaId = await source(nema, { manufacturer: 'Example Co.', product: 'Example Device' });
    const c = await compare(`?sources=${gpId},${nemaId}&base=jahis-jira-mds@2`);
    expect(c.sources.map((s) => [s.id, s.alignment])).toEqual([
      [gpId, 'same-template'],
      [nemaId, 'crossref'],
    ]);
    expect(c.sources[0]).toMatchObject({ manufacturer: 'XYZ株式会社', product: 'General-PACS' });
    expect(c.sources[1]).toMatchObject({ manufacturer: 'Example Co.', product: 'Example Device' });
    // Section headings come first, then the rows in the template's order.
    expect(c.lines[0]).toMatchObject({ kind: 'section', sectionId: '6.2' });
    expect(c.lines.find((l) => l.kind === 'group')).toMatchObject({ rowId: '4.1' });

    // Row 3 (不正入力防止): General-PACS answers はい citing remark 3; MDS2 ALOF-1 and ALOF-2 correspond in part.
    const three = rowLine(c, '3');
    expect(three.refs).toEqual(['6.5.C3']);
    expect(three.cells[0]).toEqual({
      kind: 'answer',
      answer: 'yes',
      label: { ja: 'はい', en: 'Yes' },
      category: 'yes',
      remarks: [{ number: 3, text: '離席時にはワンボタンで画面ロックする機能があります。' }],
    });
    const mds2 = three.cells[1] as Extract<Cell, { kind: 'counterparts' }>;
    expect(mds2.kind).toBe('counterparts');
    expect(mds2.rows.map((r) => [r.rowId, r.relation, r.answer])).toEqual([
      ['ALOF-1', 'partial', nema.answers['ALOF-1']?.answer],
      ['ALOF-2', 'partial', nema.answers['ALOF-2']?.answer],
    ]);

    // Row 2 (窃視防止) has no MDS2 counterpart: the cell says so, nothing is guessed.
    const two = rowLine(c, '2');
    expect(two.cells[0]).toMatchObject({ answer: 'no', category: 'no' });
    expect(two.cells[1]).toEqual({ kind: 'no-counterpart' });
  });

  it('reports the rows a statement leaves unanswered, and filters on them', async () => {
    const id = await source(generalPacs());
    const c = await compare('');
    const categories = new Set(c.lines.flatMap((l) => (l.kind === 'row' ? l.cells.map((x) => JSON.stringify(x)) : [])));
    expect(c.sources.map((s) => s.id)).toEqual([id]);
    expect([...categories].some((x) => x.includes('"unanswered"'))).toBe(true);
    const filtered = await compare('?answer=unanswered');
    expect(filtered.lines.filter((l) => l.kind === 'row').length).toBeGreaterThan(0);
    for (const l of filtered.lines) if (l.kind === 'row') expect(l.cells[0]).toMatchObject({ category: 'unanswered' });
  });

  it('filters by section and by answer category, keeping the headings of what is kept', async () => {
    await source(finalizableGeneralPacs());
    await source(nema);
    const c = await compare('?section=6.4');
    expect(c.lines.map((l) => (l.kind === 'section' ? `§${l.sectionId}` : l.rowId))).toEqual(['§6.4', '2']);
    const noes = await compare('?answer=no');
    const rows = noes.lines.filter((l): l is RowLine => l.kind === 'row');
    expect(rows.map((r) => r.rowId)).toContain('2');
    const all = (await compare('')).lines.filter((l) => l.kind === 'row');
    expect(rows.length).toBeLessThan(all.length);
    for (const r of rows) {
      expect(
        r.cells.some((x) =>
          x.kind === 'answer'
            ? x.category === 'no'
            : x.kind === 'counterparts' && x.rows.some((y) => y.category === 'no'),
        ),
      ).toBe(true);
    }
    const bad = await inject(t.app, owner, { url: `/api/v1/orgs/${orgId}/comparison?section=99` });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { message: string } }>().error.message).toMatch(/^section: /);
  });

  it('refuses more than 60 sources, an unknown base, and ids the organization does not hold', async () => {
    const ids = Array.from({ length: 61 }, () => randomUUID()).join(',');
    const many = await inject(t.app, owner, { url: `/api/v1/orgs/${orgId}/comparison?sources=${ids}` });
    expect(many.statusCode).toBe(400);
    expect(many.json<{ error: { message: string } }>().error.message).toMatch(/^sources: at most 60/);
    const base = await inject(t.app, owner, { url: `/api/v1/orgs/${orgId}/comparison?base=nothing@1` });
    expect(base.statusCode).toBe(400);
    expect(base.json<{ error: { message: string } }>().error.message).toMatch(/^base: /);
    const missing = await inject(t.app, owner, { url: `/api/v1/orgs/${orgId}/comparison?sources=${randomUUID()}` });
    expect(missing.statusCode).toBe(404);
  });

  it('keeps the comparison to hospitals, and to their own organization', async () => {
    const id = await source(finalizableGeneralPacs());
    const maker = await signUp(t.app, { email: uniqueEmail('maker') });
    const m = await createOrg(t.app, maker, { kind: 'manufacturer' });
    expect((await inject(t.app, maker, { url: `/api/v1/orgs/${m.id}/comparison` })).statusCode).toBe(403);
    for (const path of ['comparison', 'comparison.xlsx']) {
      const r = await inject(t.app, maker, { url: `/api/v1/orgs/${orgId}/${path}?sources=${id}` });
      expect(r.statusCode).toBe(404);
      expect(r.body).not.toContain('General-PACS');
    }
    expect((await inject(t.app, null, { url: `/api/v1/orgs/${orgId}/comparison` })).statusCode).toBe(401);
  });

  it('exports the matrix as XLSX with a frozen header, coloured answers and remarks as notes', async () => {
    const gpId = await source(finalizableGeneralPacs());
    const nemaId = await source(nema, { manufacturer: 'Example Co.', product: 'Example Device' });
    const r = await inject(t.app, owner, { url: `/api/v1/orgs/${orgId}/comparison.xlsx?sources=${gpId},${nemaId}` });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('比較表');
    if (ws === undefined) throw new Error('no 比較表 sheet');
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1, xSplit: 3 });
    const header = ws.getRow(1);
    expect([1, 2, 3].map((i) => header.getCell(i).text)).toEqual(['番号', '質問', 'ガイドライン']);
    expect(header.getCell(4).text).toBe('XYZ株式会社\nGeneral-PACS\nV1.20R00');
    expect(header.getCell(5).text.split('\n').slice(0, 2)).toEqual(['Example Co.', 'Example Device']);
    const byId = new Map<string, ExcelJS.Row>();
    ws.eachRow((row) => byId.set(row.getCell(1).text, row));
    const fill = (c: ExcelJS.Cell): string | undefined => (c.fill as ExcelJS.FillPattern).fgColor?.argb;
    const three = byId.get('3')!;
    expect(three.getCell(2).text).toBe('不正入力防止の機能があるか?');
    expect(three.getCell(3).text).toBe('6.5.C3');
    expect(three.getCell(4).text).toBe('はい');
    expect(fill(three.getCell(4))).toBe('FFC6EFCE');
    const note = three.getCell(4).note;
    const noteText = typeof note === 'string' ? note : (note?.texts ?? []).map((x) => x.text).join('');
    expect(noteText).toBe('備考3: 離席時にはワンボタンで画面ロックする機能があります。');
    expect(three.getCell(5).text).toMatch(/^ALOF-1: .+（部分）\nALOF-2: .+（部分）$/);
    const two = byId.get('2')!;
    expect(two.getCell(4).text).toBe('いいえ');
    expect(fill(two.getCell(4))).toBe('FFFFC7CE');
    expect(two.getCell(5).text).toBe('対応する行なし');
    expect(byId.get('6.4')?.getCell(2).text).toBe('物理的安全対策');
  });
});

describe('buildComparison', () => {
  it('matches another edition of the same template by row id, and says when the row is gone', () => {
    const registry = new TemplateRegistry();
    const base = registry.add(mds2nd, 'MDS 2nd edition');
    const older = structuredClone(mds2nd) as { edition: string; rows: { id: string }[] };
    older.edition = '1-test';
    older.rows = older.rows.filter((r) => r.id !== '2');
    registry.add(older, 'an edition without row 2');
    const gp = finalizableGeneralPacs();
    const statement: Statement = { ...gp, template: { id: 'jahis-jira-mds', edition: '1-test' } };
    delete statement.answers['2'];
    const row = {
      id: 's1',
      templateId: 'jahis-jira-mds',
      templateEdition: '1-test',
      manufacturer: '',
      product: '',
      productVersion: '',
      content: '',
    };
    const c = buildComparison(base, [{ row, statement }], registry);
    expect(c.sources[0]?.alignment).toBe('row-id');
    expect(rowLine(c, '3').cells[0]).toMatchObject({ kind: 'answer', via: 'row-id', answer: 'yes' });
    expect(rowLine(c, '2').cells[0]).toEqual({ kind: 'no-counterpart', via: 'row-id' });
  });
});
