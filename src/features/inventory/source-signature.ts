import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Statement } from '../../domain/statement.js';
import { verifySignedStatement } from '../../signing/verify-signed-statement.js';
import { findKeyByCertificate, instanceCaCertificate } from '../signing/signing.service.js';
import type { SignatureStatus, StoredSignatureCheck } from './inventory.schema.js';

type Queryable = Kysely<Database> | Transaction<Database>;

export interface SourceSignature {
  status: SignatureStatus;
  check: StoredSignatureCheck;
  /** The statement as signed, when the signature is intact (valid or untrusted). */
  signedStatement?: Statement;
}

/** The check kept for a file that carries no signature. */
export function unsignedCheck(now: string): SourceSignature {
  return {
    status: 'unsigned',
    check: {
      altered: false,
      signer: null,
      issuer: null,
      signedAt: null,
      problems: [],
      registeredTo: null,
      checkedAt: now,
    },
  };
}

/**
 * Verifies a signed document as POST /verify does: against the instance CA, and, when the signer's certificate is
 * that of a key registered on this instance, also against that key's chain root (a registered key vouches for its
 * own chain). Never throws for a bad document: every defect is a problem of an 'invalid' check.
 *
 * verify.service.ts does the same on an uploaded file and answers a different shape (it also looks for the public
 * publication); the two passes are repeated here rather than reshaping that service.
 */
export async function checkSourceSignature(db: Queryable, doc: unknown, now: string): Promise<SourceSignature> {
  const at = new Date(now);
  const ca = await instanceCaCertificate(db);
  const first = await verifySignedStatement(doc, { ...(ca === undefined ? {} : { trustedRootsPem: [ca] }), now: at });
  const registered =
    first.signer === undefined ? undefined : await findKeyByCertificate(db, first.signer.certificateSha256);
  const v =
    registered !== undefined && first.status === 'untrusted'
      ? await verifySignedStatement(doc, {
          trustedRootsPem: [...(ca === undefined ? [] : [ca]), ...registered.chainPem.slice(-1)],
          now: at,
        })
      : first;
  return {
    status: v.status,
    check: {
      altered: v.altered,
      signer:
        v.signer === undefined
          ? null
          : {
              subject: v.signer.subject,
              organization: v.signer.organization ?? '',
              issuer: v.signer.issuer,
              serialNumber: v.signer.serialNumber,
              notBefore: v.signer.notBefore,
              notAfter: v.signer.notAfter,
              certificateSha256: v.signer.certificateSha256,
            },
      issuer: v.signer?.issuer ?? null,
      signedAt: v.signedAt ?? null,
      problems: [...v.problems, ...v.warnings].map((p) => ({ code: p.code, ja: p.ja, en: p.en })),
      registeredTo: registered === undefined ? null : { orgId: registered.orgId, name: registered.orgName },
      checkedAt: now,
    },
    ...(v.statement !== undefined && v.status !== 'invalid' ? { signedStatement: v.statement } : {}),
  };
}
