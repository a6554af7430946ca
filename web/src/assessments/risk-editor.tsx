import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Divider,
  Drawer,
  Group,
  Input,
  SegmentedControl,
  Select,
  Stack,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useLang } from '../i18n';
import {
  assessmentKeys,
  assessmentsApi,
  type Rating,
  type RiskStatus,
  type RiskView,
  type ScoringMethod,
  type Treatment,
} from './assessments-api';
import { errorAt, fieldErrors, otherErrors } from './field-errors';
import { LevelBadge, RISK_STATUSES, TREATMENTS, pickText, ratingFields, scoreOf } from './labels';

type RatingForm = Record<string, number | null>;

function formOf(method: ScoringMethod, rating: Rating | null): RatingForm {
  const fits = scoreOf(method, rating) !== null;
  const r = (rating ?? {}) as unknown as Record<string, number>;
  return Object.fromEntries(ratingFields(method).map(({ field }) => [field, fits ? (r[field] ?? null) : null]));
}

function ratingOf(form: RatingForm): Rating | null {
  const values = Object.values(form);
  return values.some((v) => v === null) ? null : (form as unknown as Rating);
}

/** The drawer where the person records a risk: ratings, treatment, measure, owner, due date, status, residual. */
export function RiskEditor({
  orgId,
  assessmentId,
  method,
  risk,
  readOnly,
  onClose,
}: {
  orgId: string;
  assessmentId: string;
  method: ScoringMethod;
  risk: RiskView | null;
  readOnly: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  return (
    <Drawer
      opened={risk !== null}
      onClose={onClose}
      position="right"
      size="xl"
      title={risk === null ? '' : t('assessments.editor.title', { row: risk.draft.number || risk.draft.rowId })}
      data-testid="risk-editor"
    >
      {risk !== null && (
        <RiskForm
          key={`${risk.id}:${risk.updatedAt}`}
          orgId={orgId}
          assessmentId={assessmentId}
          method={method}
          risk={risk}
          readOnly={readOnly}
          onDone={onClose}
        />
      )}
    </Drawer>
  );
}

function RiskForm({
  orgId,
  assessmentId,
  method,
  risk,
  readOnly,
  onDone,
}: {
  orgId: string;
  assessmentId: string;
  method: ScoringMethod;
  risk: RiskView;
  readOnly: boolean;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const queryClient = useQueryClient();
  const { draft, record } = risk;
  const suggestion = pickText(draft.measure, lang);
  const [rating, setRating] = useState<RatingForm>(() =>
    formOf(method, scoreOf(method, record.rating) !== null ? record.rating : draft.suggested.rating),
  );
  const [treatment, setTreatment] = useState<Treatment | null>(record.treatment);
  // An empty measure starts from the catalogue's suggestion: the person edits it rather than writing from nothing.
  const prefilled = record.measure.trim() === '' && suggestion !== '' && !readOnly;
  const [measure, setMeasure] = useState(prefilled ? suggestion : record.measure);
  const [owner, setOwner] = useState(record.owner ?? '');
  const [dueDate, setDueDate] = useState(record.dueDate ?? '');
  const [status, setStatus] = useState<RiskStatus>(record.status);
  const [hasResidual, setHasResidual] = useState(record.residualRating !== null);
  const [residual, setResidual] = useState<RatingForm>(() => formOf(method, record.residualRating ?? record.rating));
  const [reason, setReason] = useState(record.acceptanceReason ?? '');

  const save = useMutation({
    mutationFn: () => {
      const r = ratingOf(rating);
      return assessmentsApi.updateRisk(orgId, assessmentId, risk.id, {
        ...(r === null ? {} : { rating: r }),
        treatment,
        measure,
        owner: owner.trim() === '' ? null : owner.trim(),
        dueDate: dueDate === '' ? null : dueDate,
        status,
        residualRating: hasResidual ? (ratingOf(residual) ?? (residual as unknown as Rating)) : null,
        acceptanceReason: reason.trim() === '' ? null : reason,
      });
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: assessmentKeys.one(orgId, assessmentId) });
      await queryClient.invalidateQueries({ queryKey: assessmentKeys.list(orgId) });
      onDone();
    },
  });
  const errors = fieldErrors(save.error, lang);
  const fields = ['rating', 'treatment', 'measure', 'owner', 'dueDate', 'status', 'residualRating', 'acceptanceReason'];
  const rest = otherErrors(errors, fields);
  const inherent = scoreOf(method, ratingOf(rating));
  const residualScore = hasResidual ? scoreOf(method, ratingOf(residual)) : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };

  return (
    <Stack gap="sm" component="form" onSubmit={submit} data-testid="risk-form" data-id={risk.id}>
      {risk.reopenedReason !== null && (
        <Alert color="orange" title={t('assessments.reopened')} data-testid="reopened-reason">
          {risk.reopenedReason}
        </Alert>
      )}
      <RiskFacts risk={risk} />
      <Divider label={t('assessments.editor.record')} labelPosition="left" />
      <RatingFields
        legend={t('assessments.editor.rating')}
        method={method}
        value={rating}
        onChange={setRating}
        disabled={readOnly}
        error={errorAt(errors, 'rating')}
        prefix="rating"
        score={inherent}
      />
      <Input.Wrapper label={t('assessments.treatment')} error={errorAt(errors, 'treatment')}>
        <SegmentedControl
          display="flex"
          value={treatment ?? 'none'}
          onChange={(v) => setTreatment(TREATMENTS.find((x) => x === v) ?? null)}
          data={[
            { value: 'none', label: t('assessments.treatments.none') },
            ...TREATMENTS.map((x) => ({ value: x, label: t(`assessments.treatments.${x}`) })),
          ]}
          disabled={readOnly}
          aria-label={t('assessments.treatment')}
          data-testid="field-treatment"
        />
      </Input.Wrapper>
      <Textarea
        label={t('assessments.measure')}
        description={prefilled ? t('assessments.editor.measurePrefilled') : undefined}
        autosize
        minRows={3}
        maxRows={10}
        value={measure}
        onChange={(e) => setMeasure(e.currentTarget.value)}
        readOnly={readOnly}
        error={errorAt(errors, 'measure')}
        data-testid="field-measure"
      />
      {!readOnly && suggestion !== '' && measure !== suggestion && (
        <Button
          variant="subtle"
          size="compact-xs"
          w="fit-content"
          onClick={() => setMeasure(suggestion)}
          data-testid="use-suggestion"
        >
          {t('assessments.editor.useSuggestion')}
        </Button>
      )}
      <Group grow align="flex-start">
        <TextInput
          label={t('assessments.owner')}
          value={owner}
          onChange={(e) => setOwner(e.currentTarget.value)}
          readOnly={readOnly}
          error={errorAt(errors, 'owner')}
          data-testid="field-owner"
        />
        <TextInput
          type="date"
          label={t('assessments.dueDate')}
          value={dueDate}
          onChange={(e) => setDueDate(e.currentTarget.value)}
          readOnly={readOnly}
          error={errorAt(errors, 'dueDate')}
          data-testid="field-due-date"
        />
        <Select
          label={t('assessments.statusLabel')}
          data={RISK_STATUSES.map((s) => ({ value: s, label: t(`assessments.riskStatus.${s}`) }))}
          value={status}
          onChange={(v) => setStatus(RISK_STATUSES.find((s) => s === v) ?? status)}
          allowDeselect={false}
          disabled={readOnly}
          error={errorAt(errors, 'status')}
          data-testid="field-status"
        />
      </Group>
      <Checkbox
        label={t('assessments.editor.hasResidual')}
        checked={hasResidual}
        onChange={(e) => setHasResidual(e.currentTarget.checked)}
        disabled={readOnly}
        error={hasResidual ? undefined : errorAt(errors, 'residualRating')}
        data-testid="field-has-residual"
      />
      {hasResidual && (
        <RatingFields
          legend={t('assessments.residual')}
          method={method}
          value={residual}
          onChange={setResidual}
          disabled={readOnly}
          error={errorAt(errors, 'residualRating')}
          prefix="residual"
          score={residualScore}
          residual
        />
      )}
      <Textarea
        label={t('assessments.acceptanceReason')}
        description={t('assessments.editor.reasonHelp')}
        autosize
        minRows={2}
        maxRows={6}
        value={reason}
        onChange={(e) => setReason(e.currentTarget.value)}
        readOnly={readOnly}
        error={errorAt(errors, 'acceptanceReason')}
        data-testid="field-acceptance-reason"
      />
      {(rest.length > 0 || (save.error !== null && Object.keys(errors).length === 0)) && (
        <Alert color="red" role="alert" p="sm" data-testid="form-error">
          {rest.length > 0 ? rest.join(' / ') : save.error?.message}
        </Alert>
      )}
      {!readOnly && (
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            {t('app.cancel')}
          </Button>
          <Button type="submit" loading={save.isPending} data-testid="risk-save">
            {t('assessments.editor.save')}
          </Button>
        </Group>
      )}
    </Stack>
  );
}

