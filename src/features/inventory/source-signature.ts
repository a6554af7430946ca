import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Statement } from '../../domain/statement.js';
import { verifyOnInstance } from '../signing/signing.service.js';
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

/** Verifies a signed document as POST /verify does (see verifyOnInstance). Never throws for a bad document. */
export async function checkSourceSignature(db: Queryable, doc: unknown, now: string): Promise<SourceSignature> {
  const { verification: v, registered } = await verifyOnInstance(db, doc, new Date(now));
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
