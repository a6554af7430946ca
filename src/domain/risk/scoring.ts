import type { Message } from '../i18n.js';

/**
 * The two risk-scoring methods a hospital can choose: the ISMS product 資産価値 × 脅威 × 脆弱性 that the
 * remote-service security guideline (JESRA TR-0034, after JIPDEC's ISMS user guide) works through, and a likelihood ×
 * impact matrix. Both are data, validated here, so a hospital can set its own threshold, bands and matrix.
 */

/** A problem with one field of an input, formatted as "field: message". */
export interface FieldError {
  /** A path into the input: "likelihood", "cells/2/3", "residualRating/asset". */
  field: string;
  message: Message;
}

export type FieldResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** "field: message" in one language, the form every failure is shown in. */
export function formatFieldError(e: FieldError, lang: 'ja' | 'en' = 'en'): string {
  return `${e.field}: ${e.message[lang]}`;
}

export const RISK_LEVELS = ['low', 'medium', 'high', 'extreme'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export const RISK_LEVEL_LABELS: Readonly<Record<RiskLevel, Message>> = {
  low: { ja: '低', en: 'Low' },
  medium: { ja: '中', en: 'Medium' },
  high: { ja: '高', en: 'High' },
  extreme: { ja: '極大', en: 'Extreme' },
};

/** An upper bound of a band of scores: every score ≤ `max` (and above the previous band) has `level`. */
export interface LevelBand {
  level: RiskLevel;
  max: number;
}

export interface AssetThreatVulnerabilityMethod {
  kind: 'asset-threat-vulnerability';
  /** A score ≤ this is acceptable without treatment (1–27). */
  acceptanceThreshold: number;
  /** Ascending bands; the last one ends at 27 so every score has a level. */
  bands: LevelBand[];
}

/** The name of an axis and the label of each of its steps (step 1 first). */
export interface MatrixAxis {
  name: Message;
  steps: Message[];
}

export interface LikelihoodImpactMethod {
  kind: 'likelihood-impact';
  /** Steps on each axis, 3–5. */
  size: number;
  likelihood: MatrixAxis;
  impact: MatrixAxis;
  /** `cells[likelihood - 1][impact - 1]`. */
  cells: RiskLevel[][];
  /** The levels a hospital accepts without treatment. */
  acceptable: RiskLevel[];
}

export type ScoringMethod = AssetThreatVulnerabilityMethod | LikelihoodImpactMethod;
export type ScoringMethodKind = ScoringMethod['kind'];

/** 資産価値, 脅威, 脆弱性, each 1 (低) to 3 (高). */
export interface AssetThreatVulnerabilityRating {
  asset: number;
  threat: number;
  vulnerability: number;
}

/** Steps on the matrix, 1 to the method's size. */
export interface LikelihoodImpactRating {
  likelihood: number;
  impact: number;
}

export type Rating = AssetThreatVulnerabilityRating | LikelihoodImpactRating;

export interface Score {
  /** The product of the factors: 1–27, or 1–size². */
  value: number;
  level: RiskLevel;
  acceptable: boolean;
}

export const ATV_MAX = 27;

/** 資産価値 × 脅威 × 脆弱性 with the threshold 8: 1–8 低 (acceptable), 9–12 中, 18–27 高. */
export function defaultAssetThreatVulnerability(): AssetThreatVulnerabilityMethod {
  return {
    kind: 'asset-threat-vulnerability',
    acceptanceThreshold: 8,
    bands: [
      { level: 'low', max: 8 },
      { level: 'medium', max: 12 },
      { level: 'high', max: 27 },
    ],
  };
}

/** A 5 × 5 matrix, 低 acceptable. */
export function defaultLikelihoodImpact(): LikelihoodImpactMethod {
  return {
    kind: 'likelihood-impact',
    size: 5,
    likelihood: {
      name: { ja: '発生可能性', en: 'Likelihood' },
      steps: [
        { ja: 'ほとんどない', en: 'Rare' },
        { ja: '起こりにくい', en: 'Unlikely' },
        { ja: '起こりうる', en: 'Possible' },
        { ja: '起こりやすい', en: 'Likely' },
        { ja: 'ほぼ確実', en: 'Almost certain' },
      ],
    },
    impact: {
      name: { ja: '影響度', en: 'Impact' },
      steps: [
        { ja: '軽微', en: 'Negligible' },
        { ja: '小', en: 'Minor' },
        { ja: '中', en: 'Moderate' },
        { ja: '大', en: 'Major' },
        { ja: '甚大', en: 'Severe' },
      ],
    },
    cells: [
      ['low', 'low', 'low', 'medium', 'medium'],
      ['low', 'low', 'medium', 'medium', 'high'],
      ['low', 'medium', 'medium', 'high', 'high'],
      ['medium', 'medium', 'high', 'high', 'extreme'],
      ['medium', 'high', 'high', 'extreme', 'extreme'],
    ],
    acceptable: ['low'],
  };
}

export function defaultMethod(kind: ScoringMethodKind): ScoringMethod {
  return kind === 'asset-threat-vulnerability' ? defaultAssetThreatVulnerability() : defaultLikelihoodImpact();
}

// ---------------------------------------------------------------------------------------------------------------
// Validation of untrusted input (a method stored as JSON, a rating typed into a form).

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isLevel = (v: unknown): v is RiskLevel => typeof v === 'string' && (RISK_LEVELS as readonly string[]).includes(v);
const isIntIn = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const levelList = RISK_LEVELS.join(', ');

function err(field: string, ja: string, en: string): FieldError {
  return { field, message: { ja, en } };
}

function rangeError(field: string, min: number, max: number): FieldError {
  return err(field, `${min}〜${max} の整数にしてください`, `must be ${min}–${max}`);
}

function unknownFields(input: Json, known: readonly string[], prefix: string, errors: FieldError[]): void {
  for (const k of Object.keys(input)) {
    if (!known.includes(k)) errors.push(err(`${prefix}${k}`, '不明な項目です', 'is not a known field'));
  }
}

function checkMessage(v: unknown, field: string, errors: FieldError[]): void {
  if (!isObject(v)) {
    errors.push(err(field, '日本語 (ja) と英語 (en) の文字列が必要です', 'must be an object with ja and en texts'));
    return;
  }
  for (const lang of ['ja', 'en'] as const) {
    const t = v[lang];
    if (typeof t !== 'string' || t.trim() === '') {
      errors.push(err(`${field}/${lang}`, '空でない文字列にしてください', 'must be a non-empty string'));
    }
  }
  unknownFields(v, ['ja', 'en'], `${field}/`, errors);
}

function checkAtv(input: Json, errors: FieldError[]): void {
  unknownFields(input, ['kind', 'acceptanceThreshold', 'bands'], '', errors);
  if (!isIntIn(input.acceptanceThreshold, 1, ATV_MAX)) errors.push(rangeError('acceptanceThreshold', 1, ATV_MAX));
  const bands = input.bands;
  if (!Array.isArray(bands) || bands.length === 0) {
    errors.push(err('bands', '1 つ以上の区分が必要です', 'must list at least one band'));
    return;
  }
  let previous = 0;
  const seen = new Set<string>();
  bands.forEach((b: unknown, i) => {
    const field = `bands/${i}`;
    if (!isObject(b)) {
      errors.push(err(field, '{ level, max } にしてください', 'must be { level, max }'));
      return;
    }
    unknownFields(b, ['level', 'max'], `${field}/`, errors);
    if (!isLevel(b.level)) {
      errors.push(err(`${field}/level`, `${levelList} のいずれかにしてください`, `must be one of ${levelList}`));
    } else if (seen.has(b.level)) {
      errors.push(err(`${field}/level`, `レベル ${b.level} が重複しています`, `level ${b.level} is used twice`));
    } else seen.add(b.level);
    if (!isIntIn(b.max, 1, ATV_MAX)) errors.push(rangeError(`${field}/max`, 1, ATV_MAX));
    else if (b.max <= previous) {
      errors.push(
        err(
          `${field}/max`,
          `前の区分 (${previous}) より大きくしてください`,
          `must be above the band before (${previous})`,
        ),
      );
    } else previous = b.max;
  });
  const last: unknown = bands[bands.length - 1];
  if (isObject(last) && isIntIn(last.max, 1, ATV_MAX) && last.max !== ATV_MAX) {
    errors.push(
      err(
        `bands/${bands.length - 1}/max`,
        `最後の区分は ${ATV_MAX} までにしてください (すべての値にレベルが必要です)`,
        `must be ${ATV_MAX}, so that every score has a level`,
      ),
    );
  }
}

function checkAxis(v: unknown, field: string, size: number | undefined, errors: FieldError[]): void {
  if (!isObject(v)) {
    errors.push(err(field, '{ name, steps } にしてください', 'must be { name, steps }'));
    return;
  }
  unknownFields(v, ['name', 'steps'], `${field}/`, errors);
  checkMessage(v.name, `${field}/name`, errors);
  if (!Array.isArray(v.steps)) {
    errors.push(err(`${field}/steps`, '段階ごとのラベルの配列にしてください', 'must be a list of step labels'));
    return;
  }
  if (size !== undefined && v.steps.length !== size) {
    errors.push(
      err(`${field}/steps`, `${size} 段階のラベルが必要です`, `must have ${size} labels, one per step (size ${size})`),
    );
  }
  v.steps.forEach((s: unknown, i) => checkMessage(s, `${field}/steps/${i}`, errors));
}

function checkMatrix(input: Json, errors: FieldError[]): void {
  unknownFields(input, ['kind', 'size', 'likelihood', 'impact', 'cells', 'acceptable'], '', errors);
  const size = isIntIn(input.size, 3, 5) ? input.size : undefined;
  if (size === undefined) errors.push(rangeError('size', 3, 5));
  checkAxis(input.likelihood, 'likelihood', size, errors);
  checkAxis(input.impact, 'impact', size, errors);
  const cells = input.cells;
  if (!Array.isArray(cells)) {
    errors.push(err('cells', '発生可能性ごとの行の配列にしてください', 'must be a list of rows, one per likelihood'));
  } else {
    if (size !== undefined && cells.length !== size) {
      errors.push(err('cells', `${size} 行必要です`, `must have ${size} rows`));
    }
    cells.forEach((row: unknown, i) => {
      if (!Array.isArray(row)) {
        errors.push(err(`cells/${i}`, 'レベルの配列にしてください', 'must be a list of levels'));
        return;
      }
      if (size !== undefined && row.length !== size) {
        errors.push(err(`cells/${i}`, `${size} 列必要です`, `must have ${size} cells`));
      }
      row.forEach((c: unknown, j) => {
        if (!isLevel(c)) {
          errors.push(err(`cells/${i}/${j}`, `${levelList} のいずれかにしてください`, `must be one of ${levelList}`));
        }
      });
    });
  }
  const acceptable = input.acceptable;
  if (!Array.isArray(acceptable)) {
    errors.push(err('acceptable', '受容できるレベルの配列にしてください', 'must be a list of levels'));
  } else {
    const seen = new Set<string>();
    acceptable.forEach((l: unknown, i) => {
      if (!isLevel(l)) {
        errors.push(err(`acceptable/${i}`, `${levelList} のいずれかにしてください`, `must be one of ${levelList}`));
      } else if (seen.has(l)) {
        errors.push(err(`acceptable/${i}`, `レベル ${l} が重複しています`, `level ${l} is listed twice`));
      } else seen.add(l);
    });
  }
}

/** Checks a scoring method read from storage or a request; every error names its field. */
export function validateMethod(input: unknown): FieldResult<ScoringMethod> {
  const errors: FieldError[] = [];
  if (!isObject(input))
    return { ok: false, errors: [err('method', 'オブジェクトにしてください', 'must be an object')] };
  switch (input.kind) {
    case 'asset-threat-vulnerability':
      checkAtv(input, errors);
      break;
    case 'likelihood-impact':
      checkMatrix(input, errors);
      break;
    default:
      errors.push(
        err(
          'kind',
          'asset-threat-vulnerability か likelihood-impact にしてください',
          'must be asset-threat-vulnerability or likelihood-impact',
        ),
      );
  }
  // The checks above establish every property of the type.
  return errors.length === 0 ? { ok: true, value: input as unknown as ScoringMethod } : { ok: false, errors };
}

const ATV_FIELDS = ['asset', 'threat', 'vulnerability'] as const;
const LI_FIELDS = ['likelihood', 'impact'] as const;

/** The fields a rating has under a method, and their range. */
function ratingShape(method: ScoringMethod): { fields: readonly string[]; max: number } {
  return method.kind === 'asset-threat-vulnerability'
    ? { fields: ATV_FIELDS, max: 3 }
    : { fields: LI_FIELDS, max: method.size };
}

/**
 * Checks a rating against a method: the method's fields, each an integer in range (`likelihood: must be 1–5`).
 * `prefix` is put before each field ("residualRating/").
 */
export function validateRating(method: ScoringMethod, input: unknown, prefix = ''): FieldResult<Rating> {
  const { fields, max } = ratingShape(method);
  if (!isObject(input)) {
    return {
      ok: false,
      errors: [
        err(
          prefix === '' ? 'rating' : prefix.replace(/\/$/, ''),
          `${fields.join(', ')} を持つオブジェクトにしてください`,
          `must be { ${fields.join(', ')} }`,
        ),
      ],
    };
  }
  const errors: FieldError[] = [];
  for (const f of fields) if (!isIntIn(input[f], 1, max)) errors.push(rangeError(`${prefix}${f}`, 1, max));
  unknownFields(input, fields, prefix, errors);
  return errors.length === 0 ? { ok: true, value: input as unknown as Rating } : { ok: false, errors };
}

/** Whether a rating has the shape and range a method expects (a stored rating may predate a change of method). */
export function ratingFits(method: ScoringMethod, rating: Rating): boolean {
  const r = rating as unknown as Json;
  const { fields, max } = ratingShape(method);
  return fields.every((f) => isIntIn(r[f], 1, max));
}

function levelOf(bands: readonly LevelBand[], value: number): RiskLevel {
  for (const b of bands) if (value <= b.max) return b.level;
  // validateMethod makes the last band end at 27; a hand-built method that does not still gets a level.
  return bands[bands.length - 1]?.level ?? 'high';
}

/**
 * Scores a rating under a method. The rating must fit the method (see `validateRating`); a rating that does not is
 * a programming error and throws a RangeError.
 */
export function score(method: ScoringMethod, rating: Rating): Score {
  if (!ratingFits(method, rating)) {
    throw new RangeError(`rating ${JSON.stringify(rating)} does not fit the ${method.kind} method`);
  }
  switch (method.kind) {
    case 'asset-threat-vulnerability': {
      const r = rating as AssetThreatVulnerabilityRating;
      const value = r.asset * r.threat * r.vulnerability;
      return { value, level: levelOf(method.bands, value), acceptable: value <= method.acceptanceThreshold };
    }
    case 'likelihood-impact': {
      const r = rating as LikelihoodImpactRating;
      const level = method.cells[r.likelihood - 1]?.[r.impact - 1] ?? 'extreme';
      return { value: r.likelihood * r.impact, level, acceptable: method.acceptable.includes(level) };
    }
  }
}

/** The levels a method can yield, lowest first. */
export function methodLevels(method: ScoringMethod): RiskLevel[] {
  const used = new Set<RiskLevel>(
    method.kind === 'asset-threat-vulnerability' ? method.bands.map((b) => b.level) : method.cells.flat(),
  );
  return RISK_LEVELS.filter((l) => used.has(l));
}
