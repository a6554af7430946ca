import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
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
} from '../../test/support/app.js';
import { testDatabases } from '../../test/support/databases.js';
import { readZipDirectory, readZipEntry } from '../../test/support/zip.js';
import { finalizableGeneralPacs } from '../../test/support/statements.js';
import type { Statement } from '../domain/statement.js';

// Hostile text in what users type (product names, header fields, remarks, a withdrawal reason) comes out inert in
// every file the server writes; hostile text in search parameters is data, never SQL.

const XSS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'><svg onload=alert(1)>",
  'javascript:alert(1)',
  '</script><script>alert(document.cookie)</script>',
  '<!--',
];
const FORMULAS = ['=HYPERLINK("http://attacker.example","x")', '+1+1', '-2+3', '@SUM(A1:A2)', "=cmd|' /C calc'!A0"];
const SQL = ["' OR 1=1 --", "'; DROP TABLE users; --", '%', '_', '\\', '\\%', "%' OR '1'='1", '"'];

// ---- A small HTML tokenizer: enough to see which elements and attributes a page really has ---------------------

interface Tag {
  name: string;
  attributes: Map<string, string>;
}

const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title']);

function decodeEntities(s: string): string {
  return s.replace(
    /&(?:#x([0-9a-f]+)|#(\d+)|(amp|lt|gt|quot|apos));/gi,
    (m, hex?: string, dec?: string, n?: string) => {
      if (hex !== undefined) return String.fromCodePoint(parseInt(hex, 16));
      if (dec !== undefined) return String.fromCodePoint(Number(dec));
      return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[(n ?? '').toLowerCase()] ?? m;
    },
  );
}

/** The start tags of a document and its text (entities decoded), read the way a browser's tokenizer would. */
function tokenize(html: string): { tags: Tag[]; text: string } {
  const tags: Tag[] = [];
  let text = '';
  let i = 0;
  while (i < html.length) {
    if (html.startsWith('<!--', i)) {
      const end = html.indexOf('-->', i + 4);
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    if (html[i] === '<' && /[a-zA-Z!/]/.test(html[i + 1] ?? '')) {
      if (html[i + 1] === '!' || html[i + 1] === '/') {
        i = html.indexOf('>', i) + 1 || html.length;
        continue;
      }
      const nameMatch = /^[a-zA-Z][^\s/>]*/.exec(html.slice(i + 1));
      const name = (nameMatch?.[0] ?? '').toLowerCase();
      let j = i + 1 + name.length;
      const attributes = new Map<string, string>();
      for (;;) {
        while (/[\s/]/.test(html[j] ?? '')) j++;
        if (j >= html.length || html[j] === '>') break;
        const an = /^[^\s/>=]+/.exec(html.slice(j))?.[0] ?? html[j]!;
        j += an.length;
        while (/\s/.test(html[j] ?? '')) j++;
        let value = '';
        if (html[j] === '=') {
          j++;
          while (/\s/.test(html[j] ?? '')) j++;
          const q = html[j];
          if (q === '"' || q === "'") {
            const end = html.indexOf(q, j + 1);
            value = html.slice(j + 1, end < 0 ? html.length : end);
            j = end < 0 ? html.length : end + 1;
          } else {
            const v = /^[^\s>]*/.exec(html.slice(j))?.[0] ?? '';
            value = v;
            j += v.length;
          }
        }
        attributes.set(an.toLowerCase(), decodeEntities(value));
      }
      tags.push({ name, attributes });
      i = j + 1;
      if (RAW_TEXT.has(name)) {
        const close = html.toLowerCase().indexOf(`</${name}`, i);
        const raw = html.slice(i, close < 0 ? html.length : close);
        text += name === 'title' || name === 'textarea' ? decodeEntities(raw) : '';
        i = close < 0 ? html.length : close;
      }
      continue;
    }
    const next = html.indexOf('<', i + 1);
    const chunk = html.slice(i, next < 0 ? html.length : next);
    text += decodeEntities(chunk);
    i = next < 0 ? html.length : next;
  }
  return { tags, text };
}

/** A finalizable statement with the payloads in its header and in remarks of its own (numbered after the others). */
function withHostileText(draft: Statement): Statement {
  const base = finalizableGeneralPacs();
  const first = Math.max(0, ...base.remarks.map((r) => r.number)) + 1;
  const remarks = [...XSS, ...FORMULAS].map((text, k) => ({ number: first + k, text: `${text} 備考${k + 1}` }));
  return {
    ...draft,
    header: { ...draft.header, manufacturer: XSS[1]!, product: `${XSS[0]!} ${FORMULAS[0]!}` },
    answers: base.answers,
    remarks: [...base.remarks, ...remarks],
  };
}

describe.each(testDatabases())('hostile text and queries on $name', (database) => {
  let t: TestApp;
  let owner: TestSession;
  let orgId: string;
  let hospitalOwner: TestSession;
  let hospitalId: string;
  let publicationId: string;
  let withdrawnId: string;
  let content: Statement;

  beforeAll(async () => {
    t = await testApp({ database });
    owner = await signUp(t.app, { displayName: XSS[1]! });
    orgId = (await createOrg(t.app, owner, { name: `${XSS[0]!} 医療機器`, kind: 'manufacturer' })).id;
    const product = await createProduct(t.app, owner, orgId, { name: `${XSS[1]!} PACS`, description: XSS[3]! });
    const version = await createProductVersion(t.app, owner, orgId, product.id, { version: FORMULAS[1]! });
    const finalized = await createFinalizedStatement(t.app, owner, orgId, {
      productVersionId: version.id,
      content: withHostileText,
    });
    content = finalized.content;
    publicationId = (await publishStatement(t.app, owner, orgId, finalized)).id;
    // A second version, published and withdrawn with a hostile reason.
    const v2 = await createProductVersion(t.app, owner, orgId, product.id, { version: '2.0' });
    const second = await createFinalizedStatement(t.app, owner, orgId, {
      productVersionId: v2.id,
      content: withHostileText,
    });
    withdrawnId = (await publishStatement(t.app, owner, orgId, second)).id;
    const withdrawn = await inject(t.app, owner, {
      method: 'POST',
      url: `/api/v1/orgs/${orgId}/publications/${withdrawnId}/withdraw`,
      payload: { reason: `${XSS[4]!} ${XSS[1]!}` },
    });
    expect(withdrawn.statusCode, withdrawn.body).toBe(200);
    hospitalOwner = await signUp(t.app);
    hospitalId = (await createOrg(t.app, hospitalOwner, { kind: 'hospital' })).id;
  });
  afterAll(async () => {
    await t.close();
  });

  const download = (id: string, format: string) =>
    inject(t.app, null, { url: `/api/v1/directory/${id}/files/${format}`, remoteAddress: '198.51.100.9' });

  it('escapes every payload in the standalone HTML: no element, attribute or URL comes from the data', async () => {
    for (const id of [publicationId, withdrawnId]) {
      const res = await download(id, 'html');
      expect(res.statusCode, res.body).toBe(200);
      const { tags, text } = tokenize(res.body);
      expect(tags.filter((tag) => ['img', 'svg', 'iframe', 'object', 'embed'].includes(tag.name))).toEqual([]);
      for (const tag of tags) {
        for (const [name, value] of tag.attributes) {
          expect(name, `<${tag.name} ${name}>`).not.toMatch(/^on/);
          expect(value, `<${tag.name} ${name}>`).not.toMatch(/^\s*javascript:/i);
        }
      }
      // The page's own scripts only: the two embedded JSON documents and the verification script.
      const scripts = tags.filter((tag) => tag.name === 'script');
      expect(scripts.length).toBeLessThanOrEqual(3);
      for (const s of scripts) {
        expect([undefined, 'openmds-statement', 'openmds-signed-statement']).toContain(s.attributes.get('id'));
      }
      // The text reads literally, as typed.
      for (const payload of [XSS[0]!, XSS[1]!, XSS[4]!, FORMULAS[0]!]) expect(text).toContain(payload);
    }
    const withdrawn = tokenize((await download(withdrawnId, 'html')).body).text;
    expect(withdrawn).toContain(`${XSS[4]!} ${XSS[1]!}`);
  });

  it('keeps the embedded JSON intact: a payload with </script> does not end its element', async () => {
    const html = (await download(publicationId, 'html')).body;
    expect(html).not.toContain('</script><script>alert');
    const m = /<script type="application\/json" id="openmds-signed-statement">([\s\S]*?)<\/script>/.exec(html);
    expect(m).not.toBeNull();
    const doc = JSON.parse(m![1]!) as { statement: Statement };
    expect(doc.statement.remarks.map((r) => r.text)).toEqual(content.remarks.map((r) => r.text));
  });

  it('writes the payloads into the PDF as literal text', async () => {
    if (!existsSync('/usr/bin/pdftotext')) return;
    const res = await download(publicationId, 'pdf');
    expect(res.statusCode).toBe(200);
    const dir = mkdtempSync(join(tmpdir(), 'openmds-injection-'));
    try {
      writeFileSync(join(dir, 'a.pdf'), res.rawPayload);
      const text = execFileSync('/usr/bin/pdftotext', ['-raw', '-enc', 'UTF-8', join(dir, 'a.pdf'), '-'], {
        encoding: 'utf8',
      }).replace(/\s+/g, ' ');
      for (const payload of ['<script>alert(1)</script>', 'onerror=alert(1)>', 'javascript:alert(1)', '@SUM(A1:A2)']) {
        expect(text).toContain(payload);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes text starting with = + - @ into the XLSX as text, never as a formula', async () => {
    const res = await download(publicationId, 'xlsx');
    expect(res.statusCode).toBe(200);
    const zip = new Uint8Array(res.rawPayload);
    for (const entry of readZipDirectory(zip, 'xlsx')) {
      if (!/^xl\/worksheets\/.*\.xml$/.test(entry.name)) continue;
      const xml = Buffer.from(readZipEntry(zip, entry, 'xlsx')).toString('utf8');
      // A formula cell has an <f> element; the form writes none from data.
      for (const f of xml.matchAll(/<f\b[^>]*>([^<]*)<\/f>/g)) {
        expect(FORMULAS.some((p) => (f[1] ?? '').includes(p.slice(1, 6)))).toBe(false);
      }
    }
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ExcelJS.Buffer);
    const found = new Map<string, ExcelJS.ValueType>();
    wb.eachSheet((ws) =>
      ws.eachRow((row) =>
        row.eachCell((cell) => {
          const v = cell.value;
          const s = typeof v === 'string' ? v : '';
          for (const p of FORMULAS) if (s.includes(p)) found.set(p, cell.type);
        }),
      ),
    );
    for (const p of FORMULAS) expect(found.get(p), p).toBe(ExcelJS.ValueType.String);
  });

  it('answers every directory search parameter holding SQL or wildcards with 200, matching literally', async () => {
    const haystack = [`${XSS[0]!} 医療機器`, `${XSS[1]!} PACS`, FORMULAS[1]!].join('\n').toLowerCase();
    const get = (query: string) =>
      inject(t.app, null, { url: `/api/v1/directory?${query}`, remoteAddress: '198.51.100.10' });
    for (const s of SQL) {
      const v = encodeURIComponent(s);
      for (const query of [
        `q=${v}`,
        `manufacturer=${v}`,
        `category=${v}`,
        `template=${v}`,
        `answer=${v}`,
        `answer=4.1-a:${v}`,
      ]) {
        const res = await get(query);
        expect([200, 400], `${query}: ${res.body}`).toContain(res.statusCode);
        if (res.statusCode !== 200) {
          expect(res.json<{ error: { message: string } }>().error.message).toMatch(/^(answer|template|querystring)/);
          continue;
        }
        // A match only where every word occurs literally in the one publication's names (`"` does, in `">`).
        const literal = query.startsWith('q=') && s.split(/\s+/).every((w) => haystack.includes(w.toLowerCase()));
        expect(res.json<{ total: number }>().total, query).toBe(literal ? 1 : 0);
      }
    }
    // The payload in a product name is found as text, and only where it is.
    const hit = await get(`q=${encodeURIComponent('"><img')}`);
    expect(hit.statusCode).toBe(200);
    expect(hit.json<{ total: number }>().total).toBe(1);
    // Every publication still there: nothing was dropped or widened.
    const all = await get('');
    expect(all.json<{ total: number }>().total).toBe(1);
  });

  it('answers every audit filter holding SQL or wildcards with 200 or a 400 naming the field', async () => {
    for (const s of SQL.filter((x) => x !== '')) {
      const v = encodeURIComponent(s);
      for (const query of [
        `actor=${v}`,
        `action=${v}`,
        `action=${v}.*`,
        `object=${v}`,
        `object=statement:${v}`,
        `from=${v}2026-01-01`,
        `before=${v}`,
      ]) {
        const res = await inject(t.app, owner, { url: `/api/v1/orgs/${orgId}/audit?${query}` });
        expect([200, 400], `${query}: ${res.body}`).toContain(res.statusCode);
        if (res.statusCode === 200) {
          expect(res.json<{ events: unknown[] }>().events, query).toEqual([]);
        } else {
          expect(res.json<{ error: { message: string } }>().error.message).toMatch(
            /^(querystring\/)?(actor|action|object|from|to|before)/,
          );
        }
      }
    }
  });

  it('stores and lists inventory names holding SQL or markup literally', async () => {
    const names = [...SQL.filter((x) => x.trim() !== ''), XSS[0]!, FORMULAS[0]!];
    for (const name of names) {
      const res = await inject(t.app, hospitalOwner, {
        method: 'POST',
        url: `/api/v1/orgs/${hospitalId}/systems`,
        payload: { name: `${name} 系`, department: name },
      });
      expect(res.statusCode, `${name}: ${res.body}`).toBe(201);
    }
    const list = await inject(t.app, hospitalOwner, {
      url: `/api/v1/orgs/${hospitalId}/systems?q=${encodeURIComponent(SQL[0]!)}`,
    });
    expect(list.statusCode).toBe(200);
    expect(
      list
        .json<{ name: string }[]>()
        .map((s) => s.name)
        .sort(),
    ).toEqual(names.map((n) => `${n} 系`).sort());
    const sources = await inject(t.app, hospitalOwner, {
      url: `/api/v1/orgs/${hospitalId}/sources?q=${encodeURIComponent("' OR 1=1 --")}&file=%25`,
    });
    expect(sources.statusCode).toBe(200);
    expect(sources.json()).toEqual([]);
  });
});
