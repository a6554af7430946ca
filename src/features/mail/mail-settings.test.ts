import { describe, expect, it } from 'vitest';
import { parseMailFrom, parseSmtpUrl, settingsFromEnv, smtpFromEnv } from '../../security/settings.js';

describe('OPENMDS_SMTP_URL and OPENMDS_MAIL_FROM', () => {
  const from = 'OpenMDS <openmds@hospital.example.jp>';

  it('requires STARTTLS on smtp:// (port 587) and speaks TLS on smtps:// (port 465)', () => {
    expect(parseSmtpUrl('smtp://user%40hospital.jp:p%40ss@smtp.office365.com')).toMatchObject({
      host: 'smtp.office365.com',
      port: 587,
      security: 'starttls',
      user: 'user@hospital.jp',
      password: 'p@ss',
      display: 'smtp://user%40hospital.jp:***@smtp.office365.com',
    });
    expect(parseSmtpUrl('smtps://mail.hospital.jp')).toMatchObject({
      port: 465,
      security: 'implicit',
      user: undefined,
    });
    expect(parseSmtpUrl('smtp://127.0.0.1:25?tls=none')).toMatchObject({ port: 25, security: 'none' });
    expect(parseSmtpUrl('smtp://localhost:25?tls=none').security).toBe('none');
  });

  it('allows plain text only for a relay on this host', () => {
    expect(() => parseSmtpUrl('smtp://relay.hospital.jp:25?tls=none')).toThrow(
      /OPENMDS_SMTP_URL: tls=none .* only for a relay on this host/,
    );
    expect(() => parseSmtpUrl('smtps://localhost?tls=none')).toThrow(/contradicts smtps/);
  });

  it('names the variable and never repeats the password in its errors', () => {
    for (const bad of [
      'http://u:topsecret@host',
      'smtp://u:topsecret@host/path',
      'smtp://u:topsecret@host?tls=maybe',
      'smtp://u:topsecret@host?starttls=no',
      'not a url topsecret',
    ]) {
      let message = '';
      try {
        parseSmtpUrl(bad);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/^OPENMDS_SMTP_URL: /);
      expect(message).not.toContain('topsecret');
    }
  });

  it('requires OPENMDS_MAIL_FROM with the URL, and refuses it alone', () => {
    expect(smtpFromEnv({})).toBeUndefined();
    expect(() => smtpFromEnv({ OPENMDS_SMTP_URL: 'smtp://host' })).toThrow(/^OPENMDS_MAIL_FROM: required/);
    expect(() => smtpFromEnv({ OPENMDS_MAIL_FROM: from })).toThrow(/^OPENMDS_MAIL_FROM: is set, but OPENMDS_SMTP_URL/);
    expect(settingsFromEnv({ OPENMDS_SMTP_URL: 'smtp://host', OPENMDS_MAIL_FROM: from }).smtp).toMatchObject({
      host: 'host',
      from: { name: 'OpenMDS', address: 'openmds@hospital.example.jp' },
    });
    expect(settingsFromEnv({}).smtp).toBeUndefined();
  });

  it('reads a sender with a Japanese name, a quoted name, or a bare address', () => {
    expect(parseMailFrom('OpenMDS 病院 <mds@hospital.jp>')).toEqual({
      name: 'OpenMDS 病院',
      address: 'mds@hospital.jp',
    });
    expect(parseMailFrom('"OpenMDS" <mds@hospital.jp>')).toEqual({ name: 'OpenMDS', address: 'mds@hospital.jp' });
    expect(parseMailFrom('mds@hospital.jp')).toEqual({ name: '', address: 'mds@hospital.jp' });
    for (const bad of ['OpenMDS', 'a <b>', 'x@y.jp\r\nBcc: z@w.jp', '<a@b.jp> extra']) {
      expect(() => parseMailFrom(bad)).toThrow(/^OPENMDS_MAIL_FROM: /);
    }
  });
});
