import fc from 'fast-check';
import { deflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { generalPacs } from '../../../test/support/statements.js';
import { builtinTemplates } from '../../domain/templates/registry.js';
import { FormatError, LIMITS } from '../errors.js';
import { exportPdf } from './export-pdf.js';
import { importPdf, looksLikePdf, PDF_ATTACHMENT } from './import-pdf.js';

const mds = builtinTemplates().get('jahis-jira-mds', '2')!;

function statementJson(): string {
  const s = generalPacs();
  s.header.manufacturer = '髙橋𠮷野メディカル株式会社 🏥';
  s.remarks[0]!.text = '受付 9時〜17時 と 9時～17時、(括弧) と \\ と "引用"\n二行目';
  return JSON.stringify(s, null, 2);
}

function formatError(run: () => unknown): FormatError {
  try {
    run();
  } catch (e) {
    if (e instanceof FormatError) return e;
    throw e;
  }
  throw new Error('importPdf returned instead of throwing');
}

const latin1 = (data: Uint8Array): string => Buffer.from(data).toString('latin1');

/** A minimal PDF around one embedded-file stream, written by hand, for what pdfkit would never write. */
function handmadePdf(
  streamDict: string,
  data: Uint8Array,
  extra: string[] = [],
  desc: string = PDF_ATTACHMENT.description,
): Uint8Array {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n')];
  const obj = (n: number, ...body: (string | Uint8Array)[]): void => {
    parts.push(Buffer.from(`${n} 0 obj\n`), ...body.map((b) => Buffer.from(b)), Buffer.from('\nendobj\n'));
  };
  obj(1, '<< /Type /Catalog /Names << /EmbeddedFiles << /Names [(statement.json) 2 0 R] >> >> >>');
  obj(2, `<< /Type /Filespec /F (statement.json) /UF (statement.json) /Desc (${desc}) /EF << /F 3 0 R >> >>`);
  obj(3, `${streamDict}\nstream\n`, data, '\nendstream');
  extra.forEach((body, i) => obj(4 + i, body));
  parts.push(Buffer.from('trailer\n<< /Root 1 0 R >>\n%%EOF\n'));
  return new Uint8Array(Buffer.concat(parts));
}

let exported: Uint8Array;
let text: string;
beforeAll(async () => {
  text = statementJson();
  exported = await exportPdf(generalPacs(), mds, { attachment: { name: PDF_ATTACHMENT.name, data: text } });
});

describe('looksLikePdf', () => {
  it('tells PDF bytes by their %PDF- start', () => {
    expect(looksLikePdf(exported)).toBe(true);
    expect(looksLikePdf(new TextEncoder().encode('%PDF'))).toBe(false);
    expect(looksLikePdf(new TextEncoder().encode('{"format":"openmds-statement"}'))).toBe(false);
    expect(looksLikePdf(new Uint8Array())).toBe(false);
  });
});

describe('importPdf', () => {
  it('gives back the embedded statement exactly, Japanese included', () => {
    expect(importPdf(exported)).toBe(text);
  });

  it('keeps a leading byte order mark and other unusual text as they were', async () => {
    const odd = '\uFEFF{"a":"\u0000\u2028𠮷"}';
    const pdf = await exportPdf(generalPacs(), mds, { attachment: { name: 'statement.json', data: odd } });
    expect(importPdf(pdf)).toBe(odd);
  });

  it('reads an uncompressed stream whose /Length is an indirect reference', () => {
    const data = new TextEncoder().encode(text);
    const pdf = handmadePdf('<< /Type /EmbeddedFile /Length 4 0 R >>', data, [String(data.length)]);
    expect(importPdf(pdf)).toBe(text);
  });

  it('takes the last definition of an object, as an incremental update leaves it', () => {
    const first = new TextEncoder().encode('{"v":1}');
    const second = new TextEncoder().encode('{"v":2}');
    const base = handmadePdf(`<< /Type /EmbeddedFile /Length ${first.length} >>`, first);
    const update = Buffer.concat([
      Buffer.from(`3 0 obj\n<< /Type /EmbeddedFile /Length ${second.length} >>\nstream\n`),
      second,
      Buffer.from('\nendstream\nendobj\ntrailer\n<< /Root 1 0 R /Prev 0 >>\n%%EOF\n'),
    ]);
    expect(importPdf(new Uint8Array(Buffer.concat([base, update])))).toBe('{"v":2}');
  });

  it('says that a PDF without an OpenMDS attachment carries no statement', async () => {
    const plain = await exportPdf(generalPacs(), mds);
    expect(formatError(() => importPdf(plain)).message).toBe(
      'this PDF carries no OpenMDS statement (only PDFs exported by OpenMDS can be imported)',
    );
    // A JSON file attached by someone else is not taken for one.
    const other = handmadePdf('<< /Type /EmbeddedFile /Length 2 >>', new TextEncoder().encode('{}'), [], 'data');
    expect(formatError(() => importPdf(other)).message).toMatch(/carries no OpenMDS statement/);
  });

  it('rejects what is not a PDF, and a PDF larger than the file limit', () => {
    expect(formatError(() => importPdf(new TextEncoder().encode(text))).message).toMatch(/not a PDF file/);
    const big = new Uint8Array(LIMITS.maxFileBytes + 1);
    big.set(new TextEncoder().encode('%PDF-1.7\n'));
    expect(formatError(() => importPdf(big)).message).toMatch(/larger than/);
  });

  it('rejects a PDF cut off anywhere', () => {
    for (let i = 1; i < 40; i++) {
      const cut = exported.subarray(0, Math.floor((exported.length * i) / 40));
      const e = formatError(() => importPdf(cut));
      expect(e.format).toBe('pdf');
      expect(e.message).toMatch(/incomplete|no OpenMDS statement|damaged/);
    }
    expect(formatError(() => importPdf(exported.subarray(0, exported.length - 7))).message).toMatch(/incomplete/);
  });

  it('rejects an embedded statement whose bytes were changed', () => {
    const at = latin1(exported).indexOf('/Type /EmbeddedFile');
    const start = latin1(exported).indexOf('stream\n', at) + 'stream\n'.length;
    for (const offset of [0, 5, 40]) {
      const damaged = Uint8Array.from(exported);
      damaged[start + offset] = damaged[start + offset]! ^ 0x55;
      expect(formatError(() => importPdf(damaged)).message).toMatch(/embedded OpenMDS statement is damaged/);
    }
  });

  it('checks the declared size and checksum of what it decompresses', () => {
    const data = new TextEncoder().encode('{"v":1}');
    const wrongSize = handmadePdf(`<< /Type /EmbeddedFile /Length ${data.length} /Params << /Size 99 >> >>`, data);
    expect(formatError(() => importPdf(wrongSize)).message).toMatch(/has 7 bytes where 99 were written/);
    const wrongSum = handmadePdf(
      `<< /Type /EmbeddedFile /Length ${data.length} /Params << /CheckSum (${'0'.repeat(32)}) >> >>`,
      data,
    );
    expect(formatError(() => importPdf(wrongSum)).message).toMatch(/checksum does not match/);
  });

  it('stops a decompression bomb at the unzipped-size limit', () => {
    const bomb = deflateSync(Buffer.alloc(LIMITS.maxUnzippedBytes + 1024));
    const pdf = handmadePdf(`<< /Type /EmbeddedFile /Filter /FlateDecode /Length ${bomb.length} >>`, bomb);
    expect(formatError(() => importPdf(pdf)).message).toMatch(/expands to more than/);
  });

  it('refuses filters and lengths OpenMDS does not write', () => {
    const data = new TextEncoder().encode('{}');
    const lzw = handmadePdf(`<< /Type /EmbeddedFile /Filter /LZWDecode /Length 2 >>`, data);
    expect(formatError(() => importPdf(lzw)).message).toMatch(/encoded in a way OpenMDS does not write/);
    const long = handmadePdf(`<< /Type /EmbeddedFile /Length 5 >>`, data);
    expect(formatError(() => importPdf(long)).message).toMatch(/length does not match/);
    const beyond = handmadePdf(`<< /Type /EmbeddedFile /Length 999999 >>`, data);
    expect(formatError(() => importPdf(beyond)).message).toMatch(/file ends inside it/);
    const none = handmadePdf(`<< /Type /EmbeddedFile >>`, data);
    expect(formatError(() => importPdf(none)).message).toMatch(/length is missing/);
  });

  it('refuses a PDF that carries two OpenMDS statements', () => {
    const data = new TextEncoder().encode('{}');
    const pdf = handmadePdf(`<< /Type /EmbeddedFile /Length 2 >>`, data, [
      `<< /Type /Filespec /Desc (${PDF_ATTACHMENT.description}) /EF << /F 6 0 R >> >>`,
      `<< /Type /Filespec /F (x) /UF (x) >>`,
      `<< /Type /EmbeddedFile /Length 2 >>\nstream\n{}\nendstream`,
    ]);
    expect(formatError(() => importPdf(pdf)).message).toMatch(/carries 2 OpenMDS statements/);
  });

  it('fails cleanly, and soon, on hostile structure: deep nesting, unterminated strings, object headers everywhere', () => {
    const deep = new TextEncoder().encode(`%PDF-1.7\n1 0 obj\n${'['.repeat(100_000)}\n%%EOF\n`);
    expect(formatError(() => importPdf(deep)).message).toMatch(/no OpenMDS statement/);
    const headers = new TextEncoder().encode(`%PDF-1.7\n${'1 0 obj (\n'.repeat(500_000)}%%EOF\n`);
    expect(formatError(() => importPdf(headers)).message).toMatch(/no OpenMDS statement/);
    const dicts = new TextEncoder().encode(`%PDF-1.7\n${'1 0 obj << /A << /B '.repeat(300_000)}%%EOF\n`);
    expect(formatError(() => importPdf(dicts)).message).toMatch(/no OpenMDS statement/);
  });

  it('throws only FormatError for random bytes after %PDF-', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4000 }), fc.boolean(), (bytes, eof) => {
        const pdf = Buffer.concat([Buffer.from('%PDF-'), bytes, Buffer.from(eof ? '\n%%EOF\n' : '')]);
        expect(formatError(() => importPdf(pdf)).format).toBe('pdf');
      }),
      { numRuns: 300 },
    );
  });

  it('either gives back the exact statement or throws FormatError, whatever bytes of an exported PDF are changed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }),
        (edits) => {
          const pdf = Uint8Array.from(exported);
          for (const [at, xor] of edits) pdf[at % pdf.length] = pdf[at % pdf.length]! ^ xor;
          try {
            expect(importPdf(pdf)).toBe(text);
          } catch (e) {
            expect(e).toBeInstanceOf(FormatError);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
