import { randomUUID } from 'node:crypto';

/** A JSON Schema as TypeBox writes it (the subset this sampler understands). */
interface Schema {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  minProperties?: number;
  items?: Schema;
  minItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  exclusiveMinimum?: number;
  format?: string;
  pattern?: string;
}

/** Thrown when a schema has something the sampler cannot satisfy (a pattern): give the route an explicit example. */
export class SampleError extends Error {}

const FORMATS: Record<string, () => string> = {
  email: () => 'sample@example.jp',
  'date-time': () => new Date().toISOString(),
  date: () => '2026-01-01',
  uuid: () => randomUUID(),
  uri: () => 'https://example.jp/',
};

/**
 * The smallest value a schema accepts: required properties only, the first member of a union, the minimum of a
 * number, short strings. `override(key)` may supply a property's value (e.g. ids of real records).
 */
export function sampleFromSchema(
  schema: unknown,
  override: (key: string) => unknown = () => undefined,
  where = '',
): unknown {
  const s = (schema ?? {}) as Schema;
  if (s.default !== undefined) return s.default;
  if (s.const !== undefined) return s.const;
  if (s.enum !== undefined && s.enum.length > 0) return s.enum[0];
  const union = s.anyOf ?? s.oneOf;
  if (union !== undefined) {
    const first = union.find((m) => m.type !== 'null') ?? union[0];
    return sampleFromSchema(first, override, where);
  }
  if (s.allOf !== undefined) {
    return Object.assign({}, ...s.allOf.map((m) => sampleFromSchema(m, override, where) as object)) as unknown;
  }
  const type = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const props = s.properties ?? {};
      const keys = [...(s.required ?? [])];
      if (keys.length < (s.minProperties ?? 0)) {
        for (const k of Object.keys(props)) if (keys.length < (s.minProperties ?? 0) && !keys.includes(k)) keys.push(k);
      }
      for (const k of keys) {
        const given = override(k);
        out[k] = given !== undefined ? given : sampleFromSchema(props[k], override, `${where}/${k}`);
      }
      return out;
    }
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, (_, i) => sampleFromSchema(s.items, override, `${where}/${i}`));
    case 'string': {
      if (s.format !== undefined) {
        const f = FORMATS[s.format];
        if (f === undefined) throw new SampleError(`${where || '(root)'}: no sample for format ${s.format}`);
        return f();
      }
      if (s.pattern !== undefined) throw new SampleError(`${where || '(root)'}: cannot sample pattern ${s.pattern}`);
      return 'sample-text-value'.padEnd(s.minLength ?? 1, 'x').slice(0, Math.max(s.maxLength ?? 64, 1));
    }
    case 'integer':
    case 'number':
      return s.minimum ?? (s.exclusiveMinimum === undefined ? 1 : s.exclusiveMinimum + 1);
    case 'boolean':
      return false;
    case 'null':
      return null;
    case undefined:
    default:
      // Unknown (any value): an empty object is the likeliest to be accepted.
      return {};
  }
}
