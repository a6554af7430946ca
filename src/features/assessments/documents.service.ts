import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { RequestContext } from '../../security/context.js';
import { japanDate } from '../inventory/coverage.service.js';
import { loadRegister, type AssessmentDeps } from './assessments.service.js';
import { registerPdf } from './register-pdf.js';
import { rulesDocument, rulesMarkdown, rulesPdf } from './rules.js';

/**
 * The documents made from an assessment besides its XLSX register: the register as PDF and the 運用管理規程 draft.
 * Reading them needs what reading the assessment needs (`loadRegister` goes through `getAssessment`'s gate), and like
 * the XLSX register they are not audited: they show nothing the assessment's own page does not.
 */

export interface DocumentFile<T extends Uint8Array | string> {
  data: T;
  /** The assessment's title, for the download's file name. */
  title: string;
}

/** The risk register (リスク登録簿) as an A4 landscape PDF. */
export async function assessmentRegisterPdf(
  db: Kysely<Database>,
  deps: AssessmentDeps,
  ctx: RequestContext,
  orgId: string,
  id: string,
): Promise<DocumentFile<Uint8Array>> {
  const { header, rows } = await loadRegister(db, deps, ctx, orgId, id);
  return { data: await registerPdf(header, rows), title: header.title };
}

async function loadRules(db: Kysely<Database>, deps: AssessmentDeps, ctx: RequestContext, orgId: string, id: string) {
  const { header, rows } = await loadRegister(db, deps, ctx, orgId, id);
  return rulesDocument(header, rows, japanDate(ctx.now()));
}

/** The 運用管理規程 draft as Markdown, dated today in Japan. */
export async function assessmentRulesMarkdown(
  db: Kysely<Database>,
  deps: AssessmentDeps,
  ctx: RequestContext,
  orgId: string,
  id: string,
): Promise<DocumentFile<string>> {
  const doc = await loadRules(db, deps, ctx, orgId, id);
  return { data: rulesMarkdown(doc), title: doc.assessment.title };
}

/** The 運用管理規程 draft as an A4 PDF, dated today in Japan. */
export async function assessmentRulesPdf(
  db: Kysely<Database>,
  deps: AssessmentDeps,
  ctx: RequestContext,
  orgId: string,
  id: string,
): Promise<DocumentFile<Uint8Array>> {
  const doc = await loadRules(db, deps, ctx, orgId, id);
  return { data: await rulesPdf(doc), title: doc.assessment.title };
}
