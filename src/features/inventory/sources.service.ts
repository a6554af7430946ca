import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { canonicalContent } from '../../db/hash.js';
import { isUniqueViolation } from '../../db/errors.js';
import type { Database } from '../../db/schema.js';
import type { Statement } from '../../domain/statement.js';
import { builtinTemplates } from '../../domain/templates/registry.js';
import type { TemplateLookup } from '../../domain/validation.js';
import { FormatError } from '../../formats/errors.js';
import { extractDocument, importStatement, type ImportFormat } from '../../formats/index.js';
import { looksLikeSignedStatement } from '../../formats/signed-json/signed-json.js';
import { requireUser } from '../../security/access.js';
import { AUDIT_ACTIONS, writeAudit } from '../../security/audit.js';
import type { RequestContext } from '../../security/context.js';
import { AppError } from '../../server/errors.js';
import { canReadPublication } from '../publishing/publishing.service.js';
import {
  findSourceByHash,
  insertSource,
  listLinks,
  listSources as listSourceRows,
  publicationWithDocument,
  readablePublicationWithContent,
  systemsRelyingOn,
  type NewSource,
  type SourceRecord,
} from './inventory.repository.js';
import type { FileResult, ImportedSource, SourceView, ZipImportResult } from './inventory.schema.js';
import { asMemberOf, requireInventory, sourceView } from './inventory.views.js';
import { applyNewRevision } from './new-revision.service.js';
import { checkSourceSignature, unsignedCheck, type SourceSignature } from './source-signature.js';
import { readStatementArchive } from './statement-archive.js';

export interface InventoryDeps {
  templates: TemplateLookup;
  /** Where an unexpected failure while importing one file of many is logged (the file is reported as failed). */
  log?: (error: unknown, fileName: string) => void;
}

/** A file to import: its name (for format detection and the record) and its bytes. */
export interface ImportFile {
  name: string;
  data: Uint8Array;
}

/** Formats that can carry a signed document (the JSON itself, or the JSON inside HTML and PDF). */
const SIGNABLE: ReadonlySet<ImportFormat> = new Set<ImportFormat>(['json', 'html', 'pdf']);

/** What a file holds, read and checked, before anything is stored. */
interface Read {
  statement: Statement;
  format: string;
  content: { json: string; hash: string };
  /** The signed document as found in the file, when it claims to be one (verified or not). */
  signed?: unknown;
}

/**
 * The content a file is recognised by when it comes again: the statement as imported, without the time and file name of
 * the import that importers such as the MDS2 workbook's stamp into its provenance (the same workbook imported twice,
 * or renamed, is the same statement). The stored content keeps them.
 */
function contentOf(statement: Statement): { json: string; hash: string } {
  const content = canonicalContent(statement);
  if (statement.provenance === undefined) return content;
  const timeless = {
    ...statement,
    provenance: statement.provenance.map((p) => {
      if (p.kind !== 'imported') return p;
      const { at: _at, file: _file, ...rest } = p;
      return rest;
    }),
  };
  return { json: content.json, hash: canonicalContent(timeless).hash };
}

/** Reads a file in any importable format; throws FormatError naming the place. */
async function readFile(file: ImportFile, templates: TemplateLookup): Promise<Read> {
  const imported = await importStatement(file.data, { file: file.name, templates });
  const { id, edition } = imported.statement.template;
  if (templates.get(id, edition) === undefined) {
    throw new FormatError(imported.format, 'template', `${id}@${edition} is not a template this instance knows`);
  }
  let signed: unknown;
  if (SIGNABLE.has(imported.format)) {
    // Read the document again the way verification does: a signed file whose envelope is damaged still counts as
    // signed (and fails the check) instead of passing for unsigned, and one that repeats a key is refused.
    const doc = extractDocument(file.data, file.name).value;
    if (looksLikeSignedStatement(doc)) signed = doc;
  }
  return {
    statement: imported.statement,
    format: imported.format,
    content: contentOf(imported.statement),
    ...(signed === undefined ? {} : { signed }),
  };
}

