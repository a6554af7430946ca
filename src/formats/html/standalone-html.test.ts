import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generalPacs } from '../../../test/support/statements.js';
import { normalizeStatement } from '../../domain/normalize.js';
import type { Statement } from '../../domain/statement.js';
import { builtinTemplates, TemplateRegistry } from '../../domain/templates/registry.js';
import { TEST_TIMES, signForTest, testPki } from '../../signing/test-pki.js';
import { verifySignedStatement } from '../../signing/verify-signed-statement.js';
import { FormatError, LIMITS } from '../errors.js';
import { importJson } from '../json/json-format.js';
import { parseSignedStatementText } from '../signed-json/signed-json.js';
import { exportStandaloneHtml, STANDALONE_CSP } from './export-standalone-html.js';
import { importStandaloneHtml, looksLikeHtml } from './import-standalone-html.js';
import { VERIFY_SCRIPT } from './verify-script.js';

const mds = () => builtinTemplates().get('jahis-jira-mds', '2')!;
const bytes = (s: string) => new TextEncoder().encode(s);

function japanese(): Statement {
  const s = generalPacs();
  s.header.manufacturer = '髙橋医療機器株式会社';
  s.header.product = '𠮷野 PACS';
  s.remarks[0]!.text = '𠮷野家の髙橋: ①〜③\n２行目 “引用” \u3000全角空白';
  return s;
}

/** The cells of a row, as the page writes them: a deliberately small reader for tests. */
function rowHtml(html: string, id: string): string {
  const start = html.indexOf(`<tr data-row-id="${id}"`);
  return html.slice(start, html.indexOf('</tr>', start));
}