/** What was drafted: the row, the vendor's answer and remarks, the catalogue's threat and suggested measure. */
function RiskFacts({ risk }: { risk: RiskView }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const { draft } = risk;
  return (
    <Stack gap={6} data-testid="risk-facts">
      <Group gap={6}>
        <Badge variant="outline" color="gray">
          {risk.systemName}
        </Badge>
        <Badge variant="light">{t('assessments.guidelineSection', { section: draft.guidelineSection })}</Badge>
        {draft.refs.map((r) => (
          <Badge key={r} variant="light" color="gray">
            {r}
          </Badge>
        ))}
      </Group>
      <Title order={3} size="h5">
        {draft.number !== '' ? `${draft.number} ` : ''}
        {pickText(draft.text, lang)}
      </Title>
      {draft.sectionTitle !== null && (
        <Text size="xs" c="dimmed">
          {pickText(draft.sectionTitle, lang)}
        </Text>
      )}
      <VendorAnswer risk={risk} />
      <Text size="sm">
        <Text span fw={700}>
          {t('assessments.threat')}:{' '}
        </Text>
        {draft.threat === null ? t('assessments.editor.noCatalogue') : pickText(draft.threat, lang)}
      </Text>
      {draft.measure !== null && (
        <Text size="sm">
          <Text span fw={700}>
            {t('assessments.editor.suggestedMeasure')}:{' '}
          </Text>
          {pickText(draft.measure, lang)}
        </Text>
      )}
      <Text size="xs" c="dimmed">
        {t('assessments.editor.suggestedRating', { value: draft.suggested.score.value })}{' '}
        {t(`assessments.level.${draft.suggested.score.level}`)}
      </Text>
    </Stack>
  );
}

