import { randomBytes } from 'node:crypto';
import type { Db } from '../db/database.js';
import type { Statement } from '../domain/statement.js';
import type { TemplateRegistry } from '../domain/templates/registry.js';
import { signOut, signUp } from '../features/accounts/accounts.service.js';
import { createAssessment, getAssessment, updateRisk } from '../features/assessments/assessments.service.js';
import { addSourceFromPublication } from '../features/inventory/sources.service.js';
import { createSystem, linkStatement } from '../features/inventory/systems.service.js';
import { createOrg } from '../features/organizations/organizations.service.js';
import { addProductVersion, createProduct } from '../features/products/products.service.js';
import { publishRevision } from '../features/publishing/publishing.service.js';
import {
  createOrgStatement,
  finalizeOrgRevision,
  saveOrgRevision,
  submitOrgRevision,
  type WorkflowDeps,
} from '../features/statements/statements.workflow.js';
import { loadUserActor } from '../security/actors.js';
import type { RequestContext } from '../security/context.js';
import { sessionIdHash } from '../security/sessions.js';
import type { AppSettings } from '../security/settings.js';
import { CommandError, commandContext } from './cli-context.js';
import {
  DEMO_ASSESSMENT_TITLE,
  DEMO_HOSPITAL,
  DEMO_MANUFACTURERS,
  DEMO_SYSTEMS,
  DEMO_TREATMENTS,
  finalizableGeneralPacs,
  openmdsSelfStatement,
  publishableNemaExample,
} from './demo-data.js';

const COMMAND = 'demo';

/** One account the demo made, with the password shown once. */
export interface DemoAccount {
  role: string;
  organization: string;
  email: string;
  password: string;
}

export interface DemoResult {
  accounts: DemoAccount[];
  manufacturers: { orgId: string; name: string; publicationId: string }[];
  hospital: { orgId: string; name: string; systems: number; assessmentId: string; risks: number; treated: number };
}

/** A password for a demo account: 144 random bits, base64url (24 characters), never a fixed one. */
export function demoPassword(): string {
  return randomBytes(18).toString('base64url');
}

/** Signs an account up and acts as it, through its own (short-lived) session. */
async function account(
  db: Db,
  settings: AppSettings,
  who: { email: string; displayName: string },
  password: string,
): Promise<RequestContext> {
  // The demo is the operator filling their own instance: it makes accounts even when public sign-up is off.
  const result = await signUp(
    db.kysely,
    commandContext(COMMAND, { kind: 'anonymous' }),
    { ...who, password },
    {
      ...settings,
      signup: true,
    },
  );
  if (result.token === undefined) throw new Error('sign-up started no session');
  return actorContext(db, result.view.user.id, sessionIdHash(result.token));
}

async function actorContext(db: Db, userId: string, sessionId: string): Promise<RequestContext> {
  const actor = await loadUserActor(db.kysely, userId, sessionId);
  if (actor === undefined) throw new Error('the demo account vanished');
  return commandContext(COMMAND, actor);
}

/** The same user with the memberships they have now (after creating an organization). */
async function refreshed(db: Db, ctx: RequestContext): Promise<RequestContext> {
  if (ctx.actor.kind !== 'user') throw new Error('not a user');
  return actorContext(db, ctx.actor.userId, ctx.actor.sessionId);
}

/** Writes a statement through the manufacturer's workflow (draft → review → finalized) and publishes it publicly. */
async function publishStatement(
  deps: WorkflowDeps,
  ctx: RequestContext,
  orgId: string,
  input: {
    product: { name: string; category: 'pacs' | 'other'; description: string };
    version: string;
    template: { id: string; edition: string };
    fill: (draft: Statement) => Statement;
  },
): Promise<string> {
  const product = await createProduct(deps.db, ctx, orgId, input.product);
  const version = await addProductVersion(deps.db, ctx, orgId, product.id, { version: input.version });
  const created = await createOrgStatement(deps, ctx, orgId, {
    productVersionId: version.id,
    template: input.template,
  });
  const { revision, content } = created.latest;
  const saved = await saveOrgRevision(deps, ctx, orgId, created.id, revision, {
    expectedVersion: created.latest.version,
    content: input.fill(content),
  });
  if (!saved.validation.valid) {
    const first = saved.validation.issues.find((i) => i.severity === 'error');
    throw new Error(`the demo statement does not validate: ${first?.message.en ?? 'unknown'}`);
  }
  await submitOrgRevision(deps, ctx, orgId, created.id, revision, saved.version);
  await finalizeOrgRevision(deps, ctx, orgId, created.id, revision, saved.version + 1);
  const publication = await publishRevision(deps.db, { templates: deps.templates }, ctx, {
    orgId,
    statementId: created.id,
    revision,
    visibility: 'public',
  });
  return publication.id;
}

/**
 * Fills a fresh instance for a newcomer: three manufacturers with published statements (General-PACS, NEMA's
 * example device, and OpenMDS's own statement), a hospital with an
 * inventory, statements added from the directory, systems linked and a drafted facility assessment with a few
 * risks treated. Everything goes through the services, so the audit trail records it as it would record a person.
 * Refuses (exit 1) when the instance has any organization: the demo never mixes with real data.
 */
