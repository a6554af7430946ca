import { parseString } from '@fast-csv/parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  createOrg,
  inject,
  signUp,
  testApp,
  type TestApp,
  type TestSession,
} from '../../../test/support/app.js';
import { testDatabases } from '../../../test/support/databases.js';
import { auditRecordHash, type AuditEvent } from '../../security/audit.js';
import { neutralizeCell } from '../../formats/csv/csv-text.js';
import { AUDIT_CSV_COLUMNS } from './export-csv.js';
import { DICOM, OPENMDS_FHIR, fhirCodes, type Coding } from './export-fhir.js';

/** The parts of a FHIR R4 AuditEvent the tests look at. */
interface FhirAuditEvent {
  resourceType: string;
  id: string;
  type: Coding;
  subtype: Coding[];
  action: string;
  recorded: string;
  outcome: string;
  outcomeDesc?: string;
  agent: { requestor: boolean; who: unknown; network?: unknown }[];
  source: { observer: { display: string }; type: Coding[] };
  entity: { what: unknown; type: Coding; detail?: unknown[] }[];
  extension: { url: string; valueString?: string; valueInteger?: number }[];
}
import { SYSLOG_SD_ID, toSyslogLine } from './export-syslog.js';

function parseCsvText(text: string): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const rows: string[][] = [];
    parseString(text, { headers: false })
      .on('data', (row: string[]) => rows.push(row))
      .on('error', reject)
      .on('end', () => resolve(rows));
  });
}

// RFC 5424 §6, as a regular expression: HEADER SP STRUCTURED-DATA [SP MSG], the MSG UTF-8 with its BOM.
const PRINT = '[\\x21-\\x7e]';
const SD_NAME = '[\\x21\\x23-\\x3c\\x3e-\\x5c\\x5e-\\x7e]{1,32}';
const PARAM_VALUE = '(?:[^"\\\\\\]]|\\\\["\\\\\\]])*';
const SD_ELEMENT = `\\[${SD_NAME}(?: ${SD_NAME}="${PARAM_VALUE}")*\\]`;
const TIMESTAMP = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,6})?(?:Z|[+-]\\d{2}:\\d{2})';
const RFC5424 = new RegExp(
  `^<(\\d{1,3})>1 (${TIMESTAMP}) (${PRINT}{1,255}) (${PRINT}{1,48}) (${PRINT}{1,128}) (${PRINT}{1,32}) ` +
    `((?:${SD_ELEMENT})+|-)(?: \\uFEFF([^\\n]*))?$`,
  'u',
);

