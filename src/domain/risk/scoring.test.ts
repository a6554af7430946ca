import { describe, expect, it } from 'vitest';
import {
  defaultAssetThreatVulnerability,
  defaultLikelihoodImpact,
  formatFieldError,
  methodLevels,
  score,
  validateMethod,
  validateRating,
  type LikelihoodImpactMethod,
  type ScoringMethod,
} from './scoring.js';

const atv = defaultAssetThreatVulnerability();
const li = defaultLikelihoodImpact();

function messages(method: unknown): string[] {
  const r = validateMethod(method);
  return r.ok ? [] : r.errors.map((e) => formatFieldError(e));
}

describe('score: 資産価値 × 脅威 × 脆弱性', () => {
  it.each([
    // asset, threat, vulnerability → value, level, acceptable
    [1, 1, 1, 1, 'low', true],
    [1, 2, 3, 6, 'low', true],
    [2, 2, 2, 8, 'low', true],
    [3, 3, 1, 9, 'medium', false],
    [3, 2, 2, 12, 'medium', false],
    [3, 2, 3, 18, 'high', false],
    [3, 3, 3, 27, 'high', false],
  ] as const)('%i × %i × %i = %i (%s, acceptable %s)', (asset, threat, vulnerability, value, level, acceptable) => {
    expect(score(atv, { asset, threat, vulnerability })).toEqual({ value, level, acceptable });
  });

  it('takes the acceptance threshold and the bands from the method', () => {
    const strict: ScoringMethod = {
      kind: 'asset-threat-vulnerability',
      acceptanceThreshold: 4,
      bands: [
        { level: 'low', max: 4 },
        { level: 'medium', max: 8 },
        { level: 'high', max: 18 },
        { level: 'extreme', max: 27 },
      ],
    };
    expect(score(strict, { asset: 2, threat: 2, vulnerability: 2 })).toEqual({
      value: 8,
      level: 'medium',
      acceptable: false,
    });
    expect(score(strict, { asset: 3, threat: 3, vulnerability: 3 }).level).toBe('extreme');
    expect(score(strict, { asset: 1, threat: 2, vulnerability: 2 }).acceptable).toBe(true);
  });

  it('throws on a rating of the other method, a caller mistake', () => {
    expect(() => score(atv, { likelihood: 2, impact: 2 })).toThrow(RangeError);
    expect(() => score(atv, { asset: 4, threat: 1, vulnerability: 1 })).toThrow(/does not fit/);
  });
});

describe('score: likelihood × impact', () => {
  it.each([
    [1, 1, 1, 'low', true],
    [1, 5, 5, 'medium', false],
    [3, 3, 9, 'medium', false],
    [4, 5, 20, 'extreme', false],
    [5, 2, 10, 'high', false],
    [2, 2, 4, 'low', true],
  ] as const)('likelihood %i × impact %i = %i (%s, acceptable %s)', (likelihood, impact, value, level, acceptable) => {
    expect(score(li, { likelihood, impact })).toEqual({ value, level, acceptable });
  });

  it('reads the level from the cell, not from the product', () => {
    // 2×3 and 3×2 are both 6 but the matrix need not be symmetric.
    const m: LikelihoodImpactMethod = {
      ...defaultLikelihoodImpact(),
      size: 3,
      likelihood: { name: { ja: '可能性', en: 'Likelihood' }, steps: li.likelihood.steps.slice(0, 3) },
      impact: { name: { ja: '影響', en: 'Impact' }, steps: li.impact.steps.slice(0, 3) },
      cells: [
        ['low', 'low', 'medium'],
        ['low', 'medium', 'high'],
        ['medium', 'extreme', 'extreme'],
      ],
      acceptable: ['low', 'medium'],
    };
    expect(validateMethod(m).ok).toBe(true);
    expect(score(m, { likelihood: 2, impact: 3 })).toEqual({ value: 6, level: 'high', acceptable: false });
    expect(score(m, { likelihood: 3, impact: 2 })).toEqual({ value: 6, level: 'extreme', acceptable: false });
    expect(score(m, { likelihood: 2, impact: 2 })).toEqual({ value: 4, level: 'medium', acceptable: true });
    expect(() => score(m, { likelihood: 4, impact: 1 })).toThrow(RangeError);
  });
});

