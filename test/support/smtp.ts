import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { generateP256 } from '../../src/signing/signing-keys.js';
import { x509 } from '../../src/signing/x509.js';

/** A message the test server accepted: the envelope and the raw RFC 5322 text. */
export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  user: string | undefined;
  secure: boolean;
}

export interface TestSmtpServer {
  port: number;
  received: ReceivedMail[];
  /** Every AUTH attempt: the user name and whether it was accepted. */
  logins: { user: string; ok: boolean }[];
  /** Reject each message with this SMTP reply (e.g. 550) until set back to undefined. */
  rejectWith: { code: number; message: string } | undefined;
  close(): Promise<void>;
}

/** A test CA and a certificate it issued for 127.0.0.1 and localhost, PEM. */
export interface TestTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** Makes a throwaway CA and a server certificate for 127.0.0.1: the client trusts that CA for the test only. */
export async function makeTestTls(): Promise<TestTls> {
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 24 * 3600_000);
  const ca = await generateP256();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=OpenMDS test mail CA',
    notBefore,
    notAfter,
    keys: ca.keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const leaf = await generateP256();
  const leafCert = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: 'CN=127.0.0.1',
    issuer: caCert.subject,
    notBefore,
    notAfter,
    publicKey: leaf.keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'ip', value: '127.0.0.1' },
        { type: 'dns', value: 'localhost' },
      ]),
    ],
  });
  return { caPem: caCert.toString('pem'), certPem: leafCert.toString('pem'), keyPem: leaf.privateKeyPem };
}

/**
 * A real SMTP server (the smtp-server package) on 127.0.0.1 and a random port. With `tls` it offers STARTTLS (or,
 * `implicit`, speaks TLS from the first byte); with `users` it requires AUTH PLAIN/LOGIN with those passwords.
 */
export async function startSmtpServer(
  options: { tls?: TestTls; implicit?: boolean; users?: Record<string, string> } = {},
): Promise<TestSmtpServer> {
  const state: TestSmtpServer = {
    port: 0,
    received: [],
    logins: [],
    rejectWith: undefined,
    close: () => Promise.resolve(),
  };
  const users = options.users;
  const config: SMTPServerOptions = {
    logger: false,
    secure: options.implicit === true,
    ...(options.tls === undefined
      ? { disabledCommands: ['STARTTLS'], allowInsecureAuth: true }
      : { key: options.tls.keyPem, cert: options.tls.certPem }),
    authOptional: users === undefined,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      const ok = users !== undefined && auth.username !== undefined && users[auth.username] === auth.password;
      state.logins.push({ user: auth.username ?? '', ok });
      if (ok) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const reject = state.rejectWith;
        if (reject !== undefined) {
          callback(Object.assign(new Error(reject.message), { responseCode: reject.code }));
          return;
        }
        state.received.push({
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: typeof session.user === 'string' ? session.user : undefined,
          secure: session.secure,
        });
        callback(null);
      });
    },
  };
  const server = new SMTPServer(config);
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = (server as unknown as { server: { address(): AddressInfo } }).server.address();
  state.port = address.port;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}

/** A port on 127.0.0.1 where nothing listens (a server that is down). */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** The raw message's headers (unfolded, by lower-case name) and body. */
export function parseRawMail(raw: string): { headers: Map<string, string>; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: raw.slice(split + 4) };
}

/** Decodes RFC 2047 encoded-words (UTF-8, B or Q), joining adjacent ones as RFC 2047 §6.2 says. */
export function decodeEncodedWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_all, enc: string, text: string) =>
      enc.toLowerCase() === 'b'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(
            text
              .replace(/_/g, ' ')
              .replace(/=([0-9a-f]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
            'latin1',
          ).toString('utf8'),
    );
}

/** The text body of a single-part message, decoded from its Content-Transfer-Encoding. */
export function decodeTextBody(raw: string): string {
  const { headers, body } = parseRawMail(raw);
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body
      .replace(/=\r\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}
