import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { SigningKeySource } from '../../db/schema-publishing.js';
import { requireAccess, requireUser } from '../../security/access.js';
import { writeAudit } from '../../security/audit.js';
import type { RequestContext } from '../../security/context.js';
import { secretKeys, secretPlace } from '../../security/secret-box.js';
import { AppError } from '../../server/errors.js';
import { parseCertificates, summarizeCertificate, type CertificateSummary } from '../../signing/certificate-chain.js';
import { createInstanceCa, issueSigningCertificate, loadUploadedSigner } from '../../signing/certificates.js';
import { certificatesFromPem } from '../../signing/pem.js';
import { verifySignedStatement, type SignatureVerification } from '../../signing/verify-signed-statement.js';

/** The summary of a PEM certificate that OpenMDS itself made or already checked. */
function describeCertificate(pem: string): CertificateSummary {
  const parsed = parseCertificates(certificatesFromPem(pem));
  const cert = parsed.ok ? parsed.certificates[0] : undefined;
  if (cert === undefined) throw new Error('a stored certificate cannot be read');
  return summarizeCertificate(cert);
}

type Queryable = Kysely<Database> | Transaction<Database>;

const CA_ID = 'instance';

/** The key and chain that sign an organization's publications. */
export interface ActiveSigner {
  keyId: string;
  privateKeyPem: string;
  chainPem: string[];
  certificateSha256: string;
}

export interface SigningKeyView {
  id: string;
  source: SigningKeySource;
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  certificateSha256: string;
  createdAt: string;
  /** The certificate chain, leaf first, as PEM (public). */
  chainPem: string[];
}

/**
 * The instance CA's certificate, created on first use. Its private key never leaves the database, where it is
 * stored encrypted.
 */
export async function instanceCa(
  trx: Transaction<Database>,
  ctx: RequestContext,
): Promise<{ certificatePem: string; privateKeyPem: string }> {
  const row = await trx
    .selectFrom('signing_authorities')
    .select(['certificate_pem', 'private_key_pem'])
    .where('id', '=', CA_ID)
    .executeTakeFirst();
  const place = secretPlace('signing_authorities', 'private_key_pem', CA_ID);
  if (row !== undefined) {
    return { certificatePem: row.certificate_pem, privateKeyPem: secretKeys().open(row.private_key_pem, place) };
  }
  const at = ctx.now();
  const ca = await createInstanceCa({ name: instanceName(), now: new Date(at) });
  await trx
    .insertInto('signing_authorities')
    .values({
      id: CA_ID,
      certificate_pem: ca.certificatePem,
      // Encrypted at rest (secret-box.ts): a copy of the database alone does not give the key away.
      private_key_pem: secretKeys().seal(ca.privateKeyPem, place),
      created_at: at,
    })
    .execute();
  await writeAudit(trx, {
    ctx,
    orgId: null,
    action: 'signing-ca.create',
    objectType: 'signing-ca',
    objectId: CA_ID,
    outcome: 'success',
  });
  return ca;
}

/** The instance CA certificate (PEM), or undefined before anything was signed. */
export async function instanceCaCertificate(db: Queryable): Promise<string | undefined> {
  const row = await db
    .selectFrom('signing_authorities')
    .select('certificate_pem')
    .where('id', '=', CA_ID)
    .executeTakeFirst();
  return row?.certificate_pem;
}

/** The name the instance CA carries ("<name> OpenMDS instance CA"): OPENMDS_INSTANCE_NAME, or the host name. */
export function instanceName(): string {
  const name = process.env['OPENMDS_INSTANCE_NAME']?.trim();
  return name === undefined || name === '' ? hostname() : name;
}

