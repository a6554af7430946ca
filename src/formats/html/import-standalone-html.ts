import { FormatError, LIMITS } from '../errors.js';
import { decodeUtf8, lineAndColumn, parseJsonText } from '../json/json-format.js';
import { EMBEDDED_SIGNED_ID, EMBEDDED_STATEMENT_ID } from './export-standalone-html.js';

const SCRIPT = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi;
const ID = /\bid\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i;

/** True when the bytes look like an HTML document (after an optional BOM and whitespace). */
export function looksLikeHtml(data: Uint8Array): boolean {
  const head = new TextDecoder('utf-8')
    .decode(data.subarray(0, 512))
    .replace(/^\uFEFF/, '')
    .trimStart()
    .toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html') || head.startsWith('<!--');
}

/**
 * Reads a standalone HTML file written by OpenMDS and returns the JSON text it embeds: the signed document (from
 * `<script id="openmds-signed-statement">`) or the plain statement (`id="openmds-statement"`). The text is checked to
 * be JSON; what it holds is for the JSON importers to say. Throws FormatError('html') when it is missing or damaged.
 */
export function importStandaloneHtml(data: Uint8Array): string {
  if (data.byteLength > LIMITS.maxFileBytes) {
    throw new FormatError('html', undefined, `file is larger than ${LIMITS.maxFileBytes} bytes`);
  }
  const html = decodeUtf8(data, 'html');
  const found: { id: string; text: string; offset: number }[] = [];
  for (const m of html.matchAll(SCRIPT)) {
    const idMatch = ID.exec(m[1] ?? '');
    const id = idMatch?.[1] ?? idMatch?.[2] ?? idMatch?.[3];
    if (id === EMBEDDED_SIGNED_ID || id === EMBEDDED_STATEMENT_ID) {
      found.push({ id, text: m[2] ?? '', offset: (m.index ?? 0) + m[0].indexOf('>') + 1 });
    }
  }
  if (found.length === 0) {
    throw new FormatError(
      'html',
      undefined,
      `no embedded OpenMDS statement: the file has no <script id="${EMBEDDED_SIGNED_ID}"> or <script id="${EMBEDDED_STATEMENT_ID}"> (it was not written by OpenMDS, or was saved by a program that dropped it)`,
    );
  }
  if (found.length > 1) {
    throw new FormatError('html', undefined, `the file embeds ${found.length} statements; an OpenMDS page embeds one`);
  }
  const { id, text, offset } = found[0]!;
  try {
    parseJsonText(text, 'html');
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    // Name the place in the HTML file, not in the embedded text.
    const m = /^line (\d+), column (\d+)$/.exec(e.location ?? '');
    const start = lineAndColumn(html, offset);
    const where =
      m === null
        ? `<script id="${id}">`
        : `line ${start.line + Number(m[1]) - 1}, column ${Number(m[1]) === 1 ? start.column + Number(m[2]) - 1 : Number(m[2])}`;
    const reason = e.location === undefined ? e.message : e.message.slice(e.location.length + 2);
    throw new FormatError('html', where, `the embedded statement is damaged: ${reason}`);
  }
  return text;
}