async function systemsOf(db: Kysely<Database>, orgId: string): Promise<Map<string, { id: string; name: string }[]>> {
  const bySource = new Map<string, { id: string; name: string }[]>();
  for (const l of await listLinks(db, orgId)) {
    const list = bySource.get(l.sourceId) ?? [];
    list.push({ id: l.systemId, name: l.systemName });
    bySource.set(l.sourceId, list);
  }
  for (const list of bySource.values()) list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return bySource;
}

async function viewOf(db: Kysely<Database>, source: SourceRecord, duplicate: boolean): Promise<ImportedSource> {
  return { ...sourceView(source, await systemsRelyingOn(db, source.id)), duplicate };
}

/** The statements the hospital holds, most recently added first, with the systems relying on each. */
export async function listSources(db: Kysely<Database>, ctx: RequestContext, orgId: string): Promise<SourceView[]> {
  requireInventory(ctx, orgId, 'inventory.read');
  const [sources, systems] = await Promise.all([listSourceRows(db, orgId), systemsOf(db, orgId)]);
  return sources.map((s) => sourceView(s, systems.get(s.id) ?? []));
}

interface Store {
  orgId: string;
  content: { json: string; hash: string };
  /** Everything else of the row, given the signature check. */
  row: (signature: SourceSignature) => Promise<Omit<NewSource, 'id' | 'orgId' | 'content' | 'contentHash'>>;
  signed: unknown;
  /** Audited with the addition (in the same transaction). */
  also?: (trx: Transaction<Database>) => Promise<void>;
  /** For re-drafting assessments when the statement is a newer revision of one the systems rely on. */
  templates: TemplateLookup;
}

/**
 * Stores a statement unless the organization holds the same content already (then the existing source comes back,
 * `duplicate`). The signature is checked before the transaction opens (it is slow and reads only keys); the row
 * and its audit record are written together.
 */
async function store(db: Kysely<Database>, ctx: RequestContext, s: Store): Promise<ImportedSource> {
  const held = await findSourceByHash(db, s.orgId, s.content.hash);
  if (held !== undefined) return viewOf(db, held, true);
  const now = ctx.now();
  const signature = s.signed === undefined ? unsignedCheck(now) : await checkSourceSignature(db, s.signed, now);
  const rest = await s.row(signature);
  const id = randomUUID();
  try {
    const added = await db.transaction().execute(async (trx) => {
      const again = await findSourceByHash(trx, s.orgId, s.content.hash);
      if (again !== undefined) return { source: again, duplicate: true };
      await insertSource(trx, { ...rest, id, orgId: s.orgId, content: s.content.json, contentHash: s.content.hash });
      await writeAudit(trx, {
        ctx,
        orgId: s.orgId,
        action: AUDIT_ACTIONS.SOURCE_ADD,
        objectType: 'statement-source',
        objectId: id,
        outcome: 'success',
        details: {
          kind: rest.kind,
          publicationId: rest.publicationId,
          fileName: rest.fileName,
          format: rest.format,
          template: `${rest.templateId}@${rest.templateEdition}`,
          product: rest.product,
          version: rest.productVersion,
          signatureStatus: rest.signatureStatus,
        },
      });
      await s.also?.(trx);
      // A newer revision of a statement systems rely on replaces it, and their assessments follow.
      await applyNewRevision(trx, { templates: s.templates }, ctx, { orgId: s.orgId, sourceId: id });
      const source = await findSourceByHash(trx, s.orgId, s.content.hash);
      if (source === undefined) throw new AppError('internal', { message: 'the statement source vanished' });
      return { source, duplicate: false };
    });
    return viewOf(db, added.source, added.duplicate);
  } catch (e) {
    // The same content added by another request meanwhile: the constraint answers, and that one is the source.
    if (!isUniqueViolation(e)) throw e;
    const winner = await findSourceByHash(db, s.orgId, s.content.hash);
    if (winner === undefined) throw e;
    return viewOf(db, winner, true);
  }
}

