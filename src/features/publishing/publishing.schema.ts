import { Type, type Static } from '@sinclair/typebox';
import { StatementSchema } from '../../domain/statement.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const Localized = Type.Object({ ja: Type.Optional(Type.String()), en: Type.Optional(Type.String()) });

export const VisibilitySchema = Type.Union([Type.Literal('public'), Type.Literal('restricted')], {
  description: 'public: listed in the directory; restricted: only named or granted hospital organizations',
});

export const FILE_FORMATS = ['json', 'pdf', 'xlsx', 'html', 'csv'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];
export const FileFormatSchema = Type.Union(FILE_FORMATS.map((f) => Type.Literal(f)));

export const CountsSchema = Type.Object({
  yes: Type.Integer(),
  no: Type.Integer(),
  na: Type.Integer(),
  other: Type.Integer(),
  unanswered: Type.Integer(),
});

export const PublicationSummarySchema = Type.Object({
  id: Type.String({ description: 'The publication id: the stable link /directory/{id}' }),
  statementId: Type.String(),
  revision: Type.Integer(),
  visibility: VisibilitySchema,
  manufacturer: Type.Object({ orgId: Type.String(), name: Type.String() }),
  product: Type.Object({ id: Type.String(), name: Type.String(), category: Type.String() }),
  productVersion: Type.String(),
  template: Type.Object({ id: Type.String(), edition: Type.String(), title: Localized }),
  publishedAt: Type.String(),
  contentHash: Type.String(),
  withdrawn: Type.Union([Type.Object({ at: Type.String(), reason: Type.String() }), Type.Null()]),
});
export type PublicationSummary = Static<typeof PublicationSummarySchema>;

export const SignerSchema = Type.Object({
  subject: Type.String(),
  organization: Type.String(),
  issuer: Type.String(),
  serialNumber: Type.String(),
  notBefore: Type.String(),
  notAfter: Type.String(),
  certificateSha256: Type.String(),
});

export const SignatureCheckSchema = Type.Object({
  status: Type.Union([Type.Literal('valid'), Type.Literal('untrusted'), Type.Literal('invalid')]),
  altered: Type.Boolean(),
  signer: Type.Union([SignerSchema, Type.Null()]),
  signedAt: Type.Union([Type.String(), Type.Null()]),
  problems: Type.Array(Localized),
  /** The organization on this instance whose registered key made the signature, when one did. */
  registeredTo: Type.Union([Type.Object({ orgId: Type.String(), name: Type.String() }), Type.Null()]),
});
export type SignatureCheck = Static<typeof SignatureCheckSchema>;

export const RevisionEntrySchema = Type.Object({
  id: Type.String(),
  revision: Type.Integer(),
  visibility: VisibilitySchema,
  publishedAt: Type.String(),
  withdrawn: Type.Union([Type.Object({ at: Type.String(), reason: Type.String() }), Type.Null()]),
});

export const PublicationDetailSchema = Type.Object({
  publication: PublicationSummarySchema,
  /** full: the statement and files; metadata: a restricted publication the caller may not read. */
  access: Type.Union([Type.Literal('full'), Type.Literal('metadata')]),
  statement: Type.Union([StatementSchema, Type.Null()]),
  counts: Type.Union([CountsSchema, Type.Null()]),
  signature: Type.Union([SignatureCheckSchema, Type.Null()]),
  /** Every publication of the same statement the caller may see, newest first. */
  revisions: Type.Array(RevisionEntrySchema),
  files: Type.Array(Type.Object({ format: FileFormatSchema, url: Type.String() })),
  /** A signed-in hospital member without access may ask the manufacturer for it. */
  canRequestAccess: Type.Boolean(),
});
export type PublicationDetail = Static<typeof PublicationDetailSchema>;