async function insertKey(
  trx: Transaction<Database>,
  ctx: RequestContext,
  orgId: string,
  source: SigningKeySource,
  key: { privateKeyPem: string; chainPem: string[] },
): Promise<ActiveSigner> {
  const leaf = key.chainPem[0];
  if (leaf === undefined) throw new AppError('invalid-input', { message: 'certificateChainPem: no certificate' });
  const info = describeCertificate(leaf);
  const at = ctx.now();
  const id = randomUUID();
  await trx
    .updateTable('signing_keys')
    .set({ retired_at: at })
    .where('org_id', '=', orgId)
    .where('retired_at', 'is', null)
    .execute();
  await trx
    .insertInto('signing_keys')
    .values({
      id,
      org_id: orgId,
      source,
      certificate_chain: JSON.stringify(key.chainPem),
      private_key_pem: secretKeys().seal(key.privateKeyPem, secretPlace('signing_keys', 'private_key_pem', id)),
      certificate_sha256: info.certificateSha256,
      subject: info.subject,
      issuer: info.issuer,
      // Stored as the application writes every time (ISO 8601 with milliseconds), so they compare as text.
      not_before: new Date(info.notBefore).toISOString(),
      not_after: new Date(info.notAfter).toISOString(),
      created_by: ctx.actor.kind === 'user' ? ctx.actor.userId : null,
      created_at: at,
    })
    .execute();
  await writeAudit(trx, {
    ctx,
    orgId,
    action: 'signing-key.create',
    objectType: 'signing-key',
    objectId: id,
    outcome: 'success',
    details: { source, subject: info.subject, issuer: info.issuer, certificateSha256: info.certificateSha256 },
  });
  return {
    keyId: id,
    privateKeyPem: key.privateKeyPem,
    chainPem: key.chainPem,
    certificateSha256: info.certificateSha256,
  };
}

async function issueFromInstanceCa(
  trx: Transaction<Database>,
  ctx: RequestContext,
  orgId: string,
): Promise<ActiveSigner> {
  const org = await trx.selectFrom('organizations').select('name').where('id', '=', orgId).executeTakeFirstOrThrow();
  const ca = await instanceCa(trx, ctx);
  const issued = await issueSigningCertificate({ ca, subject: { organization: org.name }, now: new Date(ctx.now()) });
  return insertKey(trx, ctx, orgId, 'instance-ca', {
    privateKeyPem: issued.privateKeyPem,
    chainPem: [issued.certificatePem, ca.certificatePem],
  });
}

/**
 * The organization's signing key for now: the newest one not retired and still valid, or a fresh key and
 * certificate from the instance CA when there is none (the default for every manufacturer).
 */
export async function activeSigner(
  trx: Transaction<Database>,
  ctx: RequestContext,
  orgId: string,
): Promise<ActiveSigner> {
  const now = ctx.now();
  const row = await trx
    .selectFrom('signing_keys')
    .select(['id', 'private_key_pem', 'certificate_chain', 'certificate_sha256'])
    .where('org_id', '=', orgId)
    .where('retired_at', 'is', null)
    .where('not_before', '<=', now)
    .where('not_after', '>', now)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  if (row !== undefined) {
    return {
      keyId: row.id,
      privateKeyPem: secretKeys().open(row.private_key_pem, secretPlace('signing_keys', 'private_key_pem', row.id)),
      chainPem: JSON.parse(row.certificate_chain) as string[],
      certificateSha256: row.certificate_sha256,
    };
  }
  return issueFromInstanceCa(trx, ctx, orgId);
}

function keyRowToView(r: {
  id: string;
  source: SigningKeySource;
  subject: string;
  issuer: string;
  not_before: string;
  not_after: string;
  certificate_sha256: string;
  created_at: string;
  certificate_chain: string;
}): SigningKeyView {
  return {
    id: r.id,
    source: r.source,
    subject: r.subject,
    issuer: r.issuer,
    notBefore: r.not_before,
    notAfter: r.not_after,
    certificateSha256: r.certificate_sha256,
    createdAt: r.created_at,
    chainPem: JSON.parse(r.certificate_chain) as string[],
  };
}

const KEY_VIEW_COLUMNS = [
  'id',
  'source',
  'subject',
  'issuer',
  'not_before',
  'not_after',
  'certificate_sha256',
  'created_at',
  'certificate_chain',
] as const;

/** The organization's current signing certificate (null before its first publication) and the retired ones. */
export async function getSigningKeys(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
): Promise<{ current: SigningKeyView | null; retired: SigningKeyView[] }> {
  requireAccess(ctx.actor, 'org.read', { orgId, describe: 'organization' });
  const rows = await db
    .selectFrom('signing_keys')
    .select([...KEY_VIEW_COLUMNS, 'retired_at'])
    .where('org_id', '=', orgId)
    .orderBy('created_at', 'desc')
    .execute();
  const current = rows.find((r) => r.retired_at === null);
  return {
    current: current === undefined ? null : keyRowToView(current),
    retired: rows.filter((r) => r.retired_at !== null).map(keyRowToView),
  };
}