describe('validateMethod', () => {
  it('accepts the defaults', () => {
    expect(validateMethod(atv)).toEqual({ ok: true, value: atv });
    expect(validateMethod(li)).toEqual({ ok: true, value: li });
  });

  it.each([
    ['an unknown kind', { kind: 'fmea' }, ['kind: must be asset-threat-vulnerability or likelihood-impact']],
    ['a threshold out of range', { ...atv, acceptanceThreshold: 28 }, ['acceptanceThreshold: must be 1–27']],
    ['a fractional threshold', { ...atv, acceptanceThreshold: 8.5 }, ['acceptanceThreshold: must be 1–27']],
    ['no bands', { ...atv, bands: [] }, ['bands: must list at least one band']],
    [
      'bands out of order',
      {
        ...atv,
        bands: [
          { level: 'low', max: 12 },
          { level: 'high', max: 8 },
          { level: 'extreme', max: 27 },
        ],
      },
      ['bands/1/max: must be above the band before (12)'],
    ],
    [
      'bands that stop short of 27',
      {
        ...atv,
        bands: [
          { level: 'low', max: 8 },
          { level: 'high', max: 18 },
        ],
      },
      ['bands/1/max: must be 27, so that every score has a level'],
    ],
    [
      'a band with an unknown or repeated level',
      {
        ...atv,
        bands: [
          { level: 'low', max: 8 },
          { level: 'low', max: 12 },
          { level: 'critical', max: 27 },
        ],
      },
      ['bands/1/level: level low is used twice', 'bands/2/level: must be one of low, medium, high, extreme'],
    ],
    ['an unknown field', { ...atv, colour: 'red' }, ['colour: is not a known field']],
  ])('rejects %s (資産価値 × 脅威 × 脆弱性)', (_, input, expected) => {
    expect(messages(input)).toEqual(expected);
  });

  it.each([
    ['a size of 6', { ...li, size: 6 }, ['size: must be 3–5']],
    [
      'axes and cells of the wrong size',
      { ...li, size: 4 },
      [
        'likelihood/steps: must have 4 labels, one per step (size 4)',
        'impact/steps: must have 4 labels, one per step (size 4)',
        'cells: must have 4 rows',
        'cells/0: must have 4 cells',
        'cells/1: must have 4 cells',
        'cells/2: must have 4 cells',
        'cells/3: must have 4 cells',
        'cells/4: must have 4 cells',
      ],
    ],
    [
      'a cell with an unknown level',
      { ...li, cells: li.cells.map((r, i) => (i === 2 ? r.map((c, j) => (j === 3 ? 'severe' : c)) : r)) },
      ['cells/2/3: must be one of low, medium, high, extreme'],
    ],
    [
      'a step label without English',
      {
        ...li,
        impact: { ...li.impact, steps: li.impact.steps.map((s, i) => (i === 1 ? { ja: s.ja } : s)) },
      },
      ['impact/steps/1/en: must be a non-empty string'],
    ],
    [
      'acceptable levels that are not levels',
      { ...li, acceptable: ['low', 'ok'] },
      ['acceptable/1: must be one of low, medium, high, extreme'],
    ],
    ['acceptable not a list', { ...li, acceptable: 'low' }, ['acceptable: must be a list of levels']],
  ])('rejects %s (likelihood × impact)', (_, input, expected) => {
    expect(messages(input)).toEqual(expected);
  });

  it('gives each error in Japanese too', () => {
    const r = validateMethod({ ...li, size: 2 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(formatFieldError(r.errors[0]!, 'ja')).toBe('size: 3〜5 の整数にしてください');
  });
});

describe('validateRating', () => {
  it.each([
    [li, { likelihood: 6, impact: 1 }, ['likelihood: must be 1–5']],
    [li, { likelihood: 0, impact: 2.5 }, ['likelihood: must be 1–5', 'impact: must be 1–5']],
    [li, { likelihood: '3', impact: 3 }, ['likelihood: must be 1–5']],
    [
      li,
      { asset: 1, threat: 1, vulnerability: 1 },
      [
        'likelihood: must be 1–5',
        'impact: must be 1–5',
        'asset: is not a known field',
        'threat: is not a known field',
        'vulnerability: is not a known field',
      ],
    ],
    [atv, { asset: 3, threat: 0, vulnerability: 4 }, ['threat: must be 1–3', 'vulnerability: must be 1–3']],
    [atv, null, ['rating: must be { asset, threat, vulnerability }']],
  ] as const)('rejects %#', (method, input, expected) => {
    const r = validateRating(method, input);
    expect(r.ok ? [] : r.errors.map((e) => formatFieldError(e))).toEqual(expected);
  });

  it('uses the matrix size for the range', () => {
    const small = { ...li, size: 3, cells: li.cells.slice(0, 3).map((r) => r.slice(0, 3)) };
    const r = validateRating(small, { likelihood: 4, impact: 3 });
    expect(r.ok ? [] : r.errors.map((e) => formatFieldError(e))).toEqual(['likelihood: must be 1–3']);
  });

  it('prefixes fields for nested ratings', () => {
    const r = validateRating(atv, { asset: 9, threat: 1, vulnerability: 1 }, 'residualRating/');
    expect(r.ok ? [] : r.errors.map((e) => e.field)).toEqual(['residualRating/asset']);
  });

  it('accepts a rating in range', () => {
    expect(validateRating(atv, { asset: 3, threat: 1, vulnerability: 2 })).toEqual({
      ok: true,
      value: { asset: 3, threat: 1, vulnerability: 2 },
    });
  });
});

describe('methodLevels', () => {
  it('lists the levels a method can give, lowest first', () => {
    expect(methodLevels(atv)).toEqual(['low', 'medium', 'high']);
    expect(methodLevels(li)).toEqual(['low', 'medium', 'high', 'extreme']);
  });
});
