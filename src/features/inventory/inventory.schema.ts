import { Type, type Static } from '@sinclair/typebox';
import { SignerSchema } from '../publishing/publishing.schema.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Localized = Type.Object({ ja: Type.String(), en: Type.String() });

export const OrgParamsSchema = Type.Object({ orgId: Id });
export const SystemParamsSchema = Type.Object({ orgId: Id, systemId: Id });
export const LinkParamsSchema = Type.Object({ orgId: Id, systemId: Id, sourceId: Id });

// ---- Systems ---------------------------------------------------------------------------------------------------

export const CONNECTIONS = [
  'internal-only',
  'external',
  'remote-maintenance',
  'wireless',
  'removable-media',
  'scanning',
] as const;
export type Connection = (typeof CONNECTIONS)[number];

// An enum rather than a union of literals, so that a wrong value is answered "must be equal to one of the allowed
// values" instead of one "must be equal to constant" per member.
export const ConnectionSchema = Type.Unsafe<Connection>({
  type: 'string',
  enum: [...CONNECTIONS],
  description:
    'internal-only: only the hospital network (excludes external and remote-maintenance); external: the ' +
    'internet or other organizations; remote-maintenance: the vendor connects in; wireless; removable-media ' +
    '(USB memory, discs); scanning: part of the hospital’s vulnerability scanning',
});

const Text = (maxLength: number) => Type.String({ maxLength });

const systemFields = {
  manufacturer: Text(200),
  product: Text(200),
  productVersion: Text(100),
  department: Text(200),
  location: Text(200),
  owner: Text(200),
  patientData: Type.Boolean({ description: 'The system handles patient information' }),
  connections: Type.Array(ConnectionSchema, { uniqueItems: true, maxItems: CONNECTIONS.length }),
  notes: Text(5000),
};

const Name = Type.String({ minLength: 1, maxLength: 200, description: 'Unique in the organization' });

export const CreateSystemSchema = Type.Object(
  {
    name: Name,
    manufacturer: Type.Optional(systemFields.manufacturer),
    product: Type.Optional(systemFields.product),
    productVersion: Type.Optional(systemFields.productVersion),
    department: Type.Optional(systemFields.department),
    location: Type.Optional(systemFields.location),
    owner: Type.Optional(systemFields.owner),
    patientData: Type.Optional(systemFields.patientData),
    connections: Type.Optional(systemFields.connections),
    notes: Type.Optional(systemFields.notes),
  },
  { additionalProperties: false },
);
export type CreateSystemInput = Static<typeof CreateSystemSchema>;

export const UpdateSystemSchema = Type.Partial(CreateSystemSchema, { additionalProperties: false, minProperties: 1 });
export type UpdateSystemInput = Static<typeof UpdateSystemSchema>;

export const SystemSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  ...systemFields,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  /** How many statements the system relies on. */
  statementCount: Type.Integer({ minimum: 0 }),
});
export type SystemView = Static<typeof SystemSchema>;

// ---- Statement sources ----------------------------------------------------------------------------------------

export const SignatureStatusSchema = Type.Union(
  [Type.Literal('valid'), Type.Literal('untrusted'), Type.Literal('invalid'), Type.Literal('unsigned')],
  {
    description:
      'valid: signed, intact, and the chain leads to this instance’s CA or a key registered here; untrusted: ' +
      'intact but signed under a root this instance does not know; invalid: altered or broken; unsigned: no signature',
  },
);
export type SignatureStatus = Static<typeof SignatureStatusSchema>;

export const StoredSignatureCheckSchema = Type.Object(
  {
    altered: Type.Boolean({ description: 'The content was changed after signing' }),
    signer: Nullable(SignerSchema),
    issuer: Nullable(Type.String()),
    signedAt: Nullable(Type.String()),
    problems: Type.Array(Type.Object({ code: Type.String(), ja: Type.String(), en: Type.String() })),
    /** The organization on this instance whose registered key made the signature. */
    registeredTo: Nullable(Type.Object({ orgId: Type.String(), name: Type.String() })),
    checkedAt: Type.String({ format: 'date-time' }),
  },
  { description: 'The signature check made when the statement was added, kept as it was' },
);
export type StoredSignatureCheck = Static<typeof StoredSignatureCheckSchema>;

const sourceSummaryFields = {
  id: Type.String(),
  kind: Type.Union([Type.Literal('publication'), Type.Literal('file')], {
    description: 'publication: added from a publication on this instance; file: an imported file',
  }),
  /** The publication it came from: kind publication, or a signed file whose content is a publication here. */
  publicationId: Nullable(Type.String()),
  fileName: Nullable(Type.String()),
  format: Type.String({ description: 'json, csv, xlsx, mds2-xlsx, html, pdf; publication' }),
  template: Type.Object({ id: Type.String(), edition: Type.String() }),
  manufacturer: Type.String(),
  product: Type.String(),
  productVersion: Type.String(),
  statementDate: Type.String({ description: 'The statement’s own date (作成日), as written' }),
  signatureStatus: SignatureStatusSchema,
  addedAt: Type.String({ format: 'date-time' }),
};

