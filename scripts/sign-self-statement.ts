/**
 * Signs OpenMDS's own MDS statement (docs/self-statement.md).
 *
 *   OPENMDS_SELF_SIGNING_KEY=/path/signing-key.pem OPENMDS_SELF_SIGNING_CERT=/path/signing-chain.pem \
 *     npx tsx scripts/sign-self-statement.ts
 *
 * reads examples/openmds-self-statement.source.json (the canonical statement, finalized), checks it against the
 * built-in template as finalization does, signs it (detached JWS, ES256, RFC 8785, x5c; docs/signatures.md), checks
 * the signature against examples/openmds-project-ca.pem, and writes examples/openmds-self-statement.json (signed JSON)
 * and examples/openmds-self-statement.pdf (the paper form with the signed JSON attached, as `openmds export` makes it).
 *
 * The private keys never enter the repository. A new key holder makes a new project CA and signing certificate with
 *
 *   npx tsx scripts/sign-self-statement.ts --new-pki /somewhere/outside/the/repo
 *
 * which writes ca-key.pem, ca.pem, signing-key.pem and signing-chain.pem there (mode 0600 for the keys) and replaces
 * examples/openmds-project-ca.pem; then sign as above.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pick } from '../src/domain/i18n.js';
import type { Statement } from '../src/domain/statement.js';
import { builtinTemplates } from '../src/domain/templates/registry.js';
import { validateStatement } from '../src/domain/validation.js';
import { exportStatement } from '../src/formats/index.js';
import { createInstanceCa, issueSigningCertificate } from '../src/signing/certificates.js';
import { signStatement } from '../src/signing/sign-statement.js';
import { verifySignedStatement } from '../src/signing/verify-signed-statement.js';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** The files of the self statement, relative to the repository's root. */
export const SELF_STATEMENT_FILES = {
  source: 'examples/openmds-self-statement.source.json',
  signed: 'examples/openmds-self-statement.json',
  pdf: 'examples/openmds-self-statement.pdf',
  ca: 'examples/openmds-project-ca.pem',
} as const;

/** The project's name: the statement's manufacturer and the signing certificate's organization. */
export const SELF_STATEMENT_AUTHOR = 'OpenMDS project';

const at = (path: string): string => resolve(root, path);

function fail(message: string): never {
  process.stderr.write(`sign-self-statement: ${message}\n`);
  process.exit(1);
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fail(`${what}: cannot read ${path}`);
  }
}

/** Makes a new project CA and a signing certificate; keys go to `dir`, which must lie outside the repository. */
async function newPki(dir: string): Promise<void> {
  const target = resolve(dir);
  const rel = relative(root, target);
  if (rel === '' || (!rel.startsWith('..') && !rel.startsWith('/'))) {
    fail(`${target} is inside the repository: private keys must stay out of it`);
  }
  mkdirSync(target, { recursive: true, mode: 0o700 });
  const now = new Date();
  const ca = await createInstanceCa({ name: SELF_STATEMENT_AUTHOR, now });
  const leaf = await issueSigningCertificate({
    ca,
    subject: { organization: SELF_STATEMENT_AUTHOR, commonName: `${SELF_STATEMENT_AUTHOR} self-statement signing` },
    now,
  });
  writeFileSync(resolve(target, 'ca-key.pem'), ca.privateKeyPem, { mode: 0o600 });
  writeFileSync(resolve(target, 'ca.pem'), ca.certificatePem);
  writeFileSync(resolve(target, 'signing-key.pem'), leaf.privateKeyPem, { mode: 0o600 });
  writeFileSync(resolve(target, 'signing-chain.pem'), `${leaf.certificatePem}${ca.certificatePem}`);
  writeFileSync(at(SELF_STATEMENT_FILES.ca), ca.certificatePem);
  process.stdout.write(
    [
      `new project CA and signing certificate in ${target} (keep ca-key.pem and signing-key.pem private)`,
      `replaced ${SELF_STATEMENT_FILES.ca}; sign with:`,
      `  OPENMDS_SELF_SIGNING_KEY=${resolve(target, 'signing-key.pem')} OPENMDS_SELF_SIGNING_CERT=${resolve(target, 'signing-chain.pem')} npx tsx scripts/sign-self-statement.ts`,
      '',
    ].join('\n'),
  );
}

async function sign(): Promise<void> {
  const keyPath = process.env['OPENMDS_SELF_SIGNING_KEY'];
  const certPath = process.env['OPENMDS_SELF_SIGNING_CERT'];
  if (keyPath === undefined || certPath === undefined) {
    fail('set OPENMDS_SELF_SIGNING_KEY (PKCS#8 PEM) and OPENMDS_SELF_SIGNING_CERT (PEM chain, signer first)');
  }
  const templates = builtinTemplates();
  const statement = JSON.parse(readText(at(SELF_STATEMENT_FILES.source), 'the statement')) as Statement;
  if (statement.status !== 'finalized') fail(`the statement's status is ${statement.status}, not finalized`);
  if (statement.header.manufacturer !== SELF_STATEMENT_AUTHOR) {
    fail(`the statement's manufacturer is not "${SELF_STATEMENT_AUTHOR}"`);
  }
  const template = templates.get(statement.template.id, statement.template.edition);
  const check = validateStatement(statement, templates, { final: true });
  const errors = check.issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) {
    fail(
      `the statement does not validate:\n${errors.map((i) => `  ${i.code} ${i.field}: ${pick(i.message, 'en')}`).join('\n')}`,
    );
  }

  const signed = await signStatement(
    statement,
    { privateKeyPem: readText(keyPath, 'the key'), chainPem: [readText(certPath, 'the certificate chain')] },
    { signedAt: new Date(), ...(template === undefined ? {} : { template }) },
  );
  const v = await verifySignedStatement(signed, {
    trustedRootsPem: [readText(at(SELF_STATEMENT_FILES.ca), 'the project CA')],
  });
  if (v.status !== 'valid' || v.signer === undefined) {
    fail(
      `the new signature does not verify against ${SELF_STATEMENT_FILES.ca} (${v.status}): ${v.problems.map((p) => p.en).join('; ')}`,
    );
  }
  writeFileSync(at(SELF_STATEMENT_FILES.signed), `${JSON.stringify(signed, null, 2)}\n`);
  const pdf = await exportStatement(signed.statement, 'pdf', templates, {
    lang: 'ja',
    signed,
    signature: {
      signer: v.signer.subject,
      issuer: v.signer.issuer,
      signedAt: v.signedAt ?? '',
      certificateSha256: v.signer.certificateSha256,
    },
  });
  writeFileSync(at(SELF_STATEMENT_FILES.pdf), pdf);
  process.stdout.write(
    `signed by ${v.signer.subject} at ${v.signedAt ?? '?'}: wrote ${SELF_STATEMENT_FILES.signed} and ${SELF_STATEMENT_FILES.pdf}\n`,
  );
}

const [flag, dir] = process.argv.slice(2);
if (flag === '--new-pki') {
  if (dir === undefined) fail('--new-pki needs a folder outside the repository');
  await newPki(dir);
} else if (flag !== undefined) {
  fail(`unknown argument ${flag}; use --new-pki DIR, or no argument to sign`);
} else {
  await sign();
}
