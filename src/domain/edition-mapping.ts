import { Type, type Static } from '@sinclair/typebox';
import type { CompiledTemplate } from './compiled-template.js';
import { RowIdSchema } from './template.js';

const Ref = Type.Object(
  { id: Type.String({ minLength: 1 }), edition: Type.String({ minLength: 1 }) },
  { additionalProperties: false },
);

/** A one-to-one change: the row stays one row, under the same id (kept) or a new one (renumbered). */
const oneToOne = <C extends 'kept' | 'renumbered'>(change: C) =>
  Type.Object(
    {
      change: Type.Literal(change),
      from: RowIdSchema,
      to: RowIdSchema,
      /** The question changed enough that the old answer cannot stand: the remarks carry, the answer does not. */
      reworded: Type.Optional(Type.Boolean()),
      note: Type.Optional(Type.String()),
    },
    { additionalProperties: false },
  );

/** How one row changed between two editions of a template. */
export const RowChangeSchema = Type.Union([
  /** Same id, same meaning. */
  oneToOne('kept'),
  /** Same meaning, new number (the seed's 1.1 → 11). */
  oneToOne('renumbered'),
  /** One row became several: each needs its own answer. */
  Type.Object(
    {
      change: Type.Literal('split'),
      from: RowIdSchema,
      to: Type.Array(RowIdSchema, { minItems: 2 }),
      note: Type.Optional(Type.String()),
    },
    { additionalProperties: false },
  ),
  /** Several rows became one: the answer carries only when they all agreed. */
  Type.Object(
    {
      change: Type.Literal('merged'),
      from: Type.Array(RowIdSchema, { minItems: 2 }),
      to: RowIdSchema,
      note: Type.Optional(Type.String()),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { change: Type.Literal('added'), to: RowIdSchema, note: Type.Optional(Type.String()) },
    { additionalProperties: false },
  ),
  Type.Object(
    { change: Type.Literal('removed'), from: RowIdSchema, note: Type.Optional(Type.String()) },
    { additionalProperties: false },
  ),
]);
export type RowChange = Static<typeof RowChangeSchema>;

export const EditionMappingSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    format: Type.Literal('openmds-edition-mapping'),
    from: Ref,
    to: Ref,
    /** Why the edition changed (e.g. 安全管理GL 第4.4版 revision topics). */
    description: Type.Optional(Type.String()),
    rows: Type.Array(RowChangeSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);
export type EditionMapping = Static<typeof EditionMappingSchema>;

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function changeSources(c: RowChange): string[] {
  return 'from' in c ? asList(c.from) : [];
}
export function changeTargets(c: RowChange): string[] {
  return 'to' in c ? asList(c.to) : [];
}

/**
 * Checks a mapping against the two editions: every answerable row of each appears exactly once on its side, and
 * no row is named that the edition lacks. Returns the problems, each naming the row.
 */
export function checkMapping(mapping: EditionMapping, from: CompiledTemplate, to: CompiledTemplate): string[] {
  const problems: string[] = [];
  if (mapping.from.id !== from.template.id || mapping.from.edition !== from.template.edition) {
    problems.push(`mapping is from ${mapping.from.id}@${mapping.from.edition}, not ${from.key}`);
  }
  if (mapping.to.id !== to.template.id || mapping.to.edition !== to.template.edition) {
    problems.push(`mapping is to ${mapping.to.id}@${mapping.to.edition}, not ${to.key}`);
  }
  const sides: [string, CompiledTemplate, (c: RowChange) => string[]][] = [
    ['from', from, changeSources],
    ['to', to, changeTargets],
  ];
  for (const [side, t, ids] of sides) {
    const seen = new Map<string, number>();
    mapping.rows.forEach((c, i) => {
      for (const id of ids(c)) {
        const row = t.byId.get(id);
        if (row === undefined) problems.push(`rows[${i}]: row ${id} is not in ${t.key} (${side} side)`);
        else if (!row.answerable) problems.push(`rows[${i}]: row ${id} of ${t.key} is a group and takes no answer`);
        if (seen.has(id))
          problems.push(`rows[${i}]: row ${id} (${side} side) is already mapped by rows[${seen.get(id)}]`);
        seen.set(id, i);
      }
    });
    for (const r of t.rows) {
      if (r.answerable && !seen.has(r.row.id))
        problems.push(`row ${r.row.id} of ${t.key} is not in the mapping (${side} side)`);
    }
  }
  return problems;
}

/** A mapping derived by row id alone: same id kept, the rest removed or added. For editions without a published mapping. */
export function mappingByRowId(from: CompiledTemplate, to: CompiledTemplate): EditionMapping {
  const rows: RowChange[] = [];
  for (const r of from.rows) {
    if (!r.answerable) continue;
    const target = to.byId.get(r.row.id);
    rows.push(
      target?.answerable === true
        ? { change: 'kept', from: r.row.id, to: r.row.id }
        : { change: 'removed', from: r.row.id },
    );
  }
  for (const r of to.rows) {
    if (r.answerable && from.byId.get(r.row.id)?.answerable !== true) rows.push({ change: 'added', to: r.row.id });
  }
  return {
    format: 'openmds-edition-mapping',
    from: { id: from.template.id, edition: from.template.edition },
    to: { id: to.template.id, edition: to.template.edition },
    description: 'derived by row id',
    rows,
  };
}
