import { randomUUID } from 'node:crypto';
import { canonicalJson } from '../../domain/canonical-json.js';
import type { AuditEvent, AuditOutcome } from '../../security/audit.js';
import type { AuditExportWriter, ExportSource } from './export-format.js';

/** A FHIR Coding. */
export interface Coding {
  system: string;
  code: string;
  display?: string;
}

/** DICOM audit event ids and types (PS3.16 CID 400–405), as FHIR R4 names the code system. */
export const DICOM = 'http://dicom.nema.org/resources/ontology/DCM';
/** FHIR's own audit event types (`rest`), BALP's choice for RESTful interactions. */
export const AUDIT_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
export const RESTFUL_INTERACTION = 'http://hl7.org/fhir/restful-interaction';
const SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const ROLE_TYPE = 'http://terminology.hl7.org/CodeSystem/extra-security-role-type';

/**
 * OpenMDS's local code systems and extensions. They are URNs, not web addresses, because an instance has no
 * canonical site: `urn:openmds:audit-action` holds the action names of AUDIT_ACTIONS (docs/security.md lists them),
 * the others identify users, organizations and objects of this instance.
 */
export const OPENMDS_FHIR = {
  action: 'urn:openmds:audit-action',
  user: 'urn:openmds:user',
  organization: 'urn:openmds:organization',
  /** Followed by `:` and the object type: `urn:openmds:object:statement`. */
  object: 'urn:openmds:object',
  hashExtension: 'urn:openmds:fhir:StructureDefinition:audit-hash',
  prevHashExtension: 'urn:openmds:fhir:StructureDefinition:audit-prev-hash',
  seqExtension: 'urn:openmds:fhir:StructureDefinition:audit-seq',
} as const;

export type FhirAction = 'C' | 'R' | 'U' | 'D' | 'E';

const dcm = (code: string, display: string): Coding => ({ system: DICOM, code, display });
const USER_AUTHENTICATION = dcm('110114', 'User Authentication');
const SECURITY_ALERT = dcm('110113', 'Security Alert');
const LOGIN = dcm('110122', 'Login');
const LOGOUT = dcm('110123', 'Logout');
const ROLES_CHANGED = dcm('110136', 'Security Roles Changed');
const USER_ATTRIBUTES_CHANGED = dcm('110137', 'User security Attributes Changed');
const OBJECT_ATTRIBUTES_CHANGED = dcm('110135', 'Object Security Attributes Changed');
const SECURITY_CONFIGURATION = dcm('110129', 'Security Configuration');
const NETWORK_CONFIGURATION = dcm('110128', 'Network Configuration');
const RESTRICTED_FUNCTION = dcm('110132', 'Use of Restricted Function');