export async function runDemo(db: Db, templates: TemplateRegistry, settings: AppSettings): Promise<DemoResult> {
  const existing = await db.kysely
    .selectFrom('organizations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  if (Number(existing.n) > 0) {
    throw new CommandError(
      `this instance has ${existing.n} organization(s) already; openmds demo fills only a fresh instance (use a new --data folder or --database)`,
      1,
    );
  }
  const deps: WorkflowDeps = { db: db.kysely, templates };
  const accounts: DemoAccount[] = [];
  const sessions: RequestContext[] = [];
  const manufacturers: DemoResult['manufacturers'] = [];
  const publications: Record<keyof typeof DEMO_MANUFACTURERS, string> = { xyz: '', example: '', openmds: '' };

  const mds = templates.get('jahis-jira-mds', '2');
  if (mds === undefined) throw new Error('the MDS 2nd edition is not built in');

  for (const key of ['xyz', 'example', 'openmds'] as const) {
    const m = DEMO_MANUFACTURERS[key];
    const password = demoPassword();
    let ctx = await account(db, settings, m.owner, password);
    sessions.push(ctx);
    const org = await createOrg(db.kysely, ctx, { name: m.org, kind: 'manufacturer' });
    ctx = await refreshed(db, ctx);
    accounts.push({ role: 'manufacturer owner', organization: m.org, email: m.owner.email, password });
    const publicationId =
      key === 'xyz'
        ? await publishStatement(deps, ctx, org.id, {
            product: m.product,
            version: m.version,
            template: { id: 'jahis-jira-mds', edition: '2' },
            fill: (draft) => ({ ...draft, ...finalizableGeneralPacs(mds) }),
          })
        : key === 'openmds'
          ? await publishStatement(deps, ctx, org.id, {
              product: m.product,
              version: m.version,
              template: { id: 'jahis-jira-mds', edition: '2' },
              fill: (draft) => {
                const own = openmdsSelfStatement();
                return {
                  ...draft,
                  header: { ...own.header, ...draft.header },
                  answers: own.answers,
                  remarks: own.remarks,
                };
              },
            })
          : await publishStatement(deps, ctx, org.id, {
              product: m.product,
              version: m.version,
              template: { id: 'nema-mds2', edition: '2019' },
              fill: (draft) => {
                const nema = publishableNemaExample();
                return {
                  ...draft,
                  header: { ...nema.header, ...draft.header },
                  answers: nema.answers,
                  remarks: nema.remarks,
                };
              },
            });
    publications[key] = publicationId;
    manufacturers.push({ orgId: org.id, name: m.org, publicationId });
  }

  const password = demoPassword();
  let ctx = await account(db, settings, DEMO_HOSPITAL.owner, password);
  sessions.push(ctx);
  const hospital = await createOrg(db.kysely, ctx, { name: DEMO_HOSPITAL.org, kind: 'hospital' });
  ctx = await refreshed(db, ctx);
  accounts.push({
    role: 'hospital owner',
    organization: DEMO_HOSPITAL.org,
    email: DEMO_HOSPITAL.owner.email,
    password,
  });

  const sources: Record<'xyz' | 'example', string> = { xyz: '', example: '' };
  for (const key of ['xyz', 'example'] as const) {
    sources[key] = (
      await addSourceFromPublication(db.kysely, ctx, hospital.id, { publicationId: publications[key] })
    ).id;
  }
  for (const { relies, ...system } of DEMO_SYSTEMS) {
    const created = await createSystem(db.kysely, ctx, hospital.id, system);
    if (relies !== null) await linkStatement(db.kysely, ctx, hospital.id, created.id, { sourceId: sources[relies] });
  }

  const assessment = await createAssessment(db.kysely, { templates }, ctx, hospital.id, {
    scope: 'facility',
    title: DEMO_ASSESSMENT_TITLE,
  });
  const detail = await getAssessment(db.kysely, { templates }, ctx, hospital.id, assessment.id);
  let treated = 0;
  for (const t of DEMO_TREATMENTS) {
    const risk = detail.riskList.find((r) => r.record?.rowId === t.rowId);
    if (risk === undefined) continue;
    await updateRisk(db.kysely, ctx, hospital.id, assessment.id, risk.id, t.update);
    treated++;
  }

  // The sessions the sign-ups opened were only the demo's way of acting; nobody holds their tokens.
  for (const s of sessions) await signOut(db.kysely, s);

  return {
    accounts,
    manufacturers,
    hospital: {
      orgId: hospital.id,
      name: DEMO_HOSPITAL.org,
      systems: DEMO_SYSTEMS.length,
      assessmentId: assessment.id,
      risks: detail.riskList.length,
      treated,
    },
  };
}

/** What the demo prints: what it made, then each account with its password, once. */
export function demoReport(r: DemoResult): string {
  const lines = [
    'OpenMDS demo data created:',
    ...r.manufacturers.map(
      (m) => `  manufacturer  ${m.name}: a statement published publicly (/directory/${m.publicationId})`,
    ),
    `  hospital      ${r.hospital.name}: ${r.hospital.systems} systems, 2 statements from the directory, a facility assessment with ${r.hospital.risks} drafted risks (${r.hospital.treated} treated)`,
    '',
    'Demo accounts (the passwords are shown only now; sign in at /sign-in):',
    // Names of organizations go last: Japanese characters are wide and would break the columns.
    ...r.accounts.map((a) => `  ${a.role.padEnd(19)} ${a.email.padEnd(44)} ${a.password}  ${a.organization}`),
    '',
  ];
  return lines.join('\n');
}