export const SourceSummarySchema = Type.Object(sourceSummaryFields);
export type SourceSummary = Static<typeof SourceSummarySchema>;

export const SourceSchema = Type.Object({
  ...sourceSummaryFields,
  contentHash: Type.String({ description: 'sha256 of the RFC 8785 canonical statement' }),
  signature: StoredSignatureCheckSchema,
  addedBy: Nullable(Type.Object({ id: Type.String(), name: Type.String() })),
  /** The systems that rely on it, by name. */
  systems: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
});
export type SourceView = Static<typeof SourceSchema>;

export const ImportedSourceSchema = Type.Object({
  ...SourceSchema.properties,
  duplicate: Type.Boolean({ description: 'The same statement was held already: this is the existing one' }),
});
export type ImportedSource = Static<typeof ImportedSourceSchema>;

export const ImportQuerySchema = Type.Object(
  { file: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'The file’s name' })) },
  { additionalProperties: false },
);

export const FromPublicationBodySchema = Type.Object({ publicationId: Id }, { additionalProperties: false });

export const FileResultSchema = Type.Object({
  name: Type.String({ description: 'The file’s path inside the archive' }),
  ok: Type.Boolean(),
  /** Why the file was not imported, naming the place in it; null when it was. */
  error: Nullable(Type.String()),
  sourceId: Nullable(Type.String()),
  duplicate: Type.Boolean(),
  signatureStatus: Nullable(SignatureStatusSchema),
});
export type FileResult = Static<typeof FileResultSchema>;

export const ZipImportResultSchema = Type.Object({
  files: Type.Array(FileResultSchema),
  imported: Type.Integer({ description: 'New statements' }),
  duplicates: Type.Integer({ description: 'Statements held already' }),
  failed: Type.Integer(),
  /** Folders and system files (__MACOSX/, .DS_Store, Thumbs.db …) that were not read. */
  skipped: Type.Array(Type.String()),
});
export type ZipImportResult = Static<typeof ZipImportResultSchema>;

// ---- A system with its statements -------------------------------------------------------------------------------

export const SystemDetailSchema = Type.Object({
  ...SystemSchema.properties,
  /** The statements the system relies on, most recently linked first. */
  statements: Type.Array(SourceSummarySchema),
});
export type SystemDetail = Static<typeof SystemDetailSchema>;

export const LinkBodySchema = Type.Object({ sourceId: Id }, { additionalProperties: false });

// ---- Coverage ---------------------------------------------------------------------------------------------------

export const CoverageReasonSchema = Type.Object({
  code: Type.Union([
    Type.Literal('version-mismatch'),
    Type.Literal('newer-revision'),
    Type.Literal('older-than-3-years'),
  ]),
  message: Localized,
  /** version-mismatch: the two versions. */
  systemVersion: Type.Optional(Type.String()),
  statementVersion: Type.Optional(Type.String()),
  /** newer-revision: the newer publication. */
  publicationId: Type.Optional(Type.String()),
  revision: Type.Optional(Type.Integer()),
  publishedAt: Type.Optional(Type.String()),
  /** older-than-3-years: the statement's date and the earliest date still current. */
  statementDate: Type.Optional(Type.String()),
  currentSince: Type.Optional(Type.String()),
});
export type CoverageReason = Static<typeof CoverageReasonSchema>;

export const CoverageStatusSchema = Type.Union(
  [Type.Literal('none'), Type.Literal('outdated'), Type.Literal('withdrawn'), Type.Literal('current')],
  {
    description:
      'none: no statement; withdrawn: the publication was withdrawn; outdated: for another version, a newer ' +
      'revision is published, or dated more than 3 years ago; current: none of these',
  },
);
export type CoverageStatus = Static<typeof CoverageStatusSchema>;

export const CoverageStatementSchema = Type.Object({
  source: SourceSummarySchema,
  status: Type.Union([Type.Literal('current'), Type.Literal('outdated'), Type.Literal('withdrawn')]),
  withdrawn: Nullable(Type.Object({ at: Type.String(), reason: Type.String() })),
  reasons: Type.Array(CoverageReasonSchema),
});
export type CoverageStatement = Static<typeof CoverageStatementSchema>;

export const CoverageSchema = Type.Object({
  /** The day (Japan time) the statuses were worked out for. */
  asOf: Type.String({ format: 'date' }),
  counts: Type.Object({
    systems: Type.Integer(),
    none: Type.Integer(),
    outdated: Type.Integer(),
    withdrawn: Type.Integer(),
    current: Type.Integer(),
  }),
  systems: Type.Array(
    Type.Object({
      system: Type.Object({
        id: Type.String(),
        name: Type.String(),
        manufacturer: Type.String(),
        product: Type.String(),
        productVersion: Type.String(),
        department: Type.String(),
      }),
      /** The best status among its statements: one current statement covers the system. */
      status: CoverageStatusSchema,
      statements: Type.Array(CoverageStatementSchema),
    }),
  ),
});
export type Coverage = Static<typeof CoverageSchema>;
