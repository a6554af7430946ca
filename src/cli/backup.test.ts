import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOrg, signUp, testApp } from '../../test/support/app.js';
import { captureCliOutput } from '../../test/support/cli-output.js';
import { sharedDatabase, sharedDialects } from '../../test/support/shared-database.js';
import { runCli } from './main.js';

const io = captureCliOutput('openmds-backup-cli-');

describe.each(sharedDialects())('openmds backup and restore on %s', (name) => {
  it('backs up the running instance to a file and restores it into an empty database, once', async () => {
    const source = await sharedDatabase(name);
    const target = await sharedDatabase(name);
    try {
      const server = await testApp({ database: { name, open: () => source.open() } });
      try {
        const owner = await signUp(server.app);
        await createOrg(server.app, owner, { name: 'バックアップ病院', kind: 'hospital' });
        const file = path.join(io.dir, 'openmds.tar.gz');

        expect(await runCli(['backup', '-o', file, '--database', source.url])).toBe(0);
        expect(io.out).toMatch(
          /^backed up .* to .*openmds\.tar\.gz \(\d+\.\d KiB\)\n {2}\d+ tables, \d+ rows, schema 0\d{3}-/,
        );
        expect(io.out).toMatch(/audit trail: \d+ records, head seq \d+ [0-9a-f]{64}/);
        expect(io.out).toMatch(/sha256 of the file: [0-9a-f]{64}/);
        // It holds password hashes and private keys: readable by its owner only.
        if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);

        expect(await runCli(['backup', '-o', file, '--database', source.url])).toBe(2);
        expect(io.err).toContain('exists already (choose a new name, or --force to replace it)');
        expect(await runCli(['backup', '-o', file, '--force', '--database', source.url])).toBe(0);

        io.out = '';
        expect(await runCli(['restore', file, '--database', target.url])).toBe(0);
        expect(io.out).toContain('every checksum and count matches the manifest');
        expect(io.out).toMatch(/restored \d+ rows into \d+ tables of .* at schema 0\d{3}-/);
        expect(io.out).toMatch(/audit trail: \d+ records, the hash chain verifies/);

        io.err = '';
        expect(await runCli(['restore', file, '--database', target.url])).toBe(2);
        expect(io.err).toMatch(
          /^openmds: the target database is not empty \(rows in .*\); restore only into an empty database/,
        );
      } finally {
        await server.close();
      }
    } finally {
      await source.drop();
      await target.drop();
    }
  });
});

describe('openmds restore refusing a damaged file', () => {
  it('refuses a file cut short and creates no database', async () => {
    const source = await sharedDatabase('sqlite');
    try {
      const server = await testApp({ database: { name: 'sqlite', open: () => source.open() } });
      await signUp(server.app);
      await server.close();
      const file = path.join(io.dir, 'b.tar.gz');
      expect(await runCli(['backup', '-o', file, '--data', source.dataDir!])).toBe(0);

      const cut = path.join(io.dir, 'cut.tar.gz');
      writeFileSync(cut, readFileSync(file).subarray(0, 300));
      const target = path.join(io.dir, 'target');
      expect(await runCli(['restore', cut, '--data', target])).toBe(2);
      expect(io.err).toMatch(/^openmds: .*cut\.tar\.gz: truncated or damaged: .*; nothing was restored\n$/);
      expect(existsSync(target)).toBe(false);
    } finally {
      await source.drop();
    }
  });

  it('refuses to back up a data folder that holds no database, without creating one', async () => {
    const missing = path.join(io.dir, 'nothing-here');
    expect(await runCli(['backup', '-o', path.join(io.dir, 'x.tar.gz'), '--data', missing])).toBe(2);
    expect(io.err).toContain('openmds.sqlite: no database there');
    expect(existsSync(missing)).toBe(false);
  });
});
