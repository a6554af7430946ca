import { describe, expect, it } from 'vitest';
import { relevance, validateProfile, type SystemProfile } from './profile.js';
import { formatFieldError } from './scoring.js';

const internal: SystemProfile = { patientData: true, connections: ['internal-only'] };

describe('relevance', () => {
  it('holds for an entry without conditions', () => {
    expect(relevance(internal, {})).toEqual({ relevant: true });
  });

  it('names the missing connection and the system’s connections', () => {
    expect(relevance(internal, { relevantWhen: { connections: ['wireless'] } })).toEqual({
      relevant: false,
      reason: {
        ja: '無線LANを使用しないため（システムの接続: 院内のみ）',
        en: 'The system uses no wireless LAN (its connections: internal network only)',
      },
    });
  });

  it('holds when any one of the listed connections is present', () => {
    const profile: SystemProfile = { patientData: false, connections: ['remote-maintenance', 'removable-media'] };
    expect(relevance(profile, { relevantWhen: { connections: ['external', 'remote-maintenance'] } })).toEqual({
      relevant: true,
    });
    expect(relevance(profile, { relevantWhen: { connections: ['external', 'wireless'] } })).toEqual({
      relevant: false,
      reason: {
        ja: '外部ネットワーク接続・無線LANを使用しないため（システムの接続: リモート保守、外部記録媒体）',
        en: 'The system uses no external network connections or wireless LAN (its connections: remote maintenance, removable media)',
      },
    });
  });

  it('says "none" for a system with no connection recorded', () => {
    const r = relevance({ patientData: true, connections: [] }, { relevantWhen: { connections: ['scanning'] } });
    expect(r.relevant === false && r.reason.ja).toBe('スキャナによる電子化を使用しないため（システムの接続: なし）');
  });

  it('requires patient data when the entry does', () => {
    const noData: SystemProfile = { patientData: false, connections: ['internal-only'] };
    expect(relevance(noData, { relevantWhen: { patientData: true } })).toEqual({
      relevant: false,
      reason: { ja: '患者情報を扱わないため', en: 'The system does not handle patient data' },
    });
    expect(relevance(internal, { relevantWhen: { patientData: true } })).toEqual({ relevant: true });
  });

  it('joins the reasons when both conditions fail', () => {
    const r = relevance(
      { patientData: false, connections: ['internal-only'] },
      { relevantWhen: { patientData: true, connections: ['external'] } },
    );
    expect(r.relevant === false && r.reason.ja).toBe(
      '患者情報を扱わないため、外部ネットワーク接続を使用しないため（システムの接続: 院内のみ）',
    );
  });

  it('prefers the catalogue’s own reason, filling a missing language from the other', () => {
    expect(
      relevance(internal, {
        relevantWhen: { connections: ['external'] },
        irrelevantReason: { ja: '外部と通信しない構成のため' },
      }),
    ).toEqual({ relevant: false, reason: { ja: '外部と通信しない構成のため', en: '外部と通信しない構成のため' } });
  });

  it('ignores the catalogue’s reason when the entry is relevant', () => {
    expect(
      relevance(
        { patientData: true, connections: ['external'] },
        { relevantWhen: { connections: ['external'] }, irrelevantReason: { ja: '不要', en: 'unneeded' } },
      ),
    ).toEqual({ relevant: true });
  });
});

describe('validateProfile', () => {
  const errors = (input: unknown): string[] => {
    const r = validateProfile(input);
    return r.ok ? [] : r.errors.map((e) => formatFieldError(e));
  };

  it('accepts a full profile', () => {
    const p = {
      patientData: true,
      connections: ['external', 'removable-media'],
      department: '放射線科',
      location: '本館 2F',
      owner: '医療情報部',
    };
    expect(validateProfile(p)).toEqual({ ok: true, value: p });
  });

  it.each([
    [{ connections: [] }, ['patientData: must be true or false']],
    [
      { patientData: 'yes', connections: 'wireless' },
      ['patientData: must be true or false', 'connections: must be a list of connection kinds'],
    ],
    [
      { patientData: true, connections: ['wifi', 'external', 'external'] },
      [
        'connections/0: must be one of internal-only, external, remote-maintenance, wireless, removable-media, scanning',
        'connections/2: external is listed twice',
      ],
    ],
    [
      { patientData: true, connections: ['internal-only', 'wireless', 'removable-media'] },
      ['connections: internal-only cannot be combined with wireless'],
    ],
    [
      { patientData: true, connections: [], owner: 3, vendor: 'x' },
      ['owner: must be a string of at most 200 characters', 'vendor: is not a known field'],
    ],
  ])('rejects %j', (input, expected) => {
    expect(errors(input)).toEqual(expected);
  });
});