/** Reads, checks and stores one file for an organization whose access was checked. Throws FormatError. */
async function importOne(
  db: Kysely<Database>,
  templates: TemplateLookup,
  ctx: RequestContext,
  orgId: string,
  file: ImportFile,
): Promise<ImportedSource> {
  const user = requireUser(ctx.actor);
  const read = await readFile(file, templates);
  const header = read.statement.header;
  return store(db, ctx, {
    orgId,
    templates,
    content: read.content,
    signed: read.signed,
    row: async (signature) => ({
      kind: 'file',
      // A signed file from this instance's directory keeps track of its publication: withdrawal, newer revisions.
      publicationId:
        signature.status === 'valid' && signature.check.registeredTo !== null && signature.signedStatement !== undefined
          ? ((
              await readablePublicationWithContent(
                db,
                signature.check.registeredTo.orgId,
                canonicalContent(signature.signedStatement).hash,
                { orgIds: [orgId], now: ctx.now() },
              )
            )?.id ?? null)
          : null,
      fileName: file.name === '' ? null : file.name,
      format: read.format,
      templateId: read.statement.template.id,
      templateEdition: read.statement.template.edition,
      manufacturer: header.manufacturer ?? '',
      product: header.product ?? '',
      productVersion: header.productVersion ?? '',
      statementDate: header.date ?? '',
      signatureStatus: signature.status,
      signature: signature.check,
      signedDocument: read.signed === undefined ? null : JSON.stringify(read.signed),
      addedBy: user.userId,
      addedAt: ctx.now(),
    }),
  });
}

/**
 * Imports one file (canonical or signed JSON, form XLSX, NEMA MDS2 workbook, standalone HTML, OpenMDS PDF, CSV).
 * A signed document is verified and the check kept ('valid', 'untrusted', 'invalid' — an altered file is stored
 * too, marked); a file without one is 'unsigned'. The same content held already answers the existing source.
 */
export async function importSource(
  db: Kysely<Database>,
  deps: InventoryDeps,
  ctx: RequestContext,
  orgId: string,
  file: { name: string | undefined; data: Uint8Array | undefined },
): Promise<ImportedSource> {
  requireInventory(ctx, orgId, 'inventory.write');
  if (file.data === undefined || file.data.length === 0) {
    throw new AppError('invalid-input', { message: 'body: send the file itself, as application/octet-stream' });
  }
  try {
    return await importOne(db, deps.templates, ctx, orgId, { name: file.name ?? '', data: file.data });
  } catch (e) {
    if (e instanceof FormatError) throw new AppError('invalid-input', { message: `file: ${e.message}` });
    throw e;
  }
}

export type ImportProgress = (done: number, total: number, result: FileResult) => void;

/**
 * Imports files one by one, each in its own transaction: a bad file is reported and never stops the others.
 * Used by the zip upload and the CLI's bulk import; `ctx` must be a member who may write the hospital's inventory.
 * `deps.templates` defaults to the built-in ones.
 */
export async function importFiles(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  files: ReadonlyArray<ImportFile>,
  onProgress?: ImportProgress,
  deps: Partial<InventoryDeps> = {},
): Promise<FileResult[]> {
  const templates = deps.templates ?? builtinTemplates();
  requireInventory(ctx, orgId, 'inventory.write');
  const results: FileResult[] = [];
  for (const file of files) {
    let result: FileResult;
    try {
      const source = await importOne(db, templates, ctx, orgId, file);
      result = {
        name: file.name,
        ok: true,
        error: null,
        sourceId: source.id,
        duplicate: source.duplicate,
        signatureStatus: source.signatureStatus,
      };
    } catch (e) {
      const shown = e instanceof FormatError || (e instanceof AppError && e.statusCode < 500);
      // Like the error handler: an unexpected failure is logged, and the client gets a generic message.
      if (!shown) deps.log?.(e, file.name);
      const error = shown ? e.message : 'the file could not be imported (an unexpected error; see the server log)';
      result = { name: file.name, ok: false, error, sourceId: null, duplicate: false, signatureStatus: null };
    }
    results.push(result);
    onProgress?.(results.length, files.length, result);
  }
  return results;
}

