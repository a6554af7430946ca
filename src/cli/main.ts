import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { carryForward } from '../domain/carry-forward.js';
import { mappingByRowId, EditionMappingSchema, type EditionMapping } from '../domain/edition-mapping.js';
import { pick } from '../domain/i18n.js';
import { schemaCheck } from '../domain/schema-check.js';
import { parseTemplateKey } from '../domain/template.js';
import { TemplateLoadError, type TemplateRegistry } from '../domain/templates/registry.js';
import { validateStatement, type ValidationResult } from '../domain/validation.js';
import { FormatError } from '../formats/errors.js';
import {
  EXPORT_FORMATS,
  IMPORT_FORMATS,
  detectFormat,
  exportStatement,
  importStatement,
  type ExportFormat,
  type ImportFormat,
} from '../formats/index.js';
import { exportJson, looksLikeStatement, parseJsonText } from '../formats/json/json-format.js';
import type { PdfSignatureInfo } from '../formats/pdf/export-pdf.js';
import { isSignedStatement } from '../formats/signed-json/signed-json.js';
import { verifySignedStatement } from '../signing/verify-signed-statement.js';
import { packageVersion } from '../server/paths.js';
import { CommandError } from './command-error.js';
import { loadTemplates } from './templates-loader.js';
import { runVerify } from './verify.js';

/** Exit codes: 0 success, 1 the input is invalid (validation, carry-forward), 2 the input could not be read or the call is wrong. */
export const EXIT = { ok: 0, invalid: 1, unreadable: 2 } as const;

/** An expected failure: printed as one line, without a stack unless --debug. */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.unreadable,
  ) {
    super(message);
  }
}

interface GlobalOptions {
  templates: string[];
  debug?: boolean;
}

const mappingShape = schemaCheck<EditionMapping>(EditionMappingSchema);

function readInput(file: string): Uint8Array {
  try {
    return file === '-' ? readFileSync(0) : readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(
      `${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : 'cannot be read'}`,
    );
  }
}

