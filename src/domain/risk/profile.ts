import type { LocalizedText, Message } from '../i18n.js';
import type { FieldError, FieldResult } from './scoring.js';

/**
 * What a hospital records about a system it runs, so that the risk assessment drafts only the risks that matter
 * for it: a wireless-LAN gap is no risk for a system that never touches the wireless LAN.
 */

export const CONNECTIONS = [
  'internal-only',
  'external',
  'remote-maintenance',
  'wireless',
  'removable-media',
  'scanning',
] as const;
export type Connection = (typeof CONNECTIONS)[number];

export const CONNECTION_LABELS: Readonly<Record<Connection, Message>> = {
  'internal-only': { ja: '院内のみ', en: 'internal network only' },
  external: { ja: '外部ネットワーク接続', en: 'external network connections' },
  'remote-maintenance': { ja: 'リモート保守', en: 'remote maintenance' },
  wireless: { ja: '無線LAN', en: 'wireless LAN' },
  'removable-media': { ja: '外部記録媒体', en: 'removable media' },
  scanning: { ja: 'スキャナによる電子化', en: 'scanning of paper records' },
};

/** Connections that expose a system beyond the hospital's wired internal network. */
export const EXPOSED_CONNECTIONS: readonly Connection[] = ['external', 'remote-maintenance', 'wireless'];

export interface SystemProfile {
  /** Whether the system handles patient (personally identifiable medical) data. */
  patientData: boolean;
  connections: readonly Connection[];
  department?: string;
  location?: string;
  owner?: string;
}

/** When a catalogue entry matters: every condition given must hold; `connections` holds when any one is present. */
export interface RelevanceCondition {
  patientData?: boolean;
  connections?: readonly Connection[];
}

export type Relevance = { relevant: true } | { relevant: false; reason: Message };

const isConnection = (v: unknown): v is Connection =>
  typeof v === 'string' && (CONNECTIONS as readonly string[]).includes(v);

function err(field: string, ja: string, en: string): FieldError {
  return { field, message: { ja, en } };
}

function connectionsText(connections: readonly Connection[], lang: 'ja' | 'en'): string {
  if (connections.length === 0) return lang === 'ja' ? 'なし' : 'none';
  return connections.map((c) => CONNECTION_LABELS[c][lang]).join(lang === 'ja' ? '、' : ', ');
}

function filled(text: LocalizedText): Message {
  const ja = text.ja ?? text.en ?? '';
  const en = text.en ?? text.ja ?? '';
  return { ja, en };
}

/**
 * Whether a catalogue entry matters for a system. When it does not, the reason is the catalogue's own, or one
 * naming the condition the system lacks: 「無線LANを使用しないため（システムの接続: 院内のみ）」.
 */
export function relevance(
  profile: SystemProfile,
  entry: { relevantWhen?: RelevanceCondition | undefined; irrelevantReason?: LocalizedText | undefined },
): Relevance {
  const when = entry.relevantWhen;
  if (when === undefined) return { relevant: true };
  const ja: string[] = [];
  const en: string[] = [];
  if (when.patientData !== undefined && when.patientData !== profile.patientData) {
    if (when.patientData) {
      ja.push('患者情報を扱わないため');
      en.push('the system does not handle patient data');
    } else {
      ja.push('患者情報を扱うシステムには別の対策が必要なため');
      en.push('the system handles patient data, which this entry does not cover');
    }
  }
  const wanted = when.connections;
  if (wanted !== undefined && wanted.length > 0 && !wanted.some((c) => profile.connections.includes(c))) {
    ja.push(
      `${wanted.map((c) => CONNECTION_LABELS[c].ja).join('・')}を使用しないため（システムの接続: ${connectionsText(profile.connections, 'ja')}）`,
    );
    en.push(
      `the system uses no ${wanted.map((c) => CONNECTION_LABELS[c].en).join(' or ')} (its connections: ${connectionsText(profile.connections, 'en')})`,
    );
  }
  if (ja.length === 0) return { relevant: true };
  if (entry.irrelevantReason !== undefined) return { relevant: false, reason: filled(entry.irrelevantReason) };
  const reason = { ja: ja.join('、'), en: en.join('; ') };
  return { relevant: false, reason: { ja: reason.ja, en: reason.en.charAt(0).toUpperCase() + reason.en.slice(1) } };
}

const MAX_TEXT = 200;

/** Checks a profile from a request or storage; every error names its field. Duplicate connections are an error. */
export function validateProfile(input: unknown): FieldResult<SystemProfile> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: [err('profile', 'オブジェクトにしてください', 'must be an object')] };
  }
  const p = input as Record<string, unknown>;
  const errors: FieldError[] = [];
  if (typeof p.patientData !== 'boolean') {
    errors.push(err('patientData', 'true か false にしてください', 'must be true or false'));
  }
  if (!Array.isArray(p.connections)) {
    errors.push(err('connections', '接続の種類の配列にしてください', 'must be a list of connection kinds'));
  } else {
    const seen = new Set<string>();
    p.connections.forEach((c: unknown, i) => {
      if (!isConnection(c)) {
        errors.push(
          err(
            `connections/${i}`,
            `${CONNECTIONS.join(', ')} のいずれかにしてください`,
            `must be one of ${CONNECTIONS.join(', ')}`,
          ),
        );
      } else if (seen.has(c)) {
        errors.push(err(`connections/${i}`, `${c} が重複しています`, `${c} is listed twice`));
      } else seen.add(c);
    });
    // 院内のみ contradicts a connection beyond the internal network; removable media and scanning do not.
    const exposed = EXPOSED_CONNECTIONS.filter((c) => seen.has(c));
    if (seen.has('internal-only') && exposed.length > 0) {
      errors.push(
        err(
          'connections',
          `院内のみ と ${exposed.map((c) => CONNECTION_LABELS[c].ja).join('・')} は同時に指定できません`,
          `internal-only cannot be combined with ${exposed.join(', ')}`,
        ),
      );
    }
  }
  for (const f of ['department', 'location', 'owner'] as const) {
    const v = p[f];
    if (v !== undefined && (typeof v !== 'string' || v.length > MAX_TEXT)) {
      errors.push(
        err(f, `${MAX_TEXT} 文字以内の文字列にしてください`, `must be a string of at most ${MAX_TEXT} characters`),
      );
    }
  }
  for (const k of Object.keys(p)) {
    if (!['patientData', 'connections', 'department', 'location', 'owner'].includes(k)) {
      errors.push(err(k, '不明な項目です', 'is not a known field'));
    }
  }
  return errors.length === 0 ? { ok: true, value: p as unknown as SystemProfile } : { ok: false, errors };
}