/** Imports every file of a zip archive (folders nest freely); the archive itself is checked first. */
export async function importArchive(
  db: Kysely<Database>,
  deps: InventoryDeps,
  ctx: RequestContext,
  orgId: string,
  data: Uint8Array | undefined,
): Promise<ZipImportResult> {
  requireInventory(ctx, orgId, 'inventory.write');
  if (data === undefined || data.length === 0) {
    throw new AppError('invalid-input', { message: 'body: send the zip archive itself, as application/octet-stream' });
  }
  const archive = readStatementArchive(data);
  const readable = archive.entries.filter((e): e is ImportFile => 'data' in e);
  const imported = await importFiles(db, ctx, orgId, readable, undefined, deps);
  let next = 0;
  const files = archive.entries.map((e): FileResult =>
    'data' in e
      ? imported[next++]!
      : { name: e.name, ok: false, error: e.error, sourceId: null, duplicate: false, signatureStatus: null },
  );
  return {
    files,
    imported: files.filter((f) => f.ok && !f.duplicate).length,
    duplicates: files.filter((f) => f.duplicate).length,
    failed: files.filter((f) => !f.ok).length,
    skipped: archive.skipped,
  };
}

/**
 * Adds a publication of this instance that the organization may read, as signed (the signature checked the same
 * way as a file's). Reading a restricted publication this way is recorded in the manufacturer's trail.
 * `deps.templates` defaults to the built-in ones.
 */
export async function addSourceFromPublication(
  db: Kysely<Database>,
  ctx: RequestContext,
  orgId: string,
  input: { publicationId: string },
  deps: Partial<InventoryDeps> = {},
): Promise<ImportedSource> {
  requireInventory(ctx, orgId, 'inventory.write');
  const user = requireUser(ctx.actor);
  const now = ctx.now();
  const publication = await publicationWithDocument(db, input.publicationId);
  if (publication === undefined) throw new AppError('not-found', { message: 'publicationId: publication not found' });
  if (!(await canReadPublication(db, asMemberOf(ctx.actor, orgId), publication.id, now))) {
    throw new AppError('forbidden', {
      message: 'publicationId: the publication is restricted and your organization has no access; request access first',
    });
  }
  if (publication.withdrawnAt !== null) {
    throw new AppError('conflict', {
      message: `publicationId: the publication was withdrawn (${publication.withdrawnReason ?? 'no reason given'})`,
    });
  }
  const signed = JSON.parse(publication.signedDocument) as { statement: Statement };
  const statement = signed.statement;
  return store(db, ctx, {
    orgId,
    templates: deps.templates ?? builtinTemplates(),
    content: canonicalContent(statement),
    signed,
    row: (signature) =>
      Promise.resolve({
        kind: 'publication',
        publicationId: publication.id,
        fileName: null,
        format: 'publication',
        templateId: statement.template.id,
        templateEdition: statement.template.edition,
        manufacturer: publication.manufacturer,
        product: publication.productName,
        productVersion: publication.productVersion,
        statementDate: statement.header.date ?? '',
        signatureStatus: signature.status,
        signature: signature.check,
        signedDocument: publication.signedDocument,
        addedBy: user.userId,
        addedAt: now,
      }),
    also: async (trx) => {
      if (publication.visibility !== 'restricted') return;
      await writeAudit(trx, {
        ctx,
        orgId: publication.orgId,
        action: AUDIT_ACTIONS.PUBLICATION_VIEW,
        objectType: 'publication',
        objectId: publication.id,
        revision: publication.revision,
        outcome: 'success',
        details: { via: 'inventory', hospitalOrgId: orgId },
      });
    },
  });
}