/** Actions with a DICOM event id of their own; the rest are RESTful interactions (BALP). */
const DICOM_EVENTS: Record<string, { type: Coding; subtype?: Coding; action: FhirAction }> = {
  'user.sign-in': { type: USER_AUTHENTICATION, subtype: LOGIN, action: 'E' },
  'user.sign-in-failed': { type: USER_AUTHENTICATION, subtype: LOGIN, action: 'E' },
  'user.sign-out': { type: USER_AUTHENTICATION, subtype: LOGOUT, action: 'E' },
  'session.lock': { type: USER_AUTHENTICATION, action: 'E' },
  'session.unlock': { type: USER_AUTHENTICATION, action: 'E' },
  'session.switch-org': { type: USER_AUTHENTICATION, action: 'E' },
  'user.sign-up': { type: SECURITY_ALERT, subtype: USER_ATTRIBUTES_CHANGED, action: 'C' },
  'operator.setup': { type: SECURITY_ALERT, subtype: USER_ATTRIBUTES_CHANGED, action: 'C' },
  'operator.setup-link': { type: SECURITY_ALERT, subtype: SECURITY_CONFIGURATION, action: 'E' },
  'member.role-change': { type: SECURITY_ALERT, subtype: ROLES_CHANGED, action: 'U' },
  'member.remove': { type: SECURITY_ALERT, subtype: ROLES_CHANGED, action: 'D' },
  'invitation.create': { type: SECURITY_ALERT, subtype: ROLES_CHANGED, action: 'C' },
  'invitation.accept': { type: SECURITY_ALERT, subtype: ROLES_CHANGED, action: 'U' },
  'invitation.revoke': { type: SECURITY_ALERT, subtype: ROLES_CHANGED, action: 'U' },
  'signing-key.create': { type: SECURITY_ALERT, subtype: SECURITY_CONFIGURATION, action: 'C' },
  'signing-ca.create': { type: SECURITY_ALERT, subtype: SECURITY_CONFIGURATION, action: 'C' },
  'grant.create': { type: SECURITY_ALERT, subtype: OBJECT_ATTRIBUTES_CHANGED, action: 'C' },
  'grant.revoke': { type: SECURITY_ALERT, subtype: OBJECT_ATTRIBUTES_CHANGED, action: 'U' },
  'webhook.create': { type: SECURITY_ALERT, subtype: NETWORK_CONFIGURATION, action: 'C' },
  'webhook.delete': { type: SECURITY_ALERT, subtype: NETWORK_CONFIGURATION, action: 'D' },
  'access.denied': { type: SECURITY_ALERT, subtype: RESTRICTED_FUNCTION, action: 'E' },
  'publication.view-denied': { type: SECURITY_ALERT, subtype: RESTRICTED_FUNCTION, action: 'R' },
  'audit.read': { type: dcm('110101', 'Audit Log Used'), action: 'R' },
  'audit.export': { type: dcm('110106', 'Export'), action: 'R' },
};

/** C, R, U, D or E for an action without a DICOM event of its own, from the verb of its name. */
export function crudeOf(action: string): FhirAction {
  const verb = action.slice(action.lastIndexOf('.') + 1);
  if (/^(create|add|sign-up|setup|link|revision-start|register)$/.test(verb)) return 'C';
  if (/^(read|list|view|diff-read|view-denied)$/.test(verb) || verb.endsWith('-read')) return 'R';
  if (/^(delete|remove|unlink)$/.test(verb)) return 'D';
  if (action.startsWith('user.') || action.startsWith('session.') || /^(test|remind|ping)$/.test(verb)) return 'E';
  return 'U';
}

const REST_SUBTYPE: Record<FhirAction, Coding> = {
  C: { system: RESTFUL_INTERACTION, code: 'create', display: 'create' },
  R: { system: RESTFUL_INTERACTION, code: 'read', display: 'read' },
  U: { system: RESTFUL_INTERACTION, code: 'update', display: 'update' },
  D: { system: RESTFUL_INTERACTION, code: 'delete', display: 'delete' },
  E: { system: RESTFUL_INTERACTION, code: 'operation', display: 'operation' },
};

/** The type, subtypes and action of a record: DICOM or BALP (`rest`) codes, and always our action name. */
export function fhirCodes(action: string): { type: Coding; subtype: Coding[]; action: FhirAction } {
  const local: Coding = { system: OPENMDS_FHIR.action, code: action };
  const known = DICOM_EVENTS[action];
  if (known !== undefined) {
    return {
      type: known.type,
      subtype: [...(known.subtype === undefined ? [] : [known.subtype]), local],
      action: known.action,
    };
  }
  // Actions added later (two-factor, break-glass, …) still map: user.* and session.* are authentication events.
  if (action.startsWith('user.') || action.startsWith('session.')) {
    return { type: USER_AUTHENTICATION, subtype: [local], action: crudeOf(action) };
  }
  const crude = crudeOf(action);
  return {
    type: { system: AUDIT_EVENT_TYPE, code: 'rest', display: 'Restful Operation' },
    subtype: [REST_SUBTYPE[crude], local],
    action: crude,
  };
}

