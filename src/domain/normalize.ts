import type { CompiledTemplate } from './compiled-template.js';
import type { AnswerEntry, Statement } from './statement.js';

function nfc<T>(value: T): T {
  if (typeof value === 'string') return value.normalize('NFC') as T;
  if (Array.isArray(value)) return value.map((v: unknown) => nfc(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k.normalize('NFC')] = nfc(v);
    return out as T;
  }
  return value;
}

/**
 * The canonical form of a statement: text in NFC, empty answer entries dropped, remark citations deduplicated in
 * order, remarks sorted by number, answers in the template's row order (rows it does not know last, as given), and
 * fields in the documented order. Every importer returns this form, so formats compare equal after a round trip.
 */
export function normalizeStatement(input: Statement, template?: CompiledTemplate): Statement {
  const s = nfc(input);
  const entries = Object.entries(s.answers);
  if (template !== undefined) {
    entries.sort(([a], [b]) => (template.byId.get(a)?.index ?? Infinity) - (template.byId.get(b)?.index ?? Infinity));
  }
  const answers: Record<string, AnswerEntry> = {};
  for (const [row, entry] of entries) {
    const out: AnswerEntry = {};
    if (entry.answer !== undefined && entry.answer !== '') out.answer = entry.answer;
    if (entry.remarks !== undefined && entry.remarks.length > 0) out.remarks = [...new Set(entry.remarks)];
    if (out.answer !== undefined || out.remarks !== undefined) answers[row] = out;
  }
  const header: Record<string, string> = {};
  const h = s.header as Record<string, string | undefined>;
  const coreFirst = ['manufacturer', 'product', 'productVersion', 'date'];
  for (const k of [...coreFirst, ...Object.keys(h).filter((k) => !coreFirst.includes(k))]) {
    const v = h[k];
    if (v !== undefined && v !== '') header[k] = v;
  }
  const out: Statement = {
    format: s.format,
    formatVersion: s.formatVersion,
    template: { id: s.template.id, edition: s.template.edition },
    header,
    answers,
    remarks: [...s.remarks].sort((a, b) => a.number - b.number).map((r) => ({ number: r.number, text: r.text })),
    status: s.status,
    revision: s.revision,
  };
  if (s.provenance !== undefined && s.provenance.length > 0) out.provenance = s.provenance;
  return out;
}