/** The SD-PARAMs of an SD-ELEMENT, unescaped. */
function sdParams(sd: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of sd.matchAll(new RegExp(`(${SD_NAME})="(${PARAM_VALUE})"`, 'g'))) {
    out[m[1]!] = m[2]!.replace(/\\(["\\\]])/g, '$1');
  }
  return out;
}

describe.each(testDatabases())('GET /orgs/:orgId/audit/export on $name', (database) => {
  let t: TestApp;
  let owner: TestSession;
  let auditor: TestSession;
  let orgId: string;
  const injection = "=cmd|' /C calc'!A0";

  beforeAll(async () => {
    t = await testApp({ database });
    owner = await signUp(t.app, { displayName: '佐藤 花子' });
    orgId = (await createOrg(t.app, owner, { name: '監査対象株式会社, "本社"' })).id;
    auditor = await addMember(t.app, owner, orgId, { role: 'auditor', displayName: injection });
    const editor = await addMember(t.app, owner, orgId, { role: 'editor', displayName: 'Mal"ory] \\x' });
    await inject(t.app, editor, { url: `/api/v1/orgs/${orgId}/audit` }); // refused: an access.denied record
  });
  afterAll(async () => {
    await t.close();
  });

  const exportAs = (who: TestSession, query: string) =>
    inject(t.app, who, { url: `/api/v1/orgs/${orgId}/audit/export?${query}` });

  it('writes RFC 4180 CSV with a BOM that a CSV parser reads back, Japanese intact and formulas neutralized', async () => {
    const res = await exportAs(auditor, 'format=csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="audit-[\w-]+-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(res.body).toContain('\r\n');
    const rows = await parseCsvText(res.body.slice(1));
    expect(rows[0]).toEqual([...AUDIT_CSV_COLUMNS]);
    const records = rows.slice(1).map((r) => Object.fromEntries(AUDIT_CSV_COLUMNS.map((c, i) => [c, r[i] ?? ''])));
    expect(Number(res.headers['x-openmds-export-rows'])).toBe(records.length);
    expect(res.headers['x-openmds-export-truncated']).toBe('false');
    const seqs = records.map((r) => Number(r.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const created = records.find((r) => r.action === 'org.create');
    expect(created?.actor_name).toBe(`佐藤 花子 <${owner.email}>`);
    expect(JSON.parse(created?.details ?? '{}')).toMatchObject({ name: '監査対象株式会社, "本社"' });
    // The record's hash can be recomputed from the row as exported.
    const c = created!;
    expect(
      auditRecordHash({
        id: c.id!,
        at: c.at!,
        actorId: c.actor_id || null,
        actorName: c.actor_name || null,
        orgId: c.org_id || null,
        action: c.action!,
        objectType: c.object_type!,
        objectId: c.object_id || null,
        revision: c.revision ? Number(c.revision) : null,
        outcome: c.outcome as 'success',
        ip: c.ip || null,
        userAgent: c.user_agent || null,
        details: c.details || null,
        prevHash: c.prev_hash!,
      }),
    ).toBe(c.hash);
    const byAuditor = records.find((r) => r.actor_id === auditor.userId);
    expect(byAuditor?.actor_name).toBe(`'${injection} <${auditor.email}>`);
    expect(records.some((r) => Object.values(r).some((v) => /^[=+\-@]/.test(v ?? '')))).toBe(false);
  });

  it('neutralizes every cell that a spreadsheet would read as a formula', () => {
    for (const bad of ['=1+1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1']) expect(neutralizeCell(bad)).toBe(`'${bad}`);
    for (const ok of ['1', 'a=b', '佐藤', '']) expect(neutralizeCell(ok)).toBe(ok);
  });

  it('writes a FHIR R4 Bundle of AuditEvents, field by field', async () => {
    const res = await exportAs(owner, 'format=fhir');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
    const bundle = res.json<{
      resourceType: string;
      type: string;
      timestamp: string;
      entry: { fullUrl: string; resource: FhirAuditEvent }[];
    }>();
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
    expect(bundle.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(bundle.entry.length).toBeGreaterThan(3);
    for (const { fullUrl, resource: r } of bundle.entry) {
      expect(fullUrl).toBe(`urn:uuid:${r.id}`);
      expect(r.resourceType).toBe('AuditEvent');
      expect(r.type.system).toMatch(/^(http|urn):/);
      expect(r.type.code).not.toBe('');
      expect(['C', 'R', 'U', 'D', 'E']).toContain(r.action);
      expect(r.recorded).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
      expect(['0', '4', '8', '12']).toContain(r.outcome);
      expect(r.agent.length).toBeGreaterThanOrEqual(1);
      expect(r.agent[0]?.requestor).toBe(true);
      expect(r.source.observer.display).toMatch(/^OpenMDS /);
      expect(r.source.type[0]).toMatchObject({ code: '4' });
      expect(r.subtype.some((s) => s.system === OPENMDS_FHIR.action)).toBe(true);
      const ext = Object.fromEntries(r.extension.map((e) => [e.url, e]));
      expect(ext[OPENMDS_FHIR.hashExtension]?.valueString).toMatch(/^[0-9a-f]{64}$/);
      expect(ext[OPENMDS_FHIR.prevHashExtension]?.valueString).toMatch(/^[0-9a-f]{64}$/);
      expect(Number.isInteger(ext[OPENMDS_FHIR.seqExtension]?.valueInteger)).toBe(true);
    }
    const byAction = (a: string) =>
      bundle.entry.map((e) => e.resource).find((r) => r.subtype.some((s) => s.code === a))!;
    const created = byAction('org.create');
    expect(created.type).toMatchObject({ code: 'rest' });
    expect(created.action).toBe('C');
    expect(created.outcome).toBe('0');
    expect(created.agent[0]).toMatchObject({
      who: { identifier: { system: OPENMDS_FHIR.user, value: owner.userId }, display: `佐藤 花子 <${owner.email}>` },
      network: { address: '127.0.0.1', type: '2' },
    });
    expect(created.entity[0]).toMatchObject({
      what: { identifier: { value: orgId } },
      type: { code: '2' },
    });
    expect(created.entity[0]?.detail).toContainEqual({ type: 'objectType', valueString: 'organization' });
    expect(created.entity[1]).toMatchObject({
      what: { identifier: { system: OPENMDS_FHIR.organization, value: orgId } },
    });
    expect(byAction('invitation.create').type).toMatchObject({ system: DICOM, code: '110113' });
    expect(byAction('invitation.create').subtype[0]).toMatchObject({ system: DICOM, code: '110136' });
    const denied = byAction('access.denied');
    expect(denied).toMatchObject({ outcome: '8', outcomeDesc: 'denied', type: { code: '110113' } });
  });

  it('maps actions to DICOM, BALP or local codes with C/R/U/D/E', () => {
    expect(fhirCodes('user.sign-in')).toMatchObject({ type: { code: '110114' }, action: 'E' });
    expect(fhirCodes('user.sign-in').subtype[0]).toMatchObject({ code: '110122' });
    expect(fhirCodes('user.sign-out').subtype[0]).toMatchObject({ code: '110123' });
    expect(fhirCodes('audit.export')).toMatchObject({ type: { code: '110106' }, action: 'R' });
    expect(fhirCodes('statement.read')).toMatchObject({ type: { code: 'rest' }, action: 'R' });
    expect(fhirCodes('statement.read').subtype[0]).toMatchObject({ code: 'read' });
    expect(fhirCodes('system.delete').action).toBe('D');
    expect(fhirCodes('statement.finalize').action).toBe('U');
    expect(fhirCodes('user.two-factor-enable')).toMatchObject({ type: { code: '110114' } });
  });

  it('writes RFC 5424 syslog lines with escaped structured data and a BOM before the message', async () => {
    const res = await exportAs(auditor, 'format=syslog');
    expect(res.statusCode).toBe(200);
    const lines = res.body.split('\n').filter((l) => l !== '');
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) {
      const m = RFC5424.exec(line);
      expect(m, line).not.toBeNull();
      const pri = Number(m![1]);
      expect([10, 13]).toContain(pri >> 3);
      expect(m![4]).toBe('openmds');
      expect(m![7]!.startsWith(`[${SYSLOG_SD_ID} `)).toBe(true);
      const params = sdParams(m![7]!);
      expect(params.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(params.org).toBe(orgId);
      expect(m![6]).toBe(line.split(' ')[5]);
    }
    const denied = lines.find((l) => l.includes(' access.denied '))!;
    expect(Number(RFC5424.exec(denied)![1])).toBe(10 * 8 + 4);
    const params = sdParams(RFC5424.exec(denied)![7]!);
    expect(params.actor).toMatch(/^Mal"ory\] \\x </);
    expect(params.outcome).toBe('denied');
  });

  it('escapes ] " and \\ in parameter values and keeps a line per record', () => {
    const event: AuditEvent = {
      seq: 7,
      id: '00000000-0000-4000-8000-000000000007',
      at: '2026-04-01T09:00:00.000Z',
      actorId: 'u1',
      actorName: 'a"b]c\\d\ne 佐藤',
      orgId: 'o1',
      action: 'statement.finalize',
      objectType: 'statement',
      objectId: 's1',
      revision: 2,
      outcome: 'success',
      ip: null,
      userAgent: null,
      details: null,
      hash: 'f'.repeat(64),
      prevHash: '0'.repeat(64),
    };
    const line = toSyslogLine(event, { instance: 'mds.example.jp', exportedAt: event.at });
    expect(line).not.toContain('\n');
    const m = RFC5424.exec(line)!;
    expect(m[1]).toBe(String(13 * 8 + 5));
    expect(m[3]).toBe('mds.example.jp');
    expect(m[6]).toBe('statement.finalize');
    expect(sdParams(m[7]!)).toMatchObject({ actor: 'a"b]c\\d e 佐藤', object: 'statement:s1', revision: '2' });
    expect(m[8]).toContain('佐藤');
  });

  it('applies the filters, audits the export, and leaves the export’s own record out of it', async () => {
    const res = await exportAs(owner, `format=csv&action=invitation.*&from=2000-01-01&to=2999-12-31`);
    const rows = (await parseCsvText(res.body.slice(1))).slice(1);
    expect(rows.length).toBe(4); // two members invited, each invitation created and accepted
    expect(new Set(rows.map((r) => r[6]))).toEqual(new Set(['invitation.create', 'invitation.accept']));
    const trail = await inject(t.app, owner, { url: `/api/v1/orgs/${orgId}/audit?action=audit.export` });
    const exports = trail.json<{ events: { actorId: string; details: Record<string, unknown> }[] }>().events;
    expect(exports[0]).toMatchObject({
      actorId: owner.userId,
      details: { format: 'csv', rows: 4, truncated: false, action: 'invitation.*', from: '2000-01-01' },
    });
    const again = await exportAs(owner, 'format=csv&action=audit.export');
    const listed = (await parseCsvText(again.body.slice(1))).slice(1);
    expect(listed.length).toBe(exports.length);
  });

  it('refuses editors, viewers and approvers, and a malformed format or time', async () => {
    for (const role of ['editor', 'viewer', 'approver']) {
      const member = await addMember(t.app, owner, orgId, { role });
      expect((await exportAs(member, 'format=csv')).statusCode, role).toBe(403);
    }
    expect((await exportAs(owner, 'format=xml')).statusCode).toBe(400);
    const bad = await exportAs(owner, 'format=csv&from=last-week');
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { message: string } }>().error.message).toMatch(/^querystring\/from/);
  });
});