function writeOutput(out: string | undefined, text: string | Uint8Array): void {
  if (out === undefined || out === '-') process.stdout.write(text);
  else {
    try {
      writeFileSync(out, text);
    } catch {
      throw new CliError(`${out}: cannot be written`);
    }
  }
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new InvalidArgumentError('must be a port number from 1 to 65535');
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function describeIssue(i: ValidationResult['issues'][number]): string {
  const where = i.row === null ? i.field : `row ${i.row}`;
  return `  ${i.severity === 'error' ? 'error  ' : 'warning'} ${i.code.padEnd(22)} ${where}: ${i.message.en}`;
}

/** Builds the `openmds` command. Exported for in-process tests. */
export function buildCli(): Command {
  const program = new Command('openmds')
    .description(
      'OpenMDS: write, validate, convert and carry forward medical information security disclosure statements (MDS)',
    )
    .version(packageVersion())
    .option('--templates <path>', 'load extra template files, or folders of them (repeatable)', collect, [])
    .option('--debug', 'print stack traces of unexpected errors')
    .showHelpAfterError()
    .exitOverride();

  const registry = (): TemplateRegistry => loadTemplates(program.opts<GlobalOptions>().templates);

  program
    .command('templates')
    .description('list the templates OpenMDS knows')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const list = registry().compiled();
      if (opts.json === true) {
        const out = list.map((c) => ({
          id: c.template.id,
          edition: c.template.edition,
          title: c.template.title,
          publisher: c.template.publisher,
          rows: c.rows.length,
          answerable: c.answerableCount,
        }));
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      for (const c of list) {
        process.stdout.write(
          `${`${c.template.id}@${c.template.edition}`.padEnd(34)} ${String(c.answerableCount).padStart(4)} rows  ${pick(c.template.title, 'ja')}\n`,
        );
      }
    });

  program
    .command('validate')
    .description(
      'validate statements (any importable format); exit 0 when all are valid, 1 when one is invalid, 2 when one cannot be read',
    )
    .argument('<files...>', 'statement files')
    .option('--final', 'require every applicable row, as for finalization')
    .option('--json', 'print a JSON array of results')
    .action(async (files: string[], opts: { final?: boolean; json?: boolean }) => {
      const templates = registry();
      const results: (ValidationResult & { file: string })[] = [];
      let exit: number = EXIT.ok;
      for (const file of files) {
        try {
          const data = readInput(file);
          // A JSON statement is validated as it is, so that structural problems are reported field by field.
          let value: unknown;
          const parsed = detectFormat(data, file) === 'json' ? parseJsonText(data) : undefined;
          if (parsed !== undefined && isSignedStatement(parsed)) value = parsed.statement;
          else if (parsed !== undefined && looksLikeStatement(parsed)) value = parsed;
          else if (parsed !== undefined)
            throw new FormatError(
              'json',
              'format',
              'not an OpenMDS statement (expected "format": "openmds-statement")',
            );
          else value = (await importStatement(data, { file, templates })).statement;
          const r = validateStatement(value, templates, { final: opts.final === true });
          results.push({ file, ...r });
          if (!r.valid) exit = Math.max(exit, EXIT.invalid);
        } catch (e) {
          if (!(e instanceof FormatError) && !(e instanceof CliError)) throw e;
          const message = e instanceof FormatError ? `${file}: ${e.message}` : e.message;
          exit = EXIT.unreadable;
          results.push({
            file,
            valid: false,
            template: null,
            edition: null,
            counts: { yes: 0, no: 0, na: 0, other: 0, unanswered: 0, skipped: 0 },
            issues: [
              {
                row: null,
                field: '(file)',
                code: 'invalid-structure',
                severity: 'error',
                message: { ja: `読み込めません: ${message}`, en: `unreadable: ${message}` },
              },
            ],
          });
        }
      }
      if (opts.json === true) {
        const out = results.map((r) => ({
          file: r.file,
          valid: r.valid,
          template: r.template,
          edition: r.edition,
          counts: r.counts,
          issues: r.issues.map((i) => ({
            row: i.row,
            field: i.field,
            code: i.code,
            severity: i.severity,
            message: i.message,
          })),
        }));
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } else {
        for (const r of results) {
          const c = r.counts;
          const head =
            r.template === null
              ? ''
              : ` (${r.template}@${r.edition ?? '?'}: はい ${c.yes}, いいえ ${c.no}, 対象外 ${c.na}${c.other > 0 ? `, other ${c.other}` : ''}, unanswered ${c.unanswered}, skipped ${c.skipped})`;
          process.stdout.write(`${r.file}: ${r.valid ? 'valid' : 'invalid'}${head}\n`);
          for (const i of r.issues) process.stdout.write(`${describeIssue(i)}\n`);
        }
      }
      process.exitCode = exit;
    });

  program
    .command('import')
    .description('convert a statement file to canonical JSON')
    .argument('<file>', 'the file to import ("-" for standard input)')
    .addOption(new Option('--format <format>', 'the input format').choices(['auto', ...IMPORT_FORMATS]).default('auto'))
    .option('-o, --output <file>', 'where to write the JSON (default: standard output)')
    .action(async (file: string, opts: { format: ImportFormat | 'auto'; output?: string }) => {
      const templates = registry();
      const r = await importStatement(readInput(file), { format: opts.format, file: basename(file), templates });
      for (const w of r.warnings) process.stderr.write(`openmds: warning: ${file}: ${w}\n`);
      writeOutput(
        opts.output,
        exportJson(r.statement, templates.get(r.statement.template.id, r.statement.template.edition)),
      );
    });

  program
    .command('export')
    .description(
      'write a statement as JSON, CSV, form-layout XLSX, PDF or standalone HTML (a signed input stays verifiable in HTML and PDF)',
    )
    .argument('<file>', 'a statement file (any importable format)')
    .addOption(new Option('--format <format>', 'the output format').choices([...EXPORT_FORMATS]).makeOptionMandatory())
    .addOption(new Option('--lang <lang>', 'the language of labels').choices(['ja', 'en']).default('ja'))
    .option('-o, --output <file>', 'where to write (default: standard output)')
    .action(async (file: string, opts: { format: ExportFormat; output?: string; lang: 'ja' | 'en' }) => {
      const templates = registry();
      const binary = opts.format === 'pdf' || opts.format === 'xlsx';
      if (binary && (opts.output === undefined || opts.output === '-') && process.stdout.isTTY) {
        throw new CliError(`--format ${opts.format} writes a binary file: give -o FILE`);
      }
      const r = await importStatement(readInput(file), { file: basename(file), templates });
      let signature: PdfSignatureInfo | undefined;
      if (r.signed !== undefined) {
        const v = await verifySignedStatement(r.signed);
        if (v.altered || v.signer === undefined) {
          process.stderr.write(
            `openmds: warning: ${file}: the signature does not verify; the output carries it as it is\n`,
          );
        } else {
          signature = {
            signer: v.signer.subject,
            issuer: v.signer.issuer,
            signedAt: v.signedAt ?? '',
            certificateSha256: v.signer.certificateSha256,
          };
        }
      }
      writeOutput(
        opts.output,
        await exportStatement(r.statement, opts.format, templates, {
          lang: opts.lang,
          ...(r.signed === undefined ? {} : { signed: r.signed }),
          ...(signature === undefined ? {} : { signature }),
        }),
      );
    });

  program
    .command('verify')
    .description(
      'check the signature of a signed statement (signed JSON, or the standalone HTML or PDF made from one): who signed it, when, and whether it was altered',
    )
    .argument('<file>', 'the file to check ("-" for standard input)')
    .option(
      '--trust <pem...>',
      'root certificates to trust (PEM files), e.g. an instance CA from /api/v1/signing/ca.pem',
    )
    .option('--require-trust', 'exit 1 unless the certificate chain leads to a trusted root')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, opts: { trust?: string[]; requireTrust?: boolean; json?: boolean }) => {
      const trust = (opts.trust ?? []).map((f) => new TextDecoder().decode(readInput(f)));
      const r = await runVerify(file, readInput(file), {
        trust,
        ...(opts.json === true ? { json: true } : {}),
        ...(opts.requireTrust === true ? { requireTrust: true } : {}),
      });
      process.stdout.write(r.output);
      process.exitCode = r.exitCode;
    });

  program
    .command('carry-forward')
    .description(
      'turn a statement on one template edition into a draft on another, reporting the rows that need a new answer',
    )
    .argument('<file>', 'the statement to carry forward')
    .requiredOption('--to <template@edition>', 'the target edition, e.g. jahis-jira-mds@3')
    .option('--mapping <file>', 'the edition mapping (default: derived by row id)')
    .option('-o, --output <file>', 'where to write the new draft (default: standard output)')
    .option('--report <file>', 'also write the report as JSON')
    .action(async (file: string, opts: { to: string; mapping?: string; output?: string; report?: string }) => {
      const templates = registry();
      const target = parseTemplateKey(opts.to);
      if (target === undefined)
        throw new CliError(`--to: "${opts.to}" is not TEMPLATE@EDITION (e.g. jahis-jira-mds@2)`);
      const to = templates.get(target.id, target.edition);
      if (to === undefined)
        throw new CliError(
          `--to: template ${opts.to} is not known (see "openmds templates"; add files with --templates)`,
        );
      const { statement } = await importStatement(readInput(file), { file: basename(file), templates });
      const from = templates.get(statement.template.id, statement.template.edition);
      if (from === undefined)
        throw new CliError(`${file}: template ${statement.template.id}@${statement.template.edition} is not known`);
      let mapping: EditionMapping;
      if (opts.mapping === undefined) {
        mapping = mappingByRowId(from, to);
        process.stderr.write(
          `openmds: warning: no --mapping given; rows are matched by id (${from.key} → ${to.key})\n`,
        );
      } else {
        const m = parseJsonText(readInput(opts.mapping), 'mapping');
        if (!mappingShape.is(m)) {
          const p = mappingShape.problems(m)[0];
          throw new CliError(`${opts.mapping}: ${p?.path ?? ''}: ${p?.message ?? 'not an edition mapping'}`);
        }
        mapping = m;
      }
      const r = carryForward(statement, from, to, mapping, new Date().toISOString());
      if (!r.ok) throw new CliError(`${opts.mapping ?? 'mapping'}: ${r.problems.join('; ')}`, EXIT.invalid);
      writeOutput(opts.output, exportJson(r.statement, to));
      if (opts.report !== undefined) writeOutput(opts.report, `${JSON.stringify(r.report, null, 2)}\n`);
      const log = (line: string): boolean =>
        (opts.output === undefined ? process.stderr : process.stdout).write(`${line}\n`);
      log(
        `${from.key} → ${to.key}: ${r.report.carried.length} answers carried, ${r.report.needsAnswer.length} rows need an answer`,
      );
      for (const n of r.report.needsAnswer) {
        const hint = n.from.map((f) => `${f.row}${f.answer === undefined ? '' : `=${f.answer}`}`).join(', ');
        log(`  needs answer  ${n.row.padEnd(10)} ${n.reason}${hint === '' ? '' : ` (was ${hint})`}`);
      }
      for (const d of r.report.dropped)
        log(
          `  dropped       ${d.row.padEnd(10)} removed in ${to.key}${d.answer === undefined ? '' : ` (was ${d.answer})`}`,
        );
      for (const n of r.report.uncitedRemarks)
        log(`  remark ${n} is no longer cited by any row; it stays in the remarks list`);
      for (const n of r.report.notes) log(`  note: ${n}`);
    });

  program
    .command('serve')
    .description('start the web server and API (SQLite in ./data unless OPENMDS_DATABASE_URL is set)')
    .option('--port <n>', 'port (default: OPENMDS_PORT or 8080)', positiveInt)
    .option('--host <address>', 'address to listen on (default: OPENMDS_HOST or 127.0.0.1)')
    .option('--data <dir>', 'data folder for the SQLite database (default: OPENMDS_DATA_DIR or ./data)')
    .action(async (opts: { port?: number; host?: string; data?: string }) => {
      const { startServer } = await import('../server/start.js');
      const envPort = process.env['OPENMDS_PORT'];
      let port = opts.port;
      if (port === undefined && envPort !== undefined) {
        try {
          port = positiveInt(envPort);
        } catch {
          throw new CliError(`OPENMDS_PORT: "${envPort}" is not a port number`);
        }
      }
      const { SecretKeyError } = await import('../security/stored-secrets.js');
      try {
        await startServer({
          port: port ?? 8080,
          host: opts.host ?? process.env['OPENMDS_HOST'] ?? '127.0.0.1',
          dataDir: opts.data ?? process.env['OPENMDS_DATA_DIR'] ?? './data',
          templates: registry(),
          ...(process.env['OPENMDS_DATABASE_URL'] === undefined
            ? {}
            : { databaseUrl: process.env['OPENMDS_DATABASE_URL'] }),
        });
      } catch (e) {
        // A missing or wrong key for the stored secrets: say which, without a stack.
        if (e instanceof SecretKeyError) throw new CliError(e.message);
        throw e;
      }
    });

  const admin = program.command('admin').description('administer the instance: the operator account, the setup link');

  admin
    .command('create')
    .description('create an operator account (password asked twice on a terminal, or read with --password-stdin)')
    .requiredOption('--email <email>', "the operator's email")
    .requiredOption('--name <name>', "the operator's display name")
    .option('--password-stdin', 'read the password from the first line of standard input')
    .option('--data <dir>', 'data folder for the SQLite database (default: OPENMDS_DATA_DIR or ./data)')
    .action(async (opts: { email: string; name: string; passwordStdin?: boolean; data?: string }) => {
      const { adminCreate, AdminError } = await import('./admin.js');
      try {
        await adminCreate(opts);
      } catch (e) {
        if (e instanceof AdminError) throw new CliError(e.message, e.exitCode);
        throw e;
      }
    });

  admin
    .command('reset-setup')
    .description('print a fresh one-time link to create the operator account (while none exists)')
    .option('--data <dir>', 'data folder for the SQLite database (default: OPENMDS_DATA_DIR or ./data)')
    .option('--url <base>', "the server's public base URL (default: http://OPENMDS_HOST:OPENMDS_PORT)")
    .action(async (opts: { data?: string; url?: string }) => {
      const { adminResetSetup, AdminError } = await import('./admin.js');
      try {
        await adminResetSetup(opts);
      } catch (e) {
        if (e instanceof AdminError) throw new CliError(e.message, e.exitCode);
        throw e;
      }
    });

  admin
    .command('reset-password')
    .description('print a single-use link (30 minutes) to set a new password for an account; nothing is mailed')
    .requiredOption('--email <email>', "the account's email")
    .option('--data <dir>', 'data folder for the SQLite database (default: OPENMDS_DATA_DIR or ./data)')
    .option(
      '--url <base>',
      "the server's public base URL (default: OPENMDS_PUBLIC_URL, else http://OPENMDS_HOST:OPENMDS_PORT)",
    )
    .action(async (opts: { email: string; data?: string; url?: string }) => {
      const { adminResetPassword, AdminError } = await import('./admin.js');
      try {
        await adminResetPassword(opts);
      } catch (e) {
        if (e instanceof AdminError) throw new CliError(e.message, e.exitCode);
        throw e;
      }
    });

  admin
    .command('reset-two-factor')
    .description(
      "remove an account's second factors (authenticator app, passkeys, recovery codes) when all are lost; ends its sessions",
    )
    .requiredOption('--email <email>', "the account's email")
    .requiredOption('--reason <text>', 'why, and how you checked who asked (recorded in the audit trail and mailed)')
    .option('--data <dir>', 'data folder for the SQLite database (default: OPENMDS_DATA_DIR or ./data)')
    .action(async (opts: { email: string; reason: string; data?: string }) => {
      const { adminResetTwoFactor, AdminError } = await import('./admin.js');
      try {
        await adminResetTwoFactor(opts);
      } catch (e) {
        if (e instanceof AdminError) throw new CliError(e.message, e.exitCode);
        throw e;
      }
    });

  const inventory = program
    .command('inventory')
    .description("a hospital's inventory: import the statements it holds in bulk");

  inventory
    .command('import')
    .description(
      "import every statement file of a folder or zip archive into a hospital's statements, as a member (owner or editor); exit 0 when all were imported, 1 when some failed, 2 when the call is wrong",
    )
    .argument('<path>', 'a folder (nested folders too; hidden files skipped) or a zip archive of statement files')
    .requiredOption('--org <org>', "the hospital organization's id or exact name")
    .requiredOption('--user <email>', 'act as this user, who must be an owner or editor of the organization')
    .option('--json', 'print the result as JSON instead of a table')
    .option('--data <dir>', 'data folder for the SQLite database (default: OPENMDS_DATA_DIR or ./data)')
    .option('--database <url>', 'the database URL (postgres://…, sqlite:PATH; default: OPENMDS_DATABASE_URL)')
    .action(
      async (path: string, opts: { org: string; user: string; json?: boolean; data?: string; database?: string }) => {
        const { runInventoryImport } = await import('./inventory-import.js');
        process.exitCode = await runInventoryImport(path, {
          ...opts,
          ...(program.opts<GlobalOptions>().debug === true ? { debug: true } : {}),
        });
      },
    );

  program
    .command('demo')
    .description(
      'fill a fresh instance with demo data: two manufacturers with published statements, a hospital with an inventory and a risk assessment; prints the demo accounts and their passwords once',
    )
    .option('--data <dir>', 'data folder for the SQLite database (default: OPENMDS_DATA_DIR or ./data)')
    .option('--database <url>', 'the database URL (postgres://…, sqlite:PATH; default: OPENMDS_DATABASE_URL)')
    .action(async (opts: { data?: string; database?: string }) => {
      const [{ runDemo, demoReport }, { openCliDatabase }, { builtinTemplates }, settings] = await Promise.all([
        import('./demo.js'),
        import('./cli-context.js'),
        import('../domain/templates/registry.js'),
        import('../security/settings.js'),
      ]);
      const db = await openCliDatabase(opts);
      try {
        const result = await runDemo(db, builtinTemplates(), settings.resolveSettings(settings.settingsFromEnv()));
        process.stdout.write(demoReport(result));
      } finally {
        await db.close();
      }
    });

  program
    .command('backup')
    .description(
      'write a consistent snapshot of the database (while the server runs) to one .tar.gz file: a manifest and a file per table',
    )
    .requiredOption('-o, --output <file>', 'the backup file ("-" for standard output, to pipe into age or gpg)')
    .option('--force', 'replace the output file when it exists')
    .option('--data <dir>', 'data folder for the SQLite database (default: OPENMDS_DATA_DIR or ./data)')
    .option('--database <url>', 'the database URL (postgres://…, sqlite:PATH; default: OPENMDS_DATABASE_URL)')
    .action(async (opts: { output: string; force?: boolean; data?: string; database?: string }) => {
      const { runBackupCommand } = await import('./backup.js');
      process.exitCode = await runBackupCommand(opts);
    });

  program
    .command('restore')
    .description(
      'check a backup file and restore it into an empty database (SQLite or PostgreSQL, either way); exit 0 restored, 1 restored but the audit chain does not verify, 2 refused',
    )
    .argument('<file>', 'the backup file ("-" for standard input)')
    .option('--data <dir>', 'data folder for the SQLite database (default: OPENMDS_DATA_DIR or ./data)')
    .option('--database <url>', 'the database URL (postgres://…, sqlite:PATH; default: OPENMDS_DATABASE_URL)')
    .action(async (file: string, opts: { data?: string; database?: string }) => {
      const { runRestoreCommand } = await import('./backup.js');
      process.exitCode = await runRestoreCommand(file, opts);
    });

  const mail = program
    .command('mail')
    .description('mail delivery (OPENMDS_SMTP_URL): send a test message, list undelivered mail');

  mail
    .command('test')
    .description(
      'send a test message now through the SMTP server OPENMDS_SMTP_URL names and print its reply; exit 0 sent, 1 not sent, 2 not configured',
    )
    .requiredOption('--to <address>', 'whom to send it to')
    .action(async (opts: { to: string }) => {
      const { runMailTest } = await import('./mail.js');
      process.exitCode = await runMailTest(opts);
    });

  mail
    .command('status')
    .description(
      'list mail not yet delivered (waiting for a retry, or given up), without bodies; exit 0 none failed, 1 some failed, 2 unreadable',
    )
    .option('--json', 'print JSON')
    .option('--data <dir>', 'data folder for the SQLite database (default: OPENMDS_DATA_DIR or ./data)')
    .option('--database <url>', 'the database URL (postgres://…, sqlite:PATH; default: OPENMDS_DATABASE_URL)')
    .action(async (opts: { json?: boolean; data?: string; database?: string }) => {
      const { runMailStatus } = await import('./mail.js');
      process.exitCode = await runMailStatus(opts);
    });

  const secrets = program
    .command('secrets')
    .description(
      'the key that encrypts stored secrets (TOTP seeds, signing keys, webhook secrets): status, a new key, rotation',
    );

  secrets
    .command('status')
    .description(
      'count the stored secrets encrypted under each key id and those in plain text, and check that the configured key decrypts them; exit 0 all readable, 1 some are not, 2 unreadable',
    )
    .option('--json', 'print the result as JSON')
    .option('--data <dir>', 'data folder for the SQLite database and secret.key (default: OPENMDS_DATA_DIR or ./data)')
    .option('--database <url>', 'the database URL (postgres://…, sqlite:PATH; default: OPENMDS_DATABASE_URL)')
    .action(async (opts: { json?: boolean; data?: string; database?: string }) => {
      const { runSecretsStatus } = await import('./secrets.js');
      process.exitCode = await runSecretsStatus(opts);
    });

  secrets
    .command('generate-key')
    .description('write a new random key (base64 of 32 bytes) to a new file, readable by its owner only')
    .argument('<file>', 'the file to create')
    .action(async (file: string) => {
      const { runGenerateKey } = await import('./secrets.js');
      process.exitCode = runGenerateKey(file);
    });

  secrets
    .command('rotate-key')
    .description(
      "re-encrypt every stored secret under a new key, in one transaction (stop the server first); the data folder's secret.key is replaced by the new key",
    )
    .requiredOption('--new-key-file <file>', 'the new key (base64 of 32 bytes: openmds secrets generate-key FILE)')
    .option('--data <dir>', 'data folder for the SQLite database and secret.key (default: OPENMDS_DATA_DIR or ./data)')
    .option('--database <url>', 'the database URL (postgres://…, sqlite:PATH; default: OPENMDS_DATABASE_URL)')
    .action(async (opts: { newKeyFile: string; data?: string; database?: string }) => {
      const { runRotateKey } = await import('./secrets.js');
      process.exitCode = await runRotateKey(opts);
    });

  const audit = program
    .command('audit')
    .description("the audit trail: verify its hash chain, export an organization's");

  audit
    .command('verify')
    .description(
      'walk the hash chain of the audit trail; print OK with the count and the latest hash, or the first record changed, deleted or reordered; exit 0 ok, 1 broken, 2 unreadable',
    )
    .option('--org <org>', "also count one organization's records (id or exact name); the chain is verified whole")
    .option('--json', 'print the result as JSON')
    .option('--data <dir>', 'data folder for the SQLite database (default: OPENMDS_DATA_DIR or ./data)')
    .option('--database <url>', 'the database URL (postgres://…, sqlite:PATH; default: OPENMDS_DATABASE_URL)')
    .action(async (opts: { org?: string; json?: boolean; data?: string; database?: string }) => {
      const { runAuditVerify } = await import('./audit.js');
      process.exitCode = await runAuditVerify(opts);
    });

  audit
    .command('export')
    .description(
      "write an organization's audit trail as CSV, FHIR R4 AuditEvent (a Bundle) or RFC 5424 syslog lines, oldest first, at most 100,000 records; the export is audited",
    )
    .requiredOption('--org <org>', "the organization's id or exact name")
    .addOption(
      new Option('--format <format>', 'the output format').choices(['csv', 'fhir', 'syslog']).makeOptionMandatory(),
    )
    .option('--actor <userId>', "only this user's records")
    .option('--action <action>', 'only this action, or a prefix: statement.*')
    .option('--object <object>', 'only this object: TYPE:ID, or an id')
    .option('--from <time>', 'records at or after this date or date-time (UTC)')
    .option('--to <time>', 'records before this date-time, or through this date (UTC)')
    .option('-o, --output <file>', 'where to write (default: standard output)')
    .option('--data <dir>', 'data folder for the SQLite database (default: OPENMDS_DATA_DIR or ./data)')
    .option('--database <url>', 'the database URL (postgres://…, sqlite:PATH; default: OPENMDS_DATABASE_URL)')
    .action(
      async (opts: {
        org: string;
        format: 'csv' | 'fhir' | 'syslog';
        output?: string;
        actor?: string;
        action?: string;
        object?: string;
        from?: string;
        to?: string;
        data?: string;
        database?: string;
      }) => {
        const { runAuditExport } = await import('./audit.js');
        process.exitCode = await runAuditExport(opts);
      },
    );

  return program;
}

/** Runs the CLI; returns the exit code instead of exiting, so tests can call it. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildCli();
  process.exitCode = undefined;
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? EXIT.ok : EXIT.unreadable;
    }
    const debug = argv.includes('--debug');
    if (e instanceof CliError || e instanceof CommandError) {
      process.stderr.write(`openmds: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof FormatError || e instanceof TemplateLoadError) {
      process.stderr.write(`openmds: ${e instanceof FormatError ? `${e.format}: ` : ''}${e.message}\n`);
      if (debug) process.stderr.write(`${e.stack ?? ''}\n`);
      return EXIT.unreadable;
    }
    process.stderr.write(
      `openmds: unexpected error: ${e instanceof Error ? e.message : String(e)}${debug ? '' : ' (run with --debug for details)'}\n`,
    );
    if (debug && e instanceof Error) process.stderr.write(`${e.stack ?? ''}\n`);
    return EXIT.unreadable;
  }
}

const invokedDirectly = process.argv[1] !== undefined && /[\\/](main\.(ts|js)|openmds(\.js)?)$/.test(process.argv[1]);
if (invokedDirectly) {
  // serve keeps the process alive through its listening socket; every other command ends with its exit code.
  process.exitCode = await runCli(process.argv.slice(2));
}
