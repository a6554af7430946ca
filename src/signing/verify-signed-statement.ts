import { createHash, webcrypto } from 'node:crypto';
import { errors as joseErrors, flattenedVerify } from 'jose';
import { canonicalJson } from '../domain/canonical-json.js';
import { schemaCheck } from '../domain/schema-check.js';
import { STATEMENT_FORMAT, StatementSchema, type Statement } from '../domain/statement.js';
import {
  checkChain,
  iso,
  isTrusted,
  parseCertificates,
  summarizeCertificate,
  trustAnchors,
  type CertificateSummary,
} from './certificate-chain.js';
import {
  SIGNATURE_CTY,
  SIGNATURE_TYP,
  SIGNED_STATEMENT_FORMAT,
  SIGNED_STATEMENT_FORMAT_VERSION,
  strictBase64,
  strictBase64url,
} from './signed-statement.js';
import { EC_P256 } from './signing-keys.js';
import { problem, type SignatureProblem } from './signature-problems.js';
import type { x509 } from './x509.js';

/** How far a signing time may lie ahead of the verifier's clock before it counts as a false claim. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

const SIG_T = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

const statementShape = schemaCheck<Statement>(StatementSchema);

export type VerificationStatus =
  /** The signature matches the content and the chain leads to a trusted root. */
  | 'valid'
  /** The content is intact and the chain consistent, but it does not lead to a root in the trust list. */
  | 'untrusted'
  /** Something was changed after signing, or the signature or its certificates are broken. */
  | 'invalid';

/** The outcome of verifying a signed statement. */
export interface SignatureVerification {
  status: VerificationStatus;
  /** True when the signature does not match the statement and its header: the file was changed after signing. */
  altered: boolean;
  /** The signed statement, when it has the statement's shape (whatever the status: check `status` before use). */
  statement?: Statement;
  /** The signer's (leaf) certificate. */
  signer?: CertificateSummary;
  /** Every certificate of `x5c`, leaf first. */
  chain?: CertificateSummary[];
  /** The signing time the signer claims (`sigT`). */
  signedAt?: string;
  /** Why the status is not `valid`; empty when it is. */
  problems: SignatureProblem[];
  /** Things worth knowing that do not change the status (the certificate has expired since signing). */
  warnings: SignatureProblem[];
}