describe('exportStandaloneHtml / importStandaloneHtml', () => {
  it('round-trips a signed statement exactly, Japanese and 𠮷 included, and it still verifies', async () => {
    const { ca } = await testPki();
    const doc = await signForTest(japanese());
    const html = exportStandaloneHtml(japanese(), mds(), { signed: doc });
    expect(looksLikeHtml(bytes(html))).toBe(true);
    const back = parseSignedStatementText(importStandaloneHtml(bytes(html)));
    expect(back).toEqual(doc);
    expect(back.statement).toEqual(normalizeStatement(japanese(), mds()));
    const r = await verifySignedStatement(back, { trustedRootsPem: [ca.certificatePem], now: TEST_TIMES.verified });
    expect(r.status).toBe('valid');
    expect(r.statement?.remarks[0]?.text).toBe(japanese().remarks[0]!.text);
  });

  it('round-trips an unsigned statement under its own id', () => {
    const html = exportStandaloneHtml(japanese(), mds());
    expect(html).toContain('<script type="application/json" id="openmds-statement">');
    expect(html).not.toContain('id="openmds-verify"');
    expect(importJson(importStandaloneHtml(bytes(html)), mds())).toEqual(normalizeStatement(japanese(), mds()));
  });

  it('writes every text as text: markup in remarks and header fields does not become markup', async () => {
    const s = generalPacs();
    s.remarks[0]!.text = '<script>alert(1)</script>';
    s.remarks[1]!.text = '"><img src=x onerror=alert(2)>';
    s.header.manufacturer = "</script><script>alert(3)</script><!-- '";
    const html = exportStandaloneHtml(s, mds(), {
      signed: await signForTest(s),
      withdrawn: { at: '2026-02-01', reason: '<b>x</b>' },
    });
    expect(html).toContain('<td class="remark-text">&lt;script&gt;alert(1)&lt;/script&gt;</td>');
    expect(html).toContain('<td class="remark-text">&quot;&gt;&lt;img src=x onerror=alert(2)&gt;</td>');
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(3)&lt;/script&gt;&lt;!-- &#39;');
    expect(html).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toContain('<!--');
    // Exactly the two scripts the page has: the data and the verifier.
    expect(html.match(/<script/gi)).toHaveLength(2);
    expect(html.match(/<\/script/gi)).toHaveLength(2);
    expect(html).toContain('\\u003c/script\\u003e\\u003cscript\\u003ealert(3)');
    // And the data reads back as it was.
    const back = parseSignedStatementText(importStandaloneHtml(bytes(html)));
    expect((back.statement as Statement).header.manufacturer).toBe(s.header.manufacturer);
    expect((back.statement as Statement).remarks[1]?.text).toBe(s.remarks[1]!.text);
  });

  it('loads nothing from anywhere: no URL, no external reference, links only within the page', async () => {
    const s = generalPacs();
    s.remarks[2]!.text = '詳細は https://example.com/mds を参照';
    const html = exportStandaloneHtml(s, mds(), { signed: await signForTest(s) });
    const withoutTheRemark = html.split('https://example.com/mds').join('');
    expect(html.split('https://example.com/mds')).toHaveLength(3); // in the remark and in the embedded data
    expect(html).toContain('<td class="remark-text">詳細は https://example.com/mds を参照</td>');
    for (const banned of ['http:', 'https:', '//', '<link', '<img', '<iframe', '@import', 'url(', ' src=']) {
      expect(withoutTheRemark).not.toContain(banned);
    }
    for (const m of html.matchAll(/\shref="([^"]*)"/g)) expect(m[1]).toMatch(/^#remark-\d+$/);
    expect(html).toContain('font-family: "Hiragino Kaku Gothic ProN"');
  });

  it('names the verification script by its SHA-256 in a strict CSP', () => {
    const html = exportStandaloneHtml(generalPacs(), mds());
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1]?.replace(/&#39;/g, "'");
    expect(csp).toBe(STANDALONE_CSP);
    const inline = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1];
    expect(inline).toBe(VERIFY_SCRIPT);
    const hash = createHash('sha256')
      .update(inline ?? '', 'utf8')
      .digest('base64');
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
    expect(csp).toMatch(
      /^default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-[A-Za-z0-9+/]+=*'; img-src data:/,
    );
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="ja">')).toBe(true);
  });

  it('lays out the form: header block, sections, ○ in the answered column, remark numbers, greyed rows', () => {
    const html = exportStandaloneHtml(generalPacs(), mds(), { publishedAt: '2026-01-27T00:00:00Z' });
    expect(html).toContain('<h1>製造業者による医療情報セキュリティ開示書 チェックリスト 第2版</h1>');
    expect(html).toContain('<th scope="row">製造メーカー</th><td data-header-field="manufacturer">XYZ株式会社</td>');
    expect(html).toContain('<td data-statement-field="template" data-value="jahis-jira-mds@2">');
    expect(html).toContain('<td data-statement-field="status" data-value="draft">下書き</td>');
    expect(html).toContain('<td>2026-01-27T00:00:00Z</td>');
    expect(html).toContain(
      '<th scope="col">はい</th>\n<th scope="col">いいえ</th>\n<th scope="col">対象外</th>\n<th scope="col">備考 No.</th>',
    );
    expect(html).toContain('<tr class="section-row"><th scope="colgroup" colspan="7">技術的安全対策 (6.5)</th></tr>');
    const row2 = rowHtml(html, '2');
    expect(row2).toContain(
      '<td class="answer-cell" data-option="no" title="いいえ"><span class="answer-mark">○</span></td>',
    );
    expect(row2.match(/answer-mark/g)).toHaveLength(1);
    expect(row2).toContain('<td class="row-remarks"><a href="#remark-2">2</a></td>');
    // 12.3 is answered "no", so its sub-rows do not apply: greyed, with a dash in each answer column.
    const na = rowHtml(html, '12.3.1');
    expect(na.startsWith('<tr data-row-id="12.3.1" class="row-question row-na"')).toBe(true);
    expect(na.match(/—/g)).toHaveLength(3);
    expect(rowHtml(html, '4.1')).toContain('<td colspan="3" class="group-span"></td>');
    expect(rowHtml(html, '4.1-a')).toContain('・パスワード認証');
    expect(html).toContain(
      '<tr id="remark-1" data-remark-number="1"><th scope="row">1</th><td class="remark-text">DICOM CONFORMANCE STATEMENT 中に情報リストの記載があります。</td></tr>',
    );
    expect(html).toContain('@media print');
    expect(html).toContain('@page { size: A4;');
    expect(html).toContain('thead { display: table-header-group; }');
  });

  it('shows a withdrawal, English labels, and answers the template does not know', () => {
    const s = generalPacs();
    s.answers['1'] = { answer: 'maybe' };
    s.answers['Z-9'] = { answer: 'yes', remarks: [1] };
    const html = exportStandaloneHtml(s, mds(), {
      lang: 'en',
      withdrawn: { at: '2026-03-01T00:00:00Z', reason: 'superseded by V1.30' },
    });
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('This statement has been withdrawn');
    expect(html).toContain('<p>Reason: superseded by V1.30</p>');
    expect(html).toContain('<th scope="col">Yes</th>');
    expect(html).toContain('Does it present a list of the information it handles?');
    expect(rowHtml(html, '1')).toContain('data-option="maybe"><span class="answer-mark">○</span> maybe</td>');
    expect(rowHtml(html, 'Z-9')).toContain('<td data-option="yes"><span class="answer-mark">○</span> yes</td>');
  });

  it('gives each option its own labelled cell when rows use different answer sets', () => {
    const registry = new TemplateRegistry();
    const t = registry.add({
      format: 'openmds-template',
      id: 'two-sets',
      edition: '1',
      title: { ja: '二つの回答欄' },
      publisher: { ja: 'テスト' },
      languages: ['ja'],
      remarkStyle: 'remarks',
      answerSets: {
        yn: [
          { value: 'yes', label: { ja: 'はい' }, countsAs: 'yes' },
          { value: 'no', label: { ja: 'いいえ' }, countsAs: 'no' },
        ],
        level: [
          { value: 'high', label: { ja: '高' }, countsAs: 'other' },
          { value: 'mid', label: { ja: '中' }, countsAs: 'other' },
          { value: 'low', label: { ja: '低' }, countsAs: 'other' },
        ],
      },
      headerFields: [],
      sections: [{ id: 'S', title: { ja: '節' } }],
      rows: [
        { id: 'a', number: '1', section: 'S', kind: 'question', text: { ja: '問1' }, refs: [], answerSet: 'yn' },
        { id: 'b', number: '2', section: 'S', kind: 'question', text: { ja: '問2' }, refs: [], answerSet: 'level' },
      ],
    });
    const s: Statement = {
      format: 'openmds-statement',
      formatVersion: 1,
      template: { id: 'two-sets', edition: '1' },
      header: {},
      answers: { b: { answer: 'mid' } },
      remarks: [],
      status: 'draft',
      revision: 1,
    };
    const html = exportStandaloneHtml(s, t);
    expect(html).toContain('<th scope="colgroup" colspan="3">回答</th>');
    expect(rowHtml(html, 'a')).toContain('<span class="answer-label">いいえ</span></td><td class="answer-cell"></td>');
    expect(rowHtml(html, 'b')).toContain(
      'data-option="mid" title="中"><span class="answer-mark">○</span><span class="answer-label">中</span>',
    );
  });

  it('refuses to embed a signed document of another statement', async () => {
    const doc = await signForTest(generalPacs());
    const other = generalPacs();
    other.revision = 2;
    expect(() => exportStandaloneHtml(other, mds(), { signed: doc })).toThrow(/another statement/);
  });
});

