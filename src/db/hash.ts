import { createHash } from 'node:crypto';
import { canonicalJson } from '../domain/canonical-json.js';

/** sha256 of the UTF-8 bytes of `text`, as lower-case hex. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A value's RFC 8785 canonical JSON text and the sha256 (hex) of that text. */
export function canonicalContent(value: unknown): { json: string; hash: string } {
  const json = canonicalJson(value);
  return { json, hash: sha256Hex(json) };
}
