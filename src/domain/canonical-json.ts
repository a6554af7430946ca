/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): object members sorted by the UTF-16 code units of their names,
 * numbers in ECMAScript's shortest round-trip form, strings escaped as `JSON.stringify` escapes them, no whitespace.
 * Equal values give equal text, so the text can be hashed and signed.
 *
 * Like `JSON.stringify`, members whose value is undefined (or a function or symbol) are left out, and such array
 * elements become null; `toJSON` is honoured. Input RFC 8785 cannot represent throws a TypeError: non-finite
 * numbers, bigints, strings with lone surrogates (not I-JSON), and cycles.
 */
export function canonicalJson(value: unknown): string {
  const out = serialize(value, new Set(), '');
  if (out === undefined) throw new TypeError('canonical JSON: the value itself is not serializable');
  return out;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function serializeString(s: string, where: string): string {
  if (LONE_SURROGATE.test(s)) throw new TypeError(`canonical JSON: lone surrogate in string at ${where || '(root)'}`);
  // ECMAScript's JSON string escaping is exactly what RFC 8785 section 3.2.2.2 prescribes.
  return JSON.stringify(s);
}

function serialize(value: unknown, ancestors: Set<object>, where: string): string | undefined {
  if (typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: (key: string) => unknown }).toJSON(where.slice(where.lastIndexOf('/') + 1));
  }
  switch (typeof value) {
    case 'string':
      return serializeString(value, where);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON: ${String(value)} at ${where || '(root)'}`);
      // ECMAScript Number::toString is the serialization RFC 8785 section 3.2.2.3 requires; -0 becomes 0.
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError(`canonical JSON: bigint at ${where || '(root)'}`);
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'object':
      break;
  }
  if (value === null) return 'null';
  const object = value;
  if (ancestors.has(object)) throw new TypeError(`canonical JSON: cycle at ${where || '(root)'}`);
  ancestors.add(object);
  try {
    if (Array.isArray(object)) {
      const items = (object as unknown[]).map((item, i) => serialize(item, ancestors, `${where}/${i}`) ?? 'null');
      return `[${items.join(',')}]`;
    }
    const record = object as Record<string, unknown>;
    // Array.prototype.sort without a comparator orders strings by UTF-16 code units, as RFC 8785 section 3.2.3 asks.
    const members: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const member = serialize(record[key], ancestors, `${where}/${key}`);
      if (member !== undefined) members.push(`${serializeString(key, where)}:${member}`);
    }
    return `{${members.join(',')}}`;
  } finally {
    ancestors.delete(object);
  }
}