describe('importStandaloneHtml: damaged files', () => {
  it('says when the page has no embedded statement', () => {
    expect(() => importStandaloneHtml(bytes('<!DOCTYPE html><html><body><p>hi</p></body></html>'))).toThrow(
      /no embedded OpenMDS statement/,
    );
    expect(() =>
      importStandaloneHtml(bytes('<html><script type="application/json" id="other">{}</script></html>')),
    ).toThrow(FormatError);
  });

  it('names the line and column, in the HTML file, of damaged embedded JSON', () => {
    const html = exportStandaloneHtml(generalPacs(), mds()).replace('"revision": 1', '"revision": 1,,');
    const lines = html.split('\n');
    const line = lines.findIndex((l) => l.includes('"revision": 1,,'));
    const column = lines[line]!.indexOf(',,') + 2;
    expect(() => importStandaloneHtml(bytes(html))).toThrow(
      new RegExp(`^line ${line + 1}, column ${column}: the embedded statement is damaged: invalid JSON`),
    );
  });

  it('counts columns from the script element when the damage is on its first line', () => {
    const tag = '<script type="application/json" id="openmds-statement">';
    const html = exportStandaloneHtml(generalPacs(), mds()).replace(`${tag}{`, `${tag}x{`);
    const line = html.split('\n').findIndex((l) => l.startsWith(tag)) + 1;
    expect(() => importStandaloneHtml(bytes(html))).toThrow(new RegExp(`^line ${line}, column ${tag.length + 1}: `));
  });

  it('refuses two embedded statements, a file over the size limit, and invalid UTF-8', () => {
    const html = exportStandaloneHtml(generalPacs(), mds());
    const twice = html.replace('</body>', '<script type="application/json" id="openmds-statement">{}</script></body>');
    expect(() => importStandaloneHtml(bytes(twice))).toThrow(/embeds 2 statements/);
    expect(() => importStandaloneHtml(new Uint8Array(LIMITS.maxFileBytes + 1))).toThrow(/larger than/);
    expect(() => importStandaloneHtml(new Uint8Array([0x3c, 0xff, 0xfe]))).toThrow(/not valid UTF-8/);
  });

  it('accepts the id attribute however a program re-saved it', () => {
    const html = exportStandaloneHtml(generalPacs(), mds()).replace(
      '<script type="application/json" id="openmds-statement">',
      "<SCRIPT id='openmds-statement' type=application/json>",
    );
    expect(importJson(importStandaloneHtml(bytes(html)), mds()).header.product).toBe('General-PACS');
  });
});