/** 0 success; 4 minor failure (a wrong password: the user may try again); 8 serious failure (refused). */
export function fhirOutcome(outcome: AuditOutcome): '0' | '4' | '8' {
  switch (outcome) {
    case 'success':
      return '0';
    case 'failure':
      return '4';
    case 'denied':
      return '8';
  }
}

/** One audit record as a FHIR R4 AuditEvent. */
export function toFhirAuditEvent(e: AuditEvent, source: ExportSource): Record<string, unknown> {
  const codes = fhirCodes(e.action);
  const agent: Record<string, unknown> = {
    type: { coding: [{ system: ROLE_TYPE, code: 'humanuser', display: 'human user' }] },
    who: {
      ...(e.actorId === null ? {} : { identifier: { system: OPENMDS_FHIR.user, value: e.actorId } }),
      display: e.actorName ?? (e.userAgent?.startsWith('openmds ') === true ? e.userAgent : 'anonymous'),
    },
    ...(e.actorName === null ? {} : { name: e.actorName }),
    requestor: true,
    ...(e.ip === null ? {} : { network: { address: e.ip, type: '2' } }),
  };
  const detail: { type: string; valueString: string }[] = [{ type: 'objectType', valueString: e.objectType }];
  if (e.revision !== null) detail.push({ type: 'revision', valueString: String(e.revision) });
  if (e.details !== null) detail.push({ type: 'details', valueString: canonicalJson(e.details) });
  if (e.userAgent !== null) detail.push({ type: 'userAgent', valueString: e.userAgent });
  const entity: Record<string, unknown>[] = [
    {
      what: {
        ...(e.objectId === null
          ? {}
          : { identifier: { system: `${OPENMDS_FHIR.object}:${e.objectType}`, value: e.objectId } }),
        display: e.objectId === null ? e.objectType : `${e.objectType}:${e.objectId}`,
      },
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      detail,
    },
  ];
  if (e.orgId !== null) {
    entity.push({
      what: { identifier: { system: OPENMDS_FHIR.organization, value: e.orgId } },
      type: { system: ENTITY_TYPE, code: '3', display: 'Organization' },
    });
  }
  return {
    resourceType: 'AuditEvent',
    id: e.id,
    extension: [
      { url: OPENMDS_FHIR.hashExtension, valueString: e.hash },
      { url: OPENMDS_FHIR.prevHashExtension, valueString: e.prevHash },
      { url: OPENMDS_FHIR.seqExtension, valueInteger: e.seq },
    ],
    type: codes.type,
    subtype: codes.subtype,
    action: codes.action,
    recorded: e.at,
    outcome: fhirOutcome(e.outcome),
    ...(e.outcome === 'success' ? {} : { outcomeDesc: e.outcome }),
    agent: [agent],
    source: {
      site: source.instance,
      observer: { display: `OpenMDS ${source.instance}` },
      type: [{ system: SOURCE_TYPE, code: '4', display: 'Application Server' }],
    },
    entity,
  };
}

/** A FHIR R4 Bundle (type collection) of AuditEvents, one entry per record, written as a stream of JSON. */
export function fhirExport(source: ExportSource): AuditExportWriter {
  let first = true;
  return {
    contentType: 'application/fhir+json; charset=utf-8',
    extension: 'fhir.json',
    begin: () =>
      `{"resourceType":"Bundle","id":${JSON.stringify(randomUUID())},"type":"collection","timestamp":${JSON.stringify(source.exportedAt)},"entry":[`,
    record: (e) => {
      const entry = JSON.stringify({ fullUrl: `urn:uuid:${e.id}`, resource: toFhirAuditEvent(e, source) });
      const text = first ? `\n${entry}` : `,\n${entry}`;
      first = false;
      return text;
    },
    end: () => '\n]}\n',
  };
}