export const DirectoryQuerySchema = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Words in the manufacturer, product or version' })),
  manufacturer: Type.Optional(Type.String({ maxLength: 64, description: 'A manufacturer organization id' })),
  category: Type.Optional(Type.String({ maxLength: 32 })),
  template: Type.Optional(
    Type.String({ maxLength: 100, description: 'TEMPLATE or TEMPLATE@EDITION, e.g. jahis-jira-mds@2' }),
  ),
  answer: Type.Optional(
    Type.Union([Type.String({ maxLength: 100 }), Type.Array(Type.String({ maxLength: 100 }), { maxItems: 20 })], {
      description: 'ROW:ANSWER, repeatable, all must hold; e.g. answer=4.1-d:yes&answer=12.4:yes',
    }),
  ),
  withdrawn: Type.Optional(Type.Boolean({ description: 'Include withdrawn publications (default false)' })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 1 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
});
export type DirectoryQuery = Static<typeof DirectoryQuerySchema>;

export const DirectoryPageSchema = Type.Object({
  items: Type.Array(Type.Composite([PublicationSummarySchema, Type.Object({ counts: CountsSchema })])),
  total: Type.Integer(),
  page: Type.Integer(),
  pageSize: Type.Integer(),
  pages: Type.Integer(),
});
export type DirectoryPage = Static<typeof DirectoryPageSchema>;

export const PublicationParamsSchema = Type.Object({ publicationId: Id });
export const FileParamsSchema = Type.Object({ publicationId: Id, format: FileFormatSchema });
export const OrgParamsSchema = Type.Object({ orgId: Id });
export const OrgPublicationParamsSchema = Type.Object({ orgId: Id, publicationId: Id });
export const PublishParamsSchema = Type.Object({ orgId: Id, id: Id, rev: Type.Integer({ minimum: 1 }) });

export const PublishBodySchema = Type.Object(
  {
    visibility: VisibilitySchema,
    /** Hospital organizations that may read a restricted publication (a grant for this product each). */
    grantees: Type.Optional(Type.Array(Id, { maxItems: 200 })),
    grantExpiresAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
  },
  { additionalProperties: false },
);

export const WithdrawBodySchema = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 2000 }) },
  { additionalProperties: false },
);

export const OrgPublicationSchema = Type.Composite([
  PublicationSummarySchema,
  Type.Object({ holders: Type.Integer({ description: 'Hospital organizations holding it' }) }),
]);

export const SigningKeySchema = Type.Object({
  id: Type.String(),
  source: Type.Union([Type.Literal('instance-ca'), Type.Literal('uploaded')]),
  subject: Type.String(),
  issuer: Type.String(),
  notBefore: Type.String(),
  notAfter: Type.String(),
  certificateSha256: Type.String(),
  createdAt: Type.String(),
  chainPem: Type.Array(Type.String()),
});
export const SigningKeysSchema = Type.Object({
  current: Type.Union([SigningKeySchema, Type.Null()]),
  retired: Type.Array(SigningKeySchema),
});
export const UploadKeyBodySchema = Type.Object(
  {
    certificateChainPem: Type.String({ minLength: 1, maxLength: 100_000 }),
    privateKeyPem: Type.String({ minLength: 1, maxLength: 20_000 }),
  },
  { additionalProperties: false },
);

export const VerifyResultSchema = Type.Composite([
  SignatureCheckSchema,
  Type.Object({
    /** The file's format as detected: signed JSON, standalone HTML or PDF. */
    format: Type.String(),
    statement: Type.Union([
      Type.Object({
        template: Type.Object({ id: Type.String(), edition: Type.String() }),
        header: Type.Record(Type.String(), Type.String()),
        revision: Type.Integer(),
      }),
      Type.Null(),
    ]),
    /** The publication on this instance with the same content, when there is one. */
    publication: Type.Union([Type.Object({ id: Type.String(), withdrawn: Type.Boolean() }), Type.Null()]),
  }),
]);
export type VerifyResult = Static<typeof VerifyResultSchema>;
