import { STATEMENT_FORMAT } from '../domain/statement.js';
import { FormatError } from '../formats/errors.js';
import { importStandaloneHtml, looksLikeHtml } from '../formats/html/import-standalone-html.js';
import { decodeUtf8, lineAndColumn, looksLikeStatement, parseJsonText } from '../formats/json/json-format.js';
import { importPdf, looksLikePdf } from '../formats/pdf/import-pdf.js';
import { findDuplicateKey, looksLikeSignedStatement } from '../formats/signed-json/signed-json.js';
import type { CertificateSummary } from '../signing/certificate-chain.js';
import { certificatesFromPem } from '../signing/pem.js';
import { problem, type SignatureProblem } from '../signing/signature-problems.js';
import { verifySignedStatement, type SignatureVerification } from '../signing/verify-signed-statement.js';

/** The exit codes of `openmds verify`; the same numbers as the CLI's EXIT table in main.ts. */
export const VERIFY_EXIT = {
  /** Valid; or intact but untrusted, without --require-trust. */
  ok: 0,
  /** Altered, broken, unsigned; or untrusted with --require-trust. */
  invalid: 1,
  /** The file cannot be read as a signed statement, HTML or PDF, or the call is wrong. */
  unreadable: 2,
} as const;

export interface VerifyCommandOptions {
  /** PEM texts of the roots to trust (the contents of the --trust files). */
  trust?: readonly string[];
  json?: boolean;
  /** Exit 1 for an intact signature whose chain does not reach a trusted root. */
  requireTrust?: boolean;
  /** The verifier's clock; default now. */
  now?: Date;
}

export interface VerifyCommandResult {
  exitCode: number;
  /** What to print on standard output. */
  output: string;
}

type Container = 'json' | 'html' | 'pdf';

/** The JSON text a file carries: itself, or the document embedded in a standalone HTML page or a PDF. */
function embeddedText(data: Uint8Array): { container: Container; text: string } {
  if (looksLikePdf(data)) return { container: 'pdf', text: importPdf(data) };
  if (looksLikeHtml(data)) return { container: 'html', text: importStandaloneHtml(data) };
  return { container: 'json', text: decodeUtf8(data, 'json') };
}

/**
 * `openmds verify FILE`: checks the signature of a signed statement file, a standalone HTML page or a PDF made from
 * one, and reports who signed, the issuer, when, the certificate, and the verdict. Never throws for a bad file.
 */
export async function runVerify(
  file: string,
  data: Uint8Array,
  opts: VerifyCommandOptions = {},
): Promise<VerifyCommandResult> {
  const trust = opts.trust ?? [];
  const emptyTrust = trust.findIndex((pem) => certificatesFromPem(pem).length === 0);
  if (emptyTrust >= 0) {
    return unreadable(
      file,
      `--trust file ${emptyTrust + 1} holds no PEM certificate ("-----BEGIN CERTIFICATE-----")`,
      opts,
    );
  }

  let container: Container;
  let value: unknown;
  try {
    const found = embeddedText(data);
    container = found.container;
    const format = container === 'json' ? 'json' : `${container} (embedded statement)`;
    value = parseJsonText(found.text, format);
    if (looksLikeSignedStatement(value)) {
      const duplicate = findDuplicateKey(found.text);
      if (duplicate !== undefined) {
        const { line, column } = lineAndColumn(found.text, duplicate.offset);
        throw new FormatError(
          format,
          `line ${line}, column ${column}`,
          `the key "${duplicate.key}" occurs twice in one object; a signed file must not repeat keys`,
        );
      }
    } else if (!looksLikeStatement(value)) {
      throw new FormatError(
        format,
        'format',
        'not an OpenMDS statement (expected "format": "openmds-signed-statement" or "openmds-statement")',
      );
    }
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    return unreadable(file, `${e.format}: ${e.message}`, opts);
  }

  const v = await verifySignedStatement(value, {
    trustedRootsPem: trust,
    ...(opts.now === undefined ? {} : { now: opts.now }),
  });
  const exitCode =
    v.status === 'valid' || (v.status === 'untrusted' && opts.requireTrust !== true)
      ? VERIFY_EXIT.ok
      : VERIFY_EXIT.invalid;
  const unsigned = (value as { format?: unknown }).format === STATEMENT_FORMAT;
  return {
    exitCode,
    output:
      opts.json === true
        ? jsonReport(file, container, v, trust.length)
        : textReport(file, container, v, unsigned, opts),
  };
}

