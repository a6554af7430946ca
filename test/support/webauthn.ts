import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/**
 * A software authenticator, for tests of the server's WebAuthn ceremonies without a browser: it makes ES256 passkeys
 * with "none" attestation and signs assertions exactly as a platform authenticator does (WebAuthn Level 3, §6.1 and
 * §6.5), so @simplewebauthn/server checks them for real. Each flag and value can be bent to play an attacker.
 */

// ---- A minimal CBOR encoder (RFC 8949): what attestation objects and COSE keys use ---------------------------------

type Cbor = number | string | Uint8Array | Map<number | string, Cbor> | Cbor[];

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) {
    const b = Buffer.alloc(3);
    b[0] = (major << 5) | 25;
    b.writeUInt16BE(n, 1);
    return b;
  }
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

export function cbor(value: Cbor): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), Buffer.from(value)]);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(cbor)]);
  const parts = [head(5, value.size)];
  for (const [k, v] of value) parts.push(cbor(k), cbor(v));
  return Buffer.concat(parts);
}

// ---- The authenticator ---------------------------------------------------------------------------------------------

const sha256 = (data: Buffer | string): Buffer => createHash('sha256').update(data).digest();
const b64 = (data: Buffer | Uint8Array): string => Buffer.from(data).toString('base64url');

const FLAG = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 } as const;

export interface SoftCredential {
  id: string;
  privateKey: KeyObject;
  /** base64url of the user handle the RP gave at registration. */
  userHandle: string;
  rpId: string;
  signCount: number;
}

export interface CreationOptionsLike {
  challenge: string;
  rp: { id?: string | undefined; name: string };
  user: { id: string; name: string };
}

export interface RequestOptionsLike {
  challenge: string;
  rpId?: string | undefined;
  allowCredentials?: { id: string }[] | undefined;
}

/** What may be bent in one ceremony, to play a phishing site, a cloned key or a careless client. */
export interface Bend {
  origin?: string;
  rpId?: string;
  challenge?: string;
  type?: string;
  userVerified?: boolean;
  userPresent?: boolean;
  /** Sign with another key than the credential's. */
  wrongKey?: boolean;
  /** Report this counter instead of the next one. */
  signCount?: number;
  userHandle?: string;
}

export interface SoftAuthenticatorOptions {
  origin: string;
  /** Verifies the user (PIN or biometrics): default true. */
  userVerification?: boolean;
  /** Keeps a signature counter (a security key) rather than 0 always (a synced passkey): default false. */
  counter?: boolean;
  /** A synced, multi-device passkey (backup eligible and backed up): default true. */
  synced?: boolean;
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];
  readonly aaguid = Buffer.alloc(16);

  constructor(private readonly options: SoftAuthenticatorOptions) {}

  private flags(extra: number, bend: Bend): number {
    let f = extra;
    if (bend.userPresent ?? true) f |= FLAG.UP;
    if (bend.userVerified ?? this.options.userVerification ?? true) f |= FLAG.UV;
    if (this.options.synced ?? true) f |= FLAG.BE | FLAG.BS;
    return f;
  }

  private clientData(type: string, challenge: string, bend: Bend): Buffer {
    return Buffer.from(
      JSON.stringify({
        type: bend.type ?? type,
        challenge: bend.challenge ?? challenge,
        origin: bend.origin ?? this.options.origin,
        crossOrigin: false,
      }),
    );
  }

  /** navigator.credentials.create(), as RegistrationResponseJSON. */
  create(options: CreationOptionsLike, bend: Bend = {}) {
    const rpId = bend.rpId ?? options.rp.id ?? new URL(this.options.origin).hostname;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = cbor(
      new Map<number, Cbor>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x ?? '', 'base64url')],
        [-3, Buffer.from(jwk.y ?? '', 'base64url')],
      ]),
    );
    const id = randomBytes(32);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(id.length);
    const authData = Buffer.concat([
      sha256(rpId),
      Buffer.from([this.flags(FLAG.AT, bend)]),
      Buffer.alloc(4),
      this.aaguid,
      idLength,
      id,
      cose,
    ]);
    const attestationObject = cbor(
      new Map<string, Cbor>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    const credential: SoftCredential = { id: b64(id), privateKey, userHandle: options.user.id, rpId, signCount: 0 };
    this.credentials.push(credential);
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key' as const,
      clientExtensionResults: {},
      authenticatorAttachment: 'platform' as const,
      response: {
        clientDataJSON: b64(this.clientData('webauthn.create', options.challenge, bend)),
        attestationObject: b64(attestationObject),
        transports: ['internal', 'hybrid'],
      },
    };
  }

  /**
   * navigator.credentials.get(), as AuthenticationResponseJSON: with the credential `use` names, else the first one the
   * options allow (or the newest, for a discoverable sign-in).
   */
  get(options: RequestOptionsLike, bend: Bend = {}, use?: SoftCredential) {
    const allowed = options.allowCredentials ?? [];
    const credential =
      use ??
      (allowed.length > 0
        ? this.credentials.find((c) => allowed.some((a) => a.id === c.id))
        : this.credentials[this.credentials.length - 1]);
    if (credential === undefined) throw new Error('the soft authenticator holds no credential the options allow');
    if (this.options.counter === true) credential.signCount += 1;
    const count = Buffer.alloc(4);
    count.writeUInt32BE(bend.signCount ?? credential.signCount);
    const authData = Buffer.concat([
      sha256(bend.rpId ?? options.rpId ?? credential.rpId),
      Buffer.from([this.flags(0, bend)]),
      count,
    ]);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, bend);
    const key =
      bend.wrongKey === true ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey : credential.privateKey;
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), key);
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key' as const,
      clientExtensionResults: {},
      authenticatorAttachment: 'platform' as const,
      response: {
        clientDataJSON: b64(clientDataJSON),
        authenticatorData: b64(authData),
        signature: b64(signature),
        userHandle: bend.userHandle ?? credential.userHandle,
      },
    };
  }
}
