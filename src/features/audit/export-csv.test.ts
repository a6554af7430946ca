import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../domain/canonical-json.js';
import { parseCsv } from '../../formats/csv/csv-text.js';
import { auditRecordHash, type AuditEvent } from '../../security/audit.js';
import { AUDIT_CSV_COLUMNS, csvExport } from './export-csv.js';

/** An audit event whose user-supplied fields look like formulas; its hash is the real one. */
function eventWith(fields: { actorName: string; userAgent: string; objectId: string; remark: string }): AuditEvent {
  const base = {
    id: '00000000-0000-4000-8000-000000000009',
    at: '2026-04-01T09:00:00.000Z',
    actorId: 'u1',
    actorName: fields.actorName,
    orgId: 'o1',
    action: 'statement.update',
    objectType: 'statement',
    objectId: fields.objectId,
    revision: 1,
    outcome: 'success' as const,
    ip: '192.0.2.10',
    userAgent: fields.userAgent,
    prevHash: '0'.repeat(64),
  };
  const details = { remark: fields.remark };
  return { ...base, seq: 9, details, hash: auditRecordHash({ ...base, details: canonicalJson(details) }) };
}

describe('audit trail CSV', () => {
  const event = eventWith({
    actorName: '=HYPERLINK("http://x") <mal@example.jp>',
    userAgent: '-1+2',
    objectId: '@SUM(A1)',
    remark: '佐藤 花子の備考 =1+1',
  });
  const writer = csvExport();
  const file = writer.begin() + writer.record(event) + writer.end();

  it('writes cells that look like formulas with a leading apostrophe', () => {
    expect(file).toContain(`,"'=HYPERLINK(""http://x"") <mal@example.jp>",`);
    expect(file).toContain(",'-1+2,");
    expect(file).toContain(",'@SUM(A1),");
    // The details cell begins with "{": left as it is, Japanese intact.
    expect(file).toContain(`"{""remark"":""佐藤 花子の備考 =1+1""}"`);
  });

  it('reads back through our CSV reader exactly, so the record hash recomputes from the row', () => {
    const [header, row] = parseCsv(file.slice(1));
    expect(header?.fields).toEqual([...AUDIT_CSV_COLUMNS]);
    const r = Object.fromEntries(AUDIT_CSV_COLUMNS.map((c, i) => [c, row?.fields[i] ?? '']));
    expect(r.actor_name).toBe(event.actorName);
    expect(r.user_agent).toBe('-1+2');
    expect(r.object_id).toBe('@SUM(A1)');
    expect(
      auditRecordHash({
        id: r.id!,
        at: r.at!,
        actorId: r.actor_id || null,
        actorName: r.actor_name || null,
        orgId: r.org_id || null,
        action: r.action!,
        objectType: r.object_type!,
        objectId: r.object_id || null,
        revision: r.revision ? Number(r.revision) : null,
        outcome: 'success',
        ip: r.ip || null,
        userAgent: r.user_agent || null,
        details: r.details || null,
        prevHash: r.prev_hash!,
      }),
    ).toBe(r.hash);
  });
});
