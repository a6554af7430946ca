import { createHash } from 'node:crypto';
import { FlattenedSign } from 'jose';
import { canonicalJson } from '../domain/canonical-json.js';
import type { CompiledTemplate } from '../domain/compiled-template.js';
import { normalizeStatement } from '../domain/normalize.js';
import { schemaCheck } from '../domain/schema-check.js';
import { StatementSchema, type Statement } from '../domain/statement.js';
import { iso, isP256 } from './certificate-chain.js';
import { SigningError, type Signer } from './certificates.js';
import { certificatesFromPem } from './pem.js';
import {
  SIGNATURE_CTY,
  SIGNATURE_TYP,
  SIGNED_STATEMENT_FORMAT,
  SIGNED_STATEMENT_FORMAT_VERSION,
  type SignatureHeader,
  type SignedStatementDocument,
} from './signed-statement.js';
import { publicKeySpki, readP256PrivateKey, toSigningCryptoKey } from './signing-keys.js';
import { x509 } from './x509.js';

const statementShape = schemaCheck<Statement>(StatementSchema);

/**
 * Signs a statement: normalizes it, and signs the UTF-8 bytes of its RFC 8785 canonical form with ES256, the chain
 * in `x5c` and the signing time in `sigT`. Throws SigningError when the statement, key or chain is unusable (a caller
 * checks uploaded keys first with `loadUploadedSigner`).
 */
export async function signStatement(
  statement: Statement,
  signer: Signer,
  options: { signedAt: Date; template?: CompiledTemplate },
): Promise<SignedStatementDocument> {
  if (!statementShape.is(statement)) {
    const first = statementShape.problems(statement)[0];
    throw new SigningError('invalid-statement', `not a valid statement: ${first?.path ?? ''}: ${first?.message ?? ''}`);
  }
  const signedAt = options.signedAt;
  if (Number.isNaN(signedAt.getTime())) throw new SigningError('invalid-time', '`signedAt` is not a valid date');
  const ders = signer.chainPem.flatMap((pem) => certificatesFromPem(pem));
  const leafDer = ders[0];
  if (leafDer === undefined) throw new SigningError('invalid-certificate', 'the signer has no certificate');
  const leaf = new x509.X509Certificate(leafDer);
  if (!isP256(leaf))
    throw new SigningError('invalid-certificate', "the signer's certificate is not an ECDSA P-256 key");
  const key = readP256PrivateKey(signer.privateKeyPem);
  if (!key.ok) throw new SigningError('invalid-key', key.problem.en);
  if (!Buffer.from(publicKeySpki(key.key)).equals(Buffer.from(leaf.publicKey.rawData))) {
    throw new SigningError('key-mismatch', 'signing key does not match certificate');
  }
  // Certificates and sigT carry whole seconds: compare at that precision, as a verifier will.
  const at = new Date(Math.floor(signedAt.getTime() / 1000) * 1000);
  if (at < leaf.notBefore || at > leaf.notAfter) {
    throw new SigningError(
      'invalid-certificate',
      `the signing certificate is not valid at ${iso(at)} (valid ${iso(leaf.notBefore)} to ${iso(leaf.notAfter)})`,
    );
  }

  const normalized = normalizeStatement(statement, options.template);
  const header: SignatureHeader = {
    alg: 'ES256',
    typ: SIGNATURE_TYP,
    cty: SIGNATURE_CTY,
    x5c: ders.map((d) => Buffer.from(d).toString('base64')),
    'x5t#S256': createHash('sha256').update(leafDer).digest('base64url'),
    sigT: iso(at),
  };
  const jws = await new FlattenedSign(new TextEncoder().encode(canonicalJson(normalized)))
    .setProtectedHeader({ ...header })
    .sign(await toSigningCryptoKey(key.key));
  return {
    format: SIGNED_STATEMENT_FORMAT,
    formatVersion: SIGNED_STATEMENT_FORMAT_VERSION,
    statement: normalized,
    signature: { protected: jws.protected ?? '', signature: jws.signature },
  };
}
