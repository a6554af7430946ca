import { Type, type Static } from '@sinclair/typebox';

export const ProductCategorySchema = Type.Union(
  [
    Type.Literal('pacs'),
    Type.Literal('ris'),
    Type.Literal('ehr'),
    Type.Literal('modality'),
    Type.Literal('viewer'),
    Type.Literal('other'),
  ],
  { description: 'PACS, RIS, EHR (電子カルテ), modality, viewer, other' },
);

const Name = Type.String({ minLength: 1, maxLength: 200 });

export const ProductVersionSchema = Type.Object({
  id: Type.String(),
  version: Type.String(),
  createdAt: Type.String(),
});

export const ProductSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  category: ProductCategorySchema,
  description: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  versions: Type.Array(ProductVersionSchema),
});

export const OrgParamsSchema = Type.Object({ orgId: Type.String({ maxLength: 64 }) });
export const ProductParamsSchema = Type.Object({
  orgId: Type.String({ maxLength: 64 }),
  productId: Type.String({ maxLength: 64 }),
});

export const CreateProductSchema = Type.Object(
  { name: Name, category: ProductCategorySchema, description: Type.Optional(Type.String({ maxLength: 5000 })) },
  { additionalProperties: false },
);
export type CreateProductInput = Static<typeof CreateProductSchema>;

export const UpdateProductSchema = Type.Object(
  {
    name: Type.Optional(Name),
    category: Type.Optional(ProductCategorySchema),
    description: Type.Optional(Type.String({ maxLength: 5000 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateProductInput = Static<typeof UpdateProductSchema>;

export const CreateVersionSchema = Type.Object(
  { version: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);