function unreadable(file: string, message: string, opts: VerifyCommandOptions): VerifyCommandResult {
  const p: SignatureProblem = problem('not-signed-statement', `読み込めません: ${message}`, `unreadable: ${message}`);
  return {
    exitCode: VERIFY_EXIT.unreadable,
    output:
      opts.json === true
        ? `${JSON.stringify({ file, status: 'unreadable', altered: false, problems: [p], warnings: [] }, null, 2)}\n`
        : `${file}: UNREADABLE: ${message}\n`,
  };
}

/** "06:F9:F1:…", as `openssl x509 -fingerprint -sha256` prints it. */
function colons(hex: string): string {
  return (hex.toUpperCase().match(/../g) ?? []).join(':');
}

const VERDICT = {
  valid: 'VALID: the statement is intact and the certificate chain leads to a trusted root',
  untrusted: 'UNTRUSTED: the statement is intact, but the certificate chain does not lead to a root you trust',
  invalid: 'INVALID',
} as const;

function textReport(
  file: string,
  container: Container,
  v: SignatureVerification,
  unsigned: boolean,
  opts: VerifyCommandOptions,
): string {
  const lines: string[] = [];
  const first = v.problems[0];
  const head =
    v.status === 'invalid'
      ? `${VERDICT.invalid}: ${unsigned ? 'the statement is not signed' : (first?.en ?? 'the signature does not verify')}`
      : VERDICT[v.status];
  lines.push(`${file}: ${head}`);
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(12)} ${text}`);
  if (container === 'html') {
    // The page's visible table is not signed; its own 「署名を検証」 button compares it with the embedded data.
    row('file', 'standalone HTML: the signed statement embedded in it was checked, not the page as displayed');
  } else if (container === 'pdf') {
    row('file', 'PDF: the signed statement attached to it was checked, not the pages as printed');
  }
  const s = v.statement;
  if (s !== undefined) {
    const h = s.header;
    const what = [h.manufacturer, h.product, h.productVersion].filter((x) => x !== undefined && x !== '').join(' ');
    row(
      'statement',
      `${s.template.id}@${s.template.edition}${what === '' ? '' : `, ${what}`}, revision ${s.revision} (${s.status})`,
    );
  }
  if (v.signer !== undefined) {
    // Before the signature checks out, the names are only what the file claims.
    const claimed = v.status === 'invalid' ? ' (claimed; not verified)' : '';
    row('signed by', `${signerName(v.signer)} (${v.signer.subject})${claimed}`);
    row('issuer', v.signer.issuer);
    if (v.signedAt !== undefined) row('signed at', `${v.signedAt} (the signer's clock)`);
    row('certificate', `valid ${v.signer.notBefore} to ${v.signer.notAfter}, serial ${v.signer.serialNumber}`);
    row('SHA-256', colons(v.signer.certificateSha256));
    for (const [i, c] of (v.chain ?? []).slice(1).entries()) {
      row(i === 0 ? 'chain' : '', `${i + 2}. ${c.subject} (SHA-256 ${colons(c.certificateSha256)})`);
    }
  }
  const rest = v.status === 'invalid' && !unsigned ? v.problems.slice(1) : [];
  for (const p of rest) row('problem', p.en);
  for (const w of v.warnings) lines.push(`warning: ${w.en}`);
  if (v.status === 'untrusted') {
    const hint =
      (opts.trust ?? []).length === 0
        ? 'give the root certificate you trust with --trust FILE (for an OpenMDS instance, its CA certificate: GET /api/v1/signing/ca.pem)'
        : 'the roots given with --trust did not issue this chain';
    lines.push(
      `warning: the signer is NOT confirmed: ${hint}${opts.requireTrust === true ? '' : '; exit code 0 without --require-trust'}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function signerName(c: CertificateSummary): string {
  return c.organization ?? c.commonName ?? c.subject;
}

function jsonReport(file: string, container: Container, v: SignatureVerification, trustGiven: number): string {
  const s = v.statement;
  return `${JSON.stringify(
    {
      file,
      container,
      status: v.status,
      altered: v.altered,
      trustedRootsGiven: trustGiven,
      signer: v.signer ?? null,
      chain: v.chain ?? [],
      signedAt: v.signedAt ?? null,
      statement:
        s === undefined
          ? null
          : {
              template: s.template,
              header: s.header,
              revision: s.revision,
              status: s.status,
            },
      problems: v.problems,
      warnings: v.warnings,
    },
    null,
    2,
  )}\n`;
}