/** The vendor's answer, a group's items, and the remarks the row cites. */
export function VendorAnswer({ risk, compact }: { risk: RiskView; compact?: boolean }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const { draft } = risk;
  const answer = pickText(draft.answer.label, lang) || t(`assessments.answer.${draft.answer.kind}`);
  return (
    <Stack gap={2} data-testid="vendor-answer">
      <Group gap={6}>
        <Text size="sm" fw={700}>
          {compact === true ? '' : `${t('assessments.vendorAnswer')}: `}
        </Text>
        <Badge
          color={draft.answer.kind === 'no' ? 'red' : 'yellow'}
          variant="light"
          size="sm"
          data-kind={draft.answer.kind}
        >
          {answer}
        </Badge>
      </Group>
      {compact !== true &&
        draft.items?.map((i) => (
          <Text key={i.rowId} size="xs" c="dimmed">
            ・{pickText(i.text, lang)}: {i.value ?? t('assessments.answer.unanswered')}
          </Text>
        ))}
      {draft.remarks.map((r) => (
        <Text
          key={r.number}
          size="xs"
          c={r.text === null ? 'red.8' : undefined}
          lineClamp={compact === true ? 2 : undefined}
        >
          {t('assessments.remark', { n: r.number })} {r.text ?? t('assessments.remarkMissing')}
        </Text>
      ))}
    </Stack>
  );
}

/** The factors of a rating under the method, with the score it gives as the person chooses. */
function RatingFields({
  legend,
  method,
  value,
  onChange,
  disabled,
  error,
  prefix,
  score,
  residual,
}: {
  legend: string;
  method: ScoringMethod;
  value: RatingForm;
  onChange: (v: RatingForm) => void;
  disabled: boolean;
  error: string | undefined;
  prefix: string;
  score: ReturnType<typeof scoreOf>;
  residual?: boolean;
}) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const set = (field: string, v: string | null) =>
    onChange({ ...value, [field]: v === null || v === '' ? null : Number(v) });
  return (
    <Input.Wrapper
      label={
        <Group gap={8} component="span">
          <span>{legend}</span>
          {score !== null && <LevelBadge score={score} residual={residual} />}
        </Group>
      }
      error={error}
      data-testid={`field-${prefix}`}
    >
      <Group gap="md" mt={4} align="flex-end">
        {method.kind === 'asset-threat-vulnerability'
          ? ratingFields(method).map(({ field }) => (
              <Stack key={field} gap={2}>
                <Text size="xs" id={`${prefix}-${field}-label`}>
                  {t(`assessments.factor.${field}`)}
                </Text>
                <SegmentedControl
                  size="xs"
                  value={value[field] === null ? '' : String(value[field])}
                  onChange={(v) => set(field, v)}
                  data={[1, 2, 3].map((n) => ({
                    value: String(n),
                    label: `${n} ${t(`assessments.level.${n === 1 ? 'low' : n === 2 ? 'medium' : 'high'}`)}`,
                  }))}
                  disabled={disabled}
                  aria-labelledby={`${prefix}-${field}-label`}
                  data-testid={`field-${prefix}-${field}`}
                />
              </Stack>
            ))
          : (['likelihood', 'impact'] as const).map((field) => (
              <Select
                key={field}
                size="xs"
                w={200}
                label={method[field].name[lang]}
                data={method[field].steps.map((s, i) => ({ value: String(i + 1), label: `${i + 1} ${s[lang]}` }))}
                value={value[field] === null ? null : String(value[field])}
                onChange={(v) => set(field, v)}
                disabled={disabled}
                data-testid={`field-${prefix}-${field}`}
              />
            ))}
      </Group>
    </Input.Wrapper>
  );
}
