import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testDatabases } from '../../test/support/databases.js';
import type { Db } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { blockedFor, clearFailures, recordFailure, THROTTLE, throttleKey } from './throttle.js';

const MINUTE = 60_000;

describe.each(testDatabases())('the sign-in throttle on $name', (database) => {
  let db: Db;
  beforeEach(async () => {
    db = await database.open();
    await migrateToLatest(db);
  });
  afterEach(async () => {
    await db.close();
  });

  const key = throttleKey('email', 'Sato@Example.jp');
  const at = (base: number, ms: number) => new Date(base + ms);

  it('keys by lower-cased email and by address', () => {
    expect(key).toBe('email:sato@example.jp');
    expect(throttleKey('ip', '192.0.2.1')).toBe('ip:192.0.2.1');
  });

  it('blocks from the 5th failure, doubling up to 15 minutes', async () => {
    const t0 = Date.parse('2026-11-25T09:00:00Z');
    let now = t0;
    const blocks: number[] = [];
    for (let i = 1; i <= 10; i++) {
      blocks.push(await recordFailure(db.kysely, [key], new Date(now)));
      // Wait out each block, then fail again at once.
      now += blocks.at(-1)! * 1000 + 1000;
    }
    expect(blocks).toEqual([0, 0, 0, 0, 60, 120, 240, 480, 900, 900]);
    expect(THROTTLE.maxBlockMs).toBe(15 * MINUTE);
  });

  it('answers the seconds left while blocked, and nothing once it is over', async () => {
    const t0 = Date.parse('2026-11-25T09:00:00Z');
    for (let i = 0; i < 5; i++) await recordFailure(db.kysely, [key], at(t0, i * 1000));
    expect(await blockedFor(db.kysely, [key, throttleKey('ip', '192.0.2.1')], at(t0, 4000))).toBe(60);
    expect(await blockedFor(db.kysely, [key], at(t0, 34_000))).toBe(30);
    expect(await blockedFor(db.kysely, [key], at(t0, 64_001))).toBe(0);
  });

  it('starts a new streak after 15 quiet minutes', async () => {
    const t0 = Date.parse('2026-11-25T09:00:00Z');
    for (let i = 0; i < 4; i++) await recordFailure(db.kysely, [key], at(t0, i * 1000));
    // 15 minutes later, four more failures do not block: the streak began again.
    for (let i = 0; i < 4; i++) expect(await recordFailure(db.kysely, [key], at(t0, 15 * MINUTE + 4000 + i))).toBe(0);
    expect(await recordFailure(db.kysely, [key], at(t0, 15 * MINUTE + 5000))).toBe(60);
  });

  it('forgets a key when cleared (a successful sign-in)', async () => {
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) await recordFailure(db.kysely, [key], at(t0, i));
    expect(await blockedFor(db.kysely, [key], at(t0, 10))).toBeGreaterThan(0);
    await clearFailures(db.kysely, key);
    expect(await blockedFor(db.kysely, [key], at(t0, 10))).toBe(0);
    expect(await recordFailure(db.kysely, [key], at(t0, 20))).toBe(0);
  });

  it('lets an address fail 20 times before blocking it', async () => {
    const ip = throttleKey('ip', '192.0.2.1');
    const t0 = Date.now();
    for (let i = 1; i < 20; i++) expect(await recordFailure(db.kysely, [ip], at(t0, i))).toBe(0);
    expect(await recordFailure(db.kysely, [ip], at(t0, 20))).toBe(60);
  });
});
