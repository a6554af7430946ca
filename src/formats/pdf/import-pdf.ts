import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { FormatError, LIMITS } from '../errors.js';
import { indexObjects, resolve, textString, type PdfDict, type PdfObject, type PdfValue } from './pdf-objects.js';

/** How `exportPdf` embeds the statement; the description is what marks the attachment as OpenMDS's. */
export const PDF_ATTACHMENT = {
  name: 'statement.json',
  type: 'application/json',
  description: 'OpenMDS statement (JSON)',
} as const;

const MAGIC = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-
const NO_STATEMENT = 'this PDF carries no OpenMDS statement (only PDFs exported by OpenMDS can be imported)';

/** True when the bytes start like a PDF file (%PDF-). */
export function looksLikePdf(data: Uint8Array): boolean {
  return MAGIC.every((b, i) => data[i] === b);
}

const nameOf = (v: PdfValue | undefined): string | undefined => (v?.kind === 'name' ? v.value : undefined);
const stringOf = (v: PdfValue | undefined): string | undefined =>
  v?.kind === 'string' ? textString(v.bytes) : undefined;

interface Candidate {
  name: string;
  file: { num: number; gen: number };
}

/** The file specifications that carry OpenMDS's description, deduplicated by the embedded file they point to. */
function findStatementFiles(objects: Map<string, PdfObject>): Candidate[] {
  const found = new Map<string, Candidate>();
  for (const obj of objects.values()) {
    if (obj.value.kind !== 'dict') continue;
    const spec = obj.value.entries;
    if (nameOf(spec.get('Type')) !== 'Filespec' || stringOf(spec.get('Desc')) !== PDF_ATTACHMENT.description) continue;
    const ef = resolve(objects, spec.get('EF'));
    if (ef?.kind !== 'dict') continue;
    const ref = ef.entries.get('UF') ?? ef.entries.get('F');
    if (ref?.kind !== 'ref') continue;
    const name = stringOf(spec.get('UF')) ?? stringOf(spec.get('F')) ?? PDF_ATTACHMENT.name;
    found.set(`${ref.num} ${ref.gen}`, { name, file: { num: ref.num, gen: ref.gen } });
  }
  return [...found.values()];
}

function filters(dict: PdfDict): string[] | undefined {
  const f = dict.get('Filter');
  if (f === undefined) return [];
  if (f.kind === 'name') return [f.value];
  if (f.kind === 'array' && f.items.every((i) => i.kind === 'name')) return f.items.map((i) => nameOf(i) ?? '');
  return undefined;
}

/** The bytes of an embedded file stream, decoded and checked against its declared size and MD5 checksum. */
function readEmbeddedFile(data: Uint8Array, objects: Map<string, PdfObject>, c: Candidate): Uint8Array {
  const damaged = (why: string): FormatError =>
    new FormatError('pdf', c.name, `the embedded OpenMDS statement is damaged: ${why}`);
  const obj = objects.get(`${c.file.num} ${c.file.gen}`);
  if (obj === undefined || obj.value.kind !== 'dict' || obj.streamStart === undefined) {
    throw damaged(`its data (object ${c.file.num}) is missing`);
  }
  const dict = obj.value.entries;
  if (nameOf(dict.get('Type')) !== 'EmbeddedFile') throw damaged(`object ${c.file.num} is not an embedded file`);
  const length = resolve(objects, dict.get('Length'));
  if (length?.kind !== 'number' || !Number.isInteger(length.value) || length.value < 0) {
    throw damaged('its length is missing');
  }
  const start = obj.streamStart;
  const end = start + length.value;
  if (end > data.length) throw damaged('the file ends inside it');
  const after = Buffer.from(data.buffer, data.byteOffset + end, Math.min(data.length - end, 16)).toString('latin1');
  if (!/^\s*endstream/.test(after)) throw damaged('its length does not match its data');
  let bytes: Uint8Array = data.subarray(start, end);
  const list = filters(dict);
  if (list === undefined || list.some((f) => f !== 'FlateDecode') || dict.has('DecodeParms')) {
    throw damaged('it is encoded in a way OpenMDS does not write');
  }
  for (let i = 0; i < list.length; i++) {
    try {
      bytes = inflateSync(bytes, { maxOutputLength: LIMITS.maxUnzippedBytes });
    } catch (e) {
      if (e instanceof RangeError) throw damaged(`it expands to more than ${LIMITS.maxUnzippedBytes} bytes`);
      throw damaged('it does not decompress');
    }
  }
  const params = resolve(objects, dict.get('Params'));
  if (params?.kind === 'dict') {
    const size = resolve(objects, params.entries.get('Size'));
    if (size?.kind === 'number' && size.value !== bytes.length) {
      throw damaged(`it has ${bytes.length} bytes where ${size.value} were written`);
    }
    const sum = resolve(objects, params.entries.get('CheckSum'));
    if (sum?.kind === 'string') {
      const md5 = createHash('md5').update(bytes).digest();
      // The standard says 16 bytes; pdfkit writes them as 32 hex digits.
      const written = sum.bytes.length === 16 ? Buffer.from(sum.bytes).toString('hex') : textString(sum.bytes);
      if (written.toLowerCase() !== md5.toString('hex')) throw damaged('its checksum does not match');
    }
  }
  return bytes;
}

/**
 * The text of the OpenMDS statement embedded in a PDF that `exportPdf` wrote (the signed statement JSON). Throws
 * FormatError('pdf', …) for any other PDF, or one that is damaged or cut off; it never returns partial text.
 */
export function importPdf(data: Uint8Array): string {
  if (!looksLikePdf(data)) throw new FormatError('pdf', undefined, 'not a PDF file (it does not start with %PDF-)');
  if (data.byteLength > LIMITS.maxFileBytes) {
    throw new FormatError('pdf', undefined, `file is larger than ${LIMITS.maxFileBytes} bytes`);
  }
  const tail = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    .subarray(Math.max(0, data.byteLength - 1024))
    .toString('latin1');
  if (!tail.includes('%%EOF')) {
    throw new FormatError(
      'pdf',
      undefined,
      'the PDF is incomplete (no %%EOF at its end): it was probably cut off while being copied or downloaded',
    );
  }
  const objects = indexObjects(data);
  const candidates = findStatementFiles(objects);
  const only = candidates[0];
  if (only === undefined) throw new FormatError('pdf', undefined, NO_STATEMENT);
  if (candidates.length > 1) {
    throw new FormatError('pdf', undefined, `this PDF carries ${candidates.length} OpenMDS statements; expected one`);
  }
  const bytes = readEmbeddedFile(data, objects, only);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new FormatError('pdf', only.name, 'the embedded OpenMDS statement is not valid UTF-8 text');
  }
}
