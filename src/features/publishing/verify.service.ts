import type { Kysely } from 'kysely';
import { canonicalContent } from '../../db/hash.js';
import type { Database } from '../../db/schema.js';
import { FormatError } from '../../formats/errors.js';
import { extractDocument } from '../../formats/index.js';
import { looksLikeSignedStatement } from '../../formats/signed-json/signed-json.js';
import { AppError } from '../../server/errors.js';
import { verifyOnInstance } from '../signing/signing.service.js';
import type { VerifyResult } from './publishing.schema.js';

function unsigned(format: string, en: string, ja: string): VerifyResult {
  return {
    status: 'invalid',
    altered: false,
    signer: null,
    signedAt: null,
    problems: [{ ja, en }],
    registeredTo: null,
    format,
    statement: null,
    publication: null,
  };
}

/**
 * Verifies an uploaded file (signed JSON, standalone HTML or an OpenMDS PDF) against the instance CA and the keys
 * registered on this instance, and finds the publication with the same content.
 */
export async function verifyUploadedFile(db: Kysely<Database>, data: Uint8Array, now: string): Promise<VerifyResult> {
  let doc: unknown;
  let format: string;
  try {
    const extracted = extractDocument(data);
    doc = extracted.value;
    format = extracted.format;
  } catch (e) {
    if (e instanceof FormatError) throw new AppError('invalid-input', { message: `file: ${e.message}` });
    throw e;
  }
  if (!looksLikeSignedStatement(doc)) {
    return unsigned(
      format,
      'the file carries no signature: it is not a signed statement (openmds-signed-statement)',
      'このファイルには署名がありません（署名付き開示書 openmds-signed-statement ではありません）',
    );
  }
  const { verification: v, registered } = await verifyOnInstance(db, doc, new Date(now));
  let publication: VerifyResult['publication'] = null;
  if (v.statement !== undefined && !v.altered && registered !== undefined) {
    const hash = canonicalContent(v.statement).hash;
    const row = await db
      .selectFrom('publications')
      .select(['id', 'withdrawn_at', 'visibility'])
      .where('content_hash', '=', hash)
      .where('org_id', '=', registered.orgId)
      .where('visibility', '=', 'public')
      .orderBy('published_at', 'desc')
      .executeTakeFirst();
    if (row !== undefined) publication = { id: row.id, withdrawn: row.withdrawn_at !== null };
  }
  return {
    status: v.status,
    altered: v.altered,
    signer: v.signer === undefined ? null : { ...v.signer, organization: v.signer.organization ?? '' },
    signedAt: v.signedAt ?? null,
    problems: [...v.problems, ...v.warnings],
    registeredTo: registered === undefined ? null : { orgId: registered.orgId, name: registered.orgName },
    format,
    statement:
      v.statement === undefined
        ? null
        : {
            template: v.statement.template,
            header: Object.fromEntries(
              Object.entries(v.statement.header).filter((e): e is [string, string] => typeof e[1] === 'string'),
            ),
            revision: v.statement.revision,
          },
    publication,
  };
}
