import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { fill } from '../bench/directory.bench.js';
const db = await openDatabase({ url: 'sqlite:/tmp/dir100k.sqlite' });
await migrateToLatest(db);
await fill(db);
await db.close();
console.log('built');
