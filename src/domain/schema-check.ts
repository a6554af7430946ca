import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';

// ajv and ajv-formats ship CommonJS with a default export; under NodeNext ESM the class sits on `.default`.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
addFormats(ajv, ['date', 'date-time', 'uri', 'email']);
const ajvAll = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajvAll, ['date', 'date-time', 'uri', 'email']);

/** A structural problem at a JSON Pointer-like path ("answers/4.1-a/answer"). */
export interface SchemaProblem {
  path: string;
  message: string;
}

export interface SchemaCheck<T> {
  /** Fast check that stops at the first problem. */
  is(value: unknown): value is T;
  /** Every problem, for reporting. */
  problems(value: unknown): SchemaProblem[];
}

function describe(e: ErrorObject): SchemaProblem {
  const base = e.instancePath.replace(/^\//, '').split('/').map(unescape).join('/');
  let path = base;
  let message = e.message ?? 'is invalid';
  if (e.keyword === 'additionalProperties') {
    const extra = String((e.params as { additionalProperty?: unknown }).additionalProperty);
    path = base === '' ? extra : `${base}/${extra}`;
    message = 'is not a known field';
  } else if (e.keyword === 'required') {
    const missing = String((e.params as { missingProperty?: unknown }).missingProperty);
    path = base === '' ? missing : `${base}/${missing}`;
    message = 'is required';
  } else if (e.keyword === 'enum' || e.keyword === 'const') {
    const allowed = (e.params as { allowedValues?: unknown[]; allowedValue?: unknown }).allowedValues ?? [
      (e.params as { allowedValue?: unknown }).allowedValue,
    ];
    message = `must be ${allowed.map((v) => JSON.stringify(v)).join(' or ')}`;
  }
  return { path: path === '' ? '(document)' : path, message };
}

function unescape(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Compiles a TypeBox schema for repeated checks. */
export function schemaCheck<T>(schema: TSchema): SchemaCheck<T> {
  const fast: ValidateFunction = ajv.compile(schema);
  let all: ValidateFunction | undefined;
  return {
    is: (value: unknown): value is T => fast(value),
    problems(value) {
      all ??= ajvAll.compile(schema);
      if (all(value)) return [];
      const seen = new Set<string>();
      const out: SchemaProblem[] = [];
      // Union failures repeat themselves per branch; keep the first message per path.
      for (const e of all.errors ?? []) {
        if (e.keyword === 'anyOf' || e.keyword === 'oneOf') continue;
        const p = describe(e);
        if (seen.has(p.path)) continue;
        seen.add(p.path);
        out.push(p);
        if (out.length >= 50) break;
      }
      if (out.length === 0) out.push({ path: '(document)', message: 'does not match the schema' });
      return out;
    },
  };
}
