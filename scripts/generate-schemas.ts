// Writes the published JSON Schemas into schemas/. CI fails when the committed files drift from the code
// (src/domain/published-schemas.test.ts), so run this after changing a schema: npm run generate:schemas
import { writeFileSync } from 'node:fs';
import { PUBLISHED_SCHEMAS, publishedSchemaText } from '../src/domain/published-schemas.js';

for (const name of Object.keys(PUBLISHED_SCHEMAS)) {
  const url = new URL(`../schemas/${name}`, import.meta.url);
  writeFileSync(url, publishedSchemaText(name));
  process.stdout.write(`wrote schemas/${name}\n`);
}
