/** Tables of products, product versions and the statement workflow (migration 0003-workspace). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface WorkspaceTables {}
