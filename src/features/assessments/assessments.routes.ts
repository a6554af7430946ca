import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Db } from '../../db/database.js';
import type { TemplateRegistry } from '../../domain/templates/registry.js';
import { ErrorResponseSchema, ROUTE_ERRORS } from '../../server/errors.js';
import {
  AcceptSchema,
  AssessmentDetailSchema,
  AssessmentParamsSchema,
  AssessmentSummarySchema,
  CreateAssessmentSchema,
  OrgParamsSchema,
  RedraftResultSchema,
  RiskParamsSchema,
} from './assessments.schema.js';
import {
  acceptAssessment,
  assessmentRegisterXlsx,
  createAssessment,
  getAssessment,
  listAssessments,
  redraftAssessment,
  updateRisk,
} from './assessments.service.js';
import { reassessAssessment } from './new-revision.service.js';
import { assessmentRegisterPdf, assessmentRulesMarkdown, assessmentRulesPdf } from './documents.service.js';

const errors = { ...ROUTE_ERRORS, 409: ErrorResponseSchema };
const tags = ['assessments'];

/** A download's Content-Disposition: an ASCII name for old clients, the Japanese one for the rest (RFC 6266). */
const attachment = (ascii: string, name: string): string =>
  `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
const binary = (description: string) => Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description });

/** A hospital's risk assessments: drafted from the statements its systems rely on, treated, accepted. */
export const assessmentsRoutes: FastifyPluginCallbackTypebox<{ db: Db; templates: TemplateRegistry }> = (
  app,
  { db, templates },
  done,
) => {
  const k = db.kysely;
  const deps = { templates };
  app.get(
    '/orgs/:orgId/assessments',
    {
      schema: {
        tags,
        summary: 'Risk assessments, newest first',
        params: OrgParamsSchema,
        response: { 200: Type.Array(AssessmentSummarySchema), ...errors },
      },
    },
    (req) => listAssessments(k, req.ctx, req.params.orgId),
  );
  app.post(
    '/orgs/:orgId/assessments',
    {
      schema: {
        tags,
        summary: 'Start an assessment of one system or the facility; its risks are drafted from the gaps',
        params: OrgParamsSchema,
        body: CreateAssessmentSchema,
        response: { 201: AssessmentSummarySchema, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(await createAssessment(k, deps, req.ctx, req.params.orgId, req.body)),
  );
  app.get(
    '/orgs/:orgId/assessments/:assessmentId',
    {
      schema: {
        tags,
        summary: 'An assessment: risks, rows filtered out with reasons, summary (heat map, by section, overdue)',
        params: AssessmentParamsSchema,
        response: { 200: AssessmentDetailSchema, ...errors },
      },
    },
    (req) => getAssessment(k, deps, req.ctx, req.params.orgId, req.params.assessmentId),
  );
  app.get(
    '/orgs/:orgId/assessments/:assessmentId/register.xlsx',
    {
      schema: {
        tags,
        summary: 'The risk register (リスク登録簿) as an XLSX workbook',
        params: AssessmentParamsSchema,
        response: {
          200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'The workbook' }),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const r = await assessmentRegisterXlsx(k, deps, req.ctx, req.params.orgId, req.params.assessmentId);
      return reply
        .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header(
          'content-disposition',
          `attachment; filename="risk-register.xlsx"; filename*=UTF-8''${encodeURIComponent(`リスク登録簿_${r.title}.xlsx`)}`,
        )
        .send(Buffer.from(r.data));
    },
  );
  app.get(
    '/orgs/:orgId/assessments/:assessmentId/register.pdf',
    {
      schema: {
        tags,
        summary: 'The risk register (リスク登録簿) as a PDF (A4 landscape)',
        params: AssessmentParamsSchema,
        response: { 200: binary('The PDF'), ...errors },
      },
    },
    async (req, reply) => {
      const r = await assessmentRegisterPdf(k, deps, req.ctx, req.params.orgId, req.params.assessmentId);
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', attachment('risk-register.pdf', `リスク登録簿_${r.title}.pdf`))
        .send(Buffer.from(r.data));
    },
  );
  app.get(
    '/orgs/:orgId/assessments/:assessmentId/rules.md',
    {
      schema: {
        tags,
        summary: 'A draft of the 運用管理規程: the measures committed to, by guideline section, as Markdown',
        params: AssessmentParamsSchema,
        response: { 200: Type.String({ description: 'Markdown (pandoc converts it to DOCX)' }), ...errors },
      },
    },
    async (req, reply) => {
      const r = await assessmentRulesMarkdown(k, deps, req.ctx, req.params.orgId, req.params.assessmentId);
      return reply
        .header('content-type', 'text/markdown; charset=utf-8')
        .header('content-disposition', attachment('rules.md', `運用管理規程案_${r.title}.md`))
        .send(r.data);
    },
  );
  app.get(
    '/orgs/:orgId/assessments/:assessmentId/rules.pdf',
    {
      schema: {
        tags,
        summary: 'A draft of the 運用管理規程: the measures committed to, by guideline section, as a PDF',
        params: AssessmentParamsSchema,
        response: { 200: binary('The PDF'), ...errors },
      },
    },
    async (req, reply) => {
      const r = await assessmentRulesPdf(k, deps, req.ctx, req.params.orgId, req.params.assessmentId);
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', attachment('rules.pdf', `運用管理規程案_${r.title}.pdf`))
        .send(Buffer.from(r.data));
    },
  );
  app.patch(
    '/orgs/:orgId/assessments/:assessmentId/risks/:riskId',
    {
      schema: {
        tags,
        summary: 'Record ratings, treatment (低減/受容/回避/移転), measure, owner, due date, status, residual rating',
        params: RiskParamsSchema,
        body: Type.Record(Type.String(), Type.Unknown()),
        response: { 200: Type.Object({ id: Type.String(), record: Type.Unknown() }), ...errors },
      },
    },
    (req) => updateRisk(k, req.ctx, req.params.orgId, req.params.assessmentId, req.params.riskId, req.body),
  );
  app.post(
    '/orgs/:orgId/assessments/:assessmentId/redraft',
    {
      schema: {
        tags,
        summary: 'Draft again from the statements relied on now; reopen the risks whose rows changed',
        params: AssessmentParamsSchema,
        response: { 200: RedraftResultSchema, ...errors },
      },
    },
    (req) => redraftAssessment(k, deps, req.ctx, req.params.orgId, req.params.assessmentId),
  );
  app.post(
    '/orgs/:orgId/assessments/:assessmentId/reassess',
    {
      schema: {
        tags,
        summary:
          'Reassess an accepted assessment: a new draft from the statements relied on now, records carried forward',
        params: AssessmentParamsSchema,
        response: { 201: AssessmentSummarySchema, ...errors },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await reassessAssessment(k, deps, req.ctx, req.params.orgId, req.params.assessmentId)),
  );
  app.post(
    '/orgs/:orgId/assessments/:assessmentId/accept',
    {
      config: { recentAuth: true },
      schema: {
        tags,
        summary: 'Accept the residual risk (owner or approver): the assessment is frozen, timed and audited',
        params: AssessmentParamsSchema,
        body: AcceptSchema,
        response: { 200: AssessmentSummarySchema, ...errors },
      },
    },
    (req) => acceptAssessment(k, req.ctx, req.params.orgId, req.params.assessmentId, req.body),
  );
  done();
};
