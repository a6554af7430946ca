import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, parseTrustProxy, resolveSettings, settingsFromEnv } from './settings.js';

describe('settings', () => {
  it('default to 30 idle minutes, 12 hours, no trusted proxy and sign-up on', () => {
    expect(DEFAULT_SETTINGS).toMatchObject({
      sessionIdleMinutes: 30,
      sessionMaxHours: 12,
      trustProxy: false,
      signup: true,
    });
    expect(resolveSettings({ sessionIdleMinutes: undefined }).sessionIdleMinutes).toBe(30);
  });

  it('read the environment, naming a malformed variable', () => {
    expect(
      settingsFromEnv({
        OPENMDS_SESSION_IDLE_MINUTES: '15',
        OPENMDS_SESSION_MAX_HOURS: '8',
        OPENMDS_SIGNUP: 'off',
        OPENMDS_TRUST_PROXY: '10.0.0.0/8, 192.0.2.1',
      }),
    ).toEqual({ sessionIdleMinutes: 15, sessionMaxHours: 8, signup: false, trustProxy: '10.0.0.0/8,192.0.2.1' });
    expect(() => settingsFromEnv({ OPENMDS_SESSION_IDLE_MINUTES: '0' })).toThrow(/^OPENMDS_SESSION_IDLE_MINUTES: /);
    expect(() => settingsFromEnv({ OPENMDS_SIGNUP: 'maybe' })).toThrow(/^OPENMDS_SIGNUP: /);
    expect(settingsFromEnv({})).toEqual({});
  });

  it('parse OPENMDS_TRUST_PROXY as on/off, a hop count or addresses', () => {
    expect(parseTrustProxy('off')).toBe(false);
    expect(parseTrustProxy('')).toBe(false);
    expect(parseTrustProxy('true')).toBe(true);
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy('127.0.0.1,::1')).toBe('127.0.0.1,::1');
    expect(() => parseTrustProxy('everyone')).toThrow(/OPENMDS_TRUST_PROXY/);
  });
});
