import { Type, type Static } from '@sinclair/typebox';
import { StatementSchema } from '../../domain/statement.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const OrgParamsSchema = Type.Object({ orgId: Id });
export const ItemParamsSchema = Type.Object({ orgId: Id, itemId: Id });

export const AddToCollectionBodySchema = Type.Object({ publicationId: Id }, { additionalProperties: false });
export type AddToCollectionBody = Static<typeof AddToCollectionBodySchema>;

const itemProperties = {
  id: Type.String(),
  publicationId: Type.String(),
  manufacturer: Type.Object({ id: Type.String(), name: Type.String() }),
  product: Type.Object({ id: Type.String(), name: Type.String(), version: Type.String() }),
  template: Type.Object({ id: Type.String(), edition: Type.String() }),
  statementId: Type.String(),
  revision: Type.Integer({ minimum: 1 }),
  visibility: Type.Union([Type.Literal('public'), Type.Literal('restricted')]),
  publishedAt: Type.String({ format: 'date-time' }),
  receivedAt: Type.String({ format: 'date-time' }),
  requestId: Nullable(Type.String({ description: 'The request this publication answered' })),
  withdrawn: Nullable(Type.Object({ at: Type.String({ format: 'date-time' }), reason: Type.String() })),
  newerRevision: Nullable(
    Type.Object(
      { publicationId: Type.String(), revision: Type.Integer(), publishedAt: Type.String({ format: 'date-time' }) },
      { description: 'The latest publication of the same statement you may read, when newer than the one held' },
    ),
  ),
};

export const CollectionItemSchema = Type.Object(itemProperties, { additionalProperties: false });

export const CollectionItemDetailSchema = Type.Object(
  { ...itemProperties, statement: StatementSchema },
  { additionalProperties: false },
);