export interface VerifyOptions {
  /** PEM texts of the roots (or intermediates) to trust. Without them, an intact signature is `untrusted`. */
  trustedRootsPem?: readonly string[];
  /** The verifier's clock; default the current time. */
  now?: Date;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(problems: SignatureProblem[], extra: Partial<SignatureVerification> = {}): SignatureVerification {
  return { status: 'invalid', altered: false, problems, warnings: [], ...extra };
}

const ALTERED = problem(
  'content-altered',
  '署名後に開示書が変更されています: 署名が内容と一致しません（開示書の値、または署名ヘッダーが書き換えられています）',
  'the statement was changed after it was signed: the signature does not match its content (a value of the statement, or the signature header, was altered)',
);

/**
 * Verifies a signed statement (a parsed `.signed.json`). Never throws for bad input: every defect becomes a problem
 * that names what is wrong. The content checked is the RFC 8785 canonical form of `statement` as found in the file.
 */
export async function verifySignedStatement(doc: unknown, options: VerifyOptions = {}): Promise<SignatureVerification> {
  try {
    return await verify(doc, options);
  } catch (e) {
    // A defect this function does not foresee must still not pass for a valid signature.
    const why = e instanceof Error ? e.message : String(e);
    return invalid([
      problem('not-signed-statement', `署名を検証できません: ${why}`, `the signature cannot be verified: ${why}`),
    ]);
  }
}

async function verify(doc: unknown, options: VerifyOptions): Promise<SignatureVerification> {
  const now = options.now ?? new Date();
  if (isRecord(doc) && doc['format'] === STATEMENT_FORMAT) {
    return invalid([
      problem(
        'unsigned',
        'この開示書には署名がありません（署名付きの開示書ではなく、通常の開示書です）',
        'this statement is not signed: it is a plain statement, with no signature to verify',
      ),
    ]);
  }
  if (!isRecord(doc) || doc['format'] !== SIGNED_STATEMENT_FORMAT) {
    return invalid([
      problem(
        'not-signed-statement',
        `署名付き開示書ではありません（"format": "${SIGNED_STATEMENT_FORMAT}" が必要です）`,
        `not a signed OpenMDS statement (expected "format": "${SIGNED_STATEMENT_FORMAT}")`,
      ),
    ]);
  }
  if (doc['formatVersion'] !== SIGNED_STATEMENT_FORMAT_VERSION) {
    return invalid([
      problem(
        'unsupported-format-version',
        `署名付き開示書の形式バージョン ${JSON.stringify(doc['formatVersion'])} には対応していません（対応: ${SIGNED_STATEMENT_FORMAT_VERSION}）`,
        `signed statement formatVersion ${JSON.stringify(doc['formatVersion'])} is not supported (this version reads ${SIGNED_STATEMENT_FORMAT_VERSION})`,
      ),
    ]);
  }
  const signature = doc['signature'];
  const statementValue = doc['statement'];
  if (
    !isRecord(statementValue) ||
    !isRecord(signature) ||
    typeof signature['protected'] !== 'string' ||
    typeof signature['signature'] !== 'string'
  ) {
    return invalid([
      problem(
        'not-signed-statement',
        '署名付き開示書に "statement" オブジェクト、または "signature" の "protected" と "signature" がありません',
        'the signed statement lacks the "statement" object, or "signature" with "protected" and "signature"',
      ),
    ]);
  }
  const statement = statementShape.is(statementValue) ? statementValue : undefined;
  const found: Partial<SignatureVerification> = statement === undefined ? {} : { statement };
  const protectedB64 = signature['protected'];
  const signatureB64 = signature['signature'];

  // 1. The protected header.
  const headerBytes = strictBase64url(protectedB64);
  let header: unknown;
  try {
    header =
      headerBytes === undefined ? undefined : JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch {
    header = undefined;
  }
  if (!isRecord(header)) {
    return invalid(
      [
        problem(
          'header-unreadable',
          '署名ヘッダー（signature.protected）が読めません: 署名後に書き換えられたか、壊れています',
          'the signature header (signature.protected) cannot be read: it was altered after signing, or is damaged',
        ),
      ],
      { ...found, altered: true },
    );
  }
  if (header['alg'] !== 'ES256') {
    return invalid(
      [
        problem(
          'algorithm-unsupported',
          `署名アルゴリズム ${JSON.stringify(header['alg'])} には対応していません（ES256 のみ）`,
          `signature algorithm ${JSON.stringify(header['alg'])} is not supported (only ES256)`,
        ),
      ],
      found,
    );
  }
  const problems: SignatureProblem[] = [];
  if (header['typ'] !== SIGNATURE_TYP || header['cty'] !== SIGNATURE_CTY || header['crit'] !== undefined) {
    problems.push(
      problem(
        'header-invalid',
        `署名ヘッダーが OpenMDS の署名のものではありません（typ は "${SIGNATURE_TYP}"、cty は "${SIGNATURE_CTY}"、crit はなし）`,
        `the signature header is not an OpenMDS statement signature's (typ must be "${SIGNATURE_TYP}", cty "${SIGNATURE_CTY}", and no crit)`,
      ),
    );
  }

  // 2. The certificates.
  const x5c = header['x5c'];
  if (!Array.isArray(x5c) || x5c.length === 0) {
    return invalid(
      [
        ...problems,
        problem(
          'certificate-missing',
          '署名ヘッダーに署名者の証明書（x5c）がありません: 誰が署名したかを確認できません',
          'the signature header has no certificate chain (x5c): who signed cannot be established',
        ),
      ],
      found,
    );
  }
  const ders: Uint8Array<ArrayBuffer>[] = [];
  for (const [i, item] of x5c.entries()) {
    const der = typeof item === 'string' ? strictBase64(item) : undefined;
    if (der === undefined) {
      return invalid(
        [
          ...problems,
          problem(
            'certificate-unreadable',
            `署名ヘッダーの証明書 ${i + 1}（x5c[${i}]）が base64 の DER ではありません`,
            `certificate ${i + 1} of the signature header (x5c[${i}]) is not base64 DER`,
          ),
        ],
        found,
      );
    }
    ders.push(der);
  }
  const parsed = parseCertificates(ders);
  if (!parsed.ok) return invalid([...problems, parsed.problem], found);
  const chain = parsed.certificates;
  const leaf = chain[0]!;
  found.signer = summarizeCertificate(leaf);
  found.chain = chain.map(summarizeCertificate);
  const thumbprint = createHash('sha256').update(ders[0]!).digest('base64url');
  if (header['x5t#S256'] !== thumbprint) {
    problems.push(
      problem(
        'thumbprint-mismatch',
        '署名ヘッダーの x5t#S256 が署名者の証明書（x5c の 1 枚目）の SHA-256 と一致しません: 証明書が差し替えられています',
        "the header's x5t#S256 is not the SHA-256 of the signer's certificate (the first of x5c): the certificate was replaced",
      ),
    );
  }

  // 3. The signing time.
  const sigT = header['sigT'];
  let signedAt: Date | undefined;
  if (typeof sigT === 'string' && SIG_T.test(sigT) && !Number.isNaN(Date.parse(sigT))) {
    signedAt = new Date(sigT);
    found.signedAt = sigT;
  } else {
    problems.push(
      problem(
        'signing-time-missing',
        '署名ヘッダーに署名日時（sigT、ISO 8601 UTC）がありません',
        'the signature header has no signing time (sigT, ISO 8601 UTC)',
      ),
    );
  }

  // 4. The signature over header and canonical content.
  let payload: string | undefined;
  try {
    payload = Buffer.from(canonicalJson(statementValue), 'utf8').toString('base64url');
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    problems.push(
      problem(
        'statement-invalid',
        `開示書を RFC 8785 の正規形にできません: ${why}`,
        `the statement cannot be put in RFC 8785 canonical form: ${why}`,
      ),
    );
  }
  const signatureBytes = strictBase64url(signatureB64);
  let altered = false;
  if (signatureBytes?.length !== 64) {
    altered = true;
    problems.push(
      problem(
        'signature-malformed',
        '署名値（signature.signature）が壊れています（ES256 の署名は 64 バイトの base64url です）',
        'the signature value (signature.signature) is damaged (an ES256 signature is 64 bytes of base64url)',
      ),
    );
  }
  let key: webcrypto.CryptoKey | undefined;
  try {
    key = await webcrypto.subtle.importKey('spki', leaf.publicKey.rawData, EC_P256, false, ['verify']);
  } catch {
    problems.push(
      problem(
        'key-not-p256',
        '署名者の証明書の鍵が ECDSA P-256 ではありません（ES256 には P-256 の鍵が必要です）',
        "the signer's certificate does not hold an ECDSA P-256 key (ES256 needs one)",
      ),
    );
  }
  if (payload !== undefined && !altered && key !== undefined) {
    try {
      await flattenedVerify({ protected: protectedB64, payload, signature: signatureB64 }, key, {
        algorithms: ['ES256'],
      });
    } catch (e) {
      if (e instanceof joseErrors.JWSSignatureVerificationFailed) {
        altered = true;
        problems.push(ALTERED);
      } else if (!problems.some((p) => p.code === 'header-invalid')) {
        // jose refuses headers it cannot process (an unknown "crit", a "b64" of RFC 7797) before checking anything.
        const why = e instanceof Error ? e.message : String(e);
        problems.push(
          problem(
            'header-invalid',
            `署名ヘッダーを処理できません: ${why}`,
            `the signature header cannot be processed: ${why}`,
          ),
        );
      }
    }
  }
  if (!altered && payload !== undefined && statement === undefined) {
    const first = statementShape.problems(statementValue)[0];
    problems.push(
      problem(
        'statement-invalid',
        `署名された内容が OpenMDS の開示書として正しくありません: ${first?.path ?? ''}: ${first?.message ?? ''}`,
        `the signed content is not a valid OpenMDS statement: ${first?.path ?? ''}: ${first?.message ?? ''}`,
      ),
    );
  }

  // 5. The chain, at the signing time.
  if (signedAt !== undefined) {
    problems.push(...(await checkChain(chain, signedAt, 'signing-time')));
    if (signedAt.getTime() > now.getTime() + CLOCK_SKEW_MS) {
      problems.push(
        problem(
          'signing-time-future',
          `署名日時（${sigT as string}）が未来の日時です（現在 ${iso(now)}）`,
          `the signing time (${sigT as string}) lies in the future (now ${iso(now)})`,
        ),
      );
    }
  }
  const warnings: SignatureProblem[] = [];
  if (leaf.notAfter < now && signedAt !== undefined && signedAt <= leaf.notAfter) {
    warnings.push(
      problem(
        'certificate-expired-since',
        `署名者の証明書は署名後に有効期限が切れています（${iso(leaf.notAfter)}）。署名日時は署名者の申告です`,
        `the signer's certificate has expired since the signature was made (${iso(leaf.notAfter)}); the signing time is the signer's own claim`,
      ),
    );
  }
  if (problems.length > 0) return { ...found, status: 'invalid', altered, problems, warnings };

  // 6. Trust.
  const anchors = trustAnchors(options.trustedRootsPem ?? []);
  if (await isTrusted(chain, anchors)) return { ...found, status: 'valid', altered: false, problems: [], warnings };
  return {
    ...found,
    status: 'untrusted',
    altered: false,
    problems: [untrustedProblem(chain, anchors.length)],
    warnings,
  };
}

function untrustedProblem(chain: readonly x509.X509Certificate[], anchors: number): SignatureProblem {
  const root = chain[chain.length - 1]!;
  const name = root.subject === root.issuer ? root.subject : root.issuer;
  return anchors === 0
    ? problem(
        'untrusted-root',
        `内容は改ざんされておらず証明書チェーンも整合していますが、信頼するルート証明書が指定されていないため、署名者（発行元 ${name}）を確認できません`,
        `the content is intact and the certificate chain is consistent, but no trusted root was given, so the signer (issued by ${name}) cannot be confirmed`,
      )
    : problem(
        'untrusted-root',
        `内容は改ざんされておらず証明書チェーンも整合していますが、チェーンのルート（${name}）が信頼リストにありません。署名者を確認できません`,
        `the content is intact and the certificate chain is consistent, but its root (${name}) is not in the trust list: the signer cannot be confirmed`,
      );
}