async function requireManufacturer(trx: Transaction<Database>, orgId: string): Promise<void> {
  const org = await trx.selectFrom('organizations').select('kind').where('id', '=', orgId).executeTakeFirst();
  if (org?.kind !== 'manufacturer') {
    throw new AppError('forbidden', { message: 'only a manufacturer organization signs statements' });
  }
}

/** Retires the current key and issues a fresh one from the instance CA (key rotation). */
export async function rotateSigningKey(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
): Promise<SigningKeyView> {
  requireAccess(ctx.actor, 'signing.manage', { orgId, describe: 'organization' });
  requireUser(ctx.actor);
  return db.transaction().execute(async (trx) => {
    await requireManufacturer(trx, orgId);
    const s = await issueFromInstanceCa(trx, ctx, orgId);
    const row = await trx
      .selectFrom('signing_keys')
      .select(KEY_VIEW_COLUMNS)
      .where('id', '=', s.keyId)
      .executeTakeFirstOrThrow();
    return keyRowToView(row);
  });
}

/** Replaces the current key with the organization's own certificate chain and private key (PEM). */
export async function uploadSigningKey(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  input: { certificateChainPem: string; privateKeyPem: string },
): Promise<SigningKeyView> {
  requireAccess(ctx.actor, 'signing.manage', { orgId, describe: 'organization' });
  requireUser(ctx.actor);
  const loaded = await loadUploadedSigner({
    certificateChainPem: input.certificateChainPem,
    privateKeyPem: input.privateKeyPem,
    now: new Date(ctx.now()),
  });
  if (!loaded.ok) {
    throw new AppError('invalid-input', {
      message: `certificateChainPem: ${loaded.problems.map((p) => p.en).join('; ')}`,
      details: { problems: loaded.problems },
    });
  }
  return db.transaction().execute(async (trx) => {
    await requireManufacturer(trx, orgId);
    const s = await insertKey(trx, ctx, orgId, 'uploaded', {
      privateKeyPem: loaded.signer.privateKeyPem,
      chainPem: loaded.signer.chainPem,
    });
    const row = await trx
      .selectFrom('signing_keys')
      .select(KEY_VIEW_COLUMNS)
      .where('id', '=', s.keyId)
      .executeTakeFirstOrThrow();
    return keyRowToView(row);
  });
}

/** The chain (PEM, leaf first) of a signing key, for verifying what it signed. */
export async function signingKeyChain(db: Queryable, keyId: string): Promise<string[]> {
  const row = await db
    .selectFrom('signing_keys')
    .select('certificate_chain')
    .where('id', '=', keyId)
    .executeTakeFirstOrThrow();
  return JSON.parse(row.certificate_chain) as string[];
}

/** Finds the organization whose registered key has this certificate, to name the signer of an uploaded file. */
export async function findKeyByCertificate(
  db: Queryable,
  certificateSha256: string,
): Promise<{ orgId: string; orgName: string; keyId: string; chainPem: string[] } | undefined> {
  const row = await db
    .selectFrom('signing_keys as k')
    .innerJoin('organizations as o', 'o.id', 'k.org_id')
    .select(['k.id', 'k.org_id', 'o.name', 'k.certificate_chain'])
    .where('k.certificate_sha256', '=', certificateSha256)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    orgId: row.org_id,
    orgName: row.name,
    keyId: row.id,
    chainPem: JSON.parse(row.certificate_chain) as string[],
  };
}

/**
 * Verifies a signed document as this instance sees it: against the instance CA and, when the signer's certificate
 * is that of a key registered here, also against that key's chain root (a registered key vouches for its own
 * chain). Never throws for a bad document.
 */
export async function verifyOnInstance(
  db: Queryable,
  doc: unknown,
  now: Date,
): Promise<{
  verification: SignatureVerification;
  registered: { orgId: string; orgName: string; keyId: string; chainPem: string[] } | undefined;
}> {
  const ca = await instanceCaCertificate(db);
  const first = await verifySignedStatement(doc, { ...(ca === undefined ? {} : { trustedRootsPem: [ca] }), now });
  const registered =
    first.signer === undefined ? undefined : await findKeyByCertificate(db, first.signer.certificateSha256);
  const verification =
    registered !== undefined && first.status === 'untrusted'
      ? await verifySignedStatement(doc, {
          trustedRootsPem: [...(ca === undefined ? [] : [ca]), ...registered.chainPem.slice(-1)],
          now,
        })
      : first;
  return { verification, registered };
}
