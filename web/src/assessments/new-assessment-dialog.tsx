import {
  Alert,
  Button,
  Checkbox,
  Group,
  Input,
  Modal,
  NumberInput,
  SegmentedControl,
  Select,
  Stack,
  Text,
  TextInput,
  UnstyledButton,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { defaultAssetThreatVulnerability, defaultLikelihoodImpact } from '../../../src/domain/risk/scoring.js';
import type {
  AssetThreatVulnerabilityMethod,
  LikelihoodImpactMethod,
  MatrixAxis,
} from '../../../src/domain/risk/scoring.js';
import { useLang } from '../i18n';
import { assessmentKeys, assessmentsApi, type RiskLevel, type ScoringMethod } from './assessments-api';
import { errorAt, fieldErrors, otherErrors } from './field-errors';
import { LEVELS, levelBackground, orgPath } from './labels';

type Kind = ScoringMethod['kind'];

const STEP_LABELS: Record<3 | 4, { likelihood: MatrixAxis['steps']; impact: MatrixAxis['steps'] }> = {
  3: {
    likelihood: [
      { ja: '低い', en: 'Low' },
      { ja: '中程度', en: 'Medium' },
      { ja: '高い', en: 'High' },
    ],
    impact: [
      { ja: '小', en: 'Minor' },
      { ja: '中', en: 'Moderate' },
      { ja: '大', en: 'Major' },
    ],
  },
  4: {
    likelihood: [
      { ja: 'ほとんどない', en: 'Rare' },
      { ja: '起こりにくい', en: 'Unlikely' },
      { ja: '起こりうる', en: 'Possible' },
      { ja: '起こりやすい', en: 'Likely' },
    ],
    impact: [
      { ja: '軽微', en: 'Negligible' },
      { ja: '小', en: 'Minor' },
      { ja: '大', en: 'Major' },
      { ja: '甚大', en: 'Severe' },
    ],
  },
};

/**
 * A matrix of `size` steps: the domain's default 5 × 5, else a smaller one whose level grows with likelihood +
 * impact in the same proportions. A starting point the hospital edits cell by cell.
 */
export function matrixOfSize(size: 3 | 4 | 5): LikelihoodImpactMethod {
  const base = defaultLikelihoodImpact();
  if (size === 5) return base;
  const cells: RiskLevel[][] = [];
  for (let l = 0; l < size; l++) {
    const row: RiskLevel[] = [];
    for (let i = 0; i < size; i++) {
      const s = (l + i) / (2 * (size - 1));
      row.push(s < 0.35 ? 'low' : s < 0.6 ? 'medium' : s < 0.85 ? 'high' : 'extreme');
    }
    cells.push(row);
  }
  return {
    ...base,
    size,
    likelihood: { name: base.likelihood.name, steps: STEP_LABELS[size].likelihood },
    impact: { name: base.impact.name, steps: STEP_LABELS[size].impact },
    cells,
  };
}

/** The "new assessment" modal: title, scope (facility or one system), method and its configuration. */
export function NewAssessmentDialog({ orgId, onClose }: { orgId: string; onClose: () => void }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const systems = useQuery({ queryKey: assessmentKeys.systems(orgId), queryFn: () => assessmentsApi.systems(orgId) });
  const [title, setTitle] = useState('');
  const [scope, setScope] = useState<'facility' | 'system'>('facility');
  const [systemId, setSystemId] = useState<string | null>(null);
  const [kind, setKind] = useState<Kind>('asset-threat-vulnerability');
  const [atv, setAtv] = useState<AssetThreatVulnerabilityMethod>(defaultAssetThreatVulnerability);
  const [matrix, setMatrix] = useState<LikelihoodImpactMethod>(defaultLikelihoodImpact);

  const create = useMutation({
    mutationFn: () =>
      assessmentsApi.create(orgId, {
        title: title.trim(),
        scope,
        ...(scope === 'system' && systemId !== null ? { systemId } : {}),
        method: kind === 'asset-threat-vulnerability' ? atv : matrix,
      }),
    onSuccess: async (a) => {
      await queryClient.invalidateQueries({ queryKey: assessmentKeys.list(orgId) });
      onClose();
      void navigate(orgPath(orgId, 'assessments', a.id));
    },
  });
  const errors = fieldErrors(create.error, lang);
  const methodFields = ['acceptanceThreshold', 'bands', 'size', 'likelihood', 'impact', 'cells', 'acceptable', 'kind'];
  const rest = otherErrors(errors, ['title', 'scope', 'systemId', ...methodFields]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const ready = title.trim() !== '' && (scope === 'facility' || systemId !== null);

  return (
    <Modal opened onClose={onClose} title={t('assessments.new.title')} size="lg">
      <Stack gap="sm" component="form" onSubmit={submit} data-testid="new-assessment-dialog">
        <TextInput
          label={t('assessments.new.name')}
          placeholder={t('assessments.new.namePlaceholder')}
          required
          value={title}
          onChange={(e) => setTitle(e.currentTarget.value)}
          error={errorAt(errors, 'title')}
          data-testid="assessment-title"
        />
        <Input.Wrapper label={t('assessments.scope')} error={errorAt(errors, 'scope')}>
          <SegmentedControl
            display="flex"
            value={scope}
            onChange={(v) => setScope(v === 'system' ? 'system' : 'facility')}
            data={[
              { value: 'facility', label: t('assessments.scopes.facility') },
              { value: 'system', label: t('assessments.scopes.system') },
            ]}
            aria-label={t('assessments.scope')}
            data-testid="assessment-scope"
          />
        </Input.Wrapper>
        {scope === 'system' && (
          <Select
            label={t('assessments.system')}
            placeholder={systems.isPending ? t('app.loading') : t('assessments.new.pickSystem')}
            data={(systems.data ?? []).map((s) => ({
              value: s.id,
              label: s.statementCount === 0 ? `${s.name} (${t('assessments.new.noStatementShort')})` : s.name,
            }))}
            value={systemId}
            onChange={setSystemId}
            searchable
            required
            nothingFoundMessage={t('assessments.new.noSystems')}
            error={errorAt(errors, 'systemId') ?? (systems.isError ? systems.error.message : undefined)}
            data-testid="assessment-system"
          />
        )}
        <Input.Wrapper label={t('assessments.method.label')} error={errorAt(errors, 'kind')}>
          <SegmentedControl
            display="flex"
            value={kind}
            onChange={(v) => setKind(v === 'likelihood-impact' ? 'likelihood-impact' : 'asset-threat-vulnerability')}
            data={[
              { value: 'asset-threat-vulnerability', label: t('assessments.method.atv') },
              { value: 'likelihood-impact', label: t('assessments.method.li') },
            ]}
            aria-label={t('assessments.method.label')}
            data-testid="assessment-method"
          />
        </Input.Wrapper>
        {kind === 'asset-threat-vulnerability' ? (
          <AtvFields method={atv} onChange={setAtv} errors={errors} />
        ) : (
          <MatrixFields method={matrix} onChange={setMatrix} errors={errors} />
        )}
        {rest.length > 0 && (
          <Alert color="red" role="alert" p="sm" data-testid="form-error">
            {rest.join(' / ')}
          </Alert>
        )}
        {create.error !== null && Object.keys(errors).length === 0 && (
          <Alert color="red" role="alert" p="sm" data-testid="form-error">
            {create.error.message}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('app.cancel')}
          </Button>
          <Button type="submit" loading={create.isPending} disabled={!ready} data-testid="assessment-submit">
            {t('assessments.new.submit')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

const int = (v: string | number): number => (typeof v === 'number' ? v : Number.parseInt(v, 10));

function AtvFields({
  method,
  onChange,
  errors,
}: {
  method: AssetThreatVulnerabilityMethod;
  onChange: (m: AssetThreatVulnerabilityMethod) => void;
  errors: Record<string, string>;
}) {
  const { t } = useTranslation();
  return (
    <Stack gap="xs" data-testid="method-atv">
      <Text size="sm" c="dimmed">
        {t('assessments.method.atvHelp')}
      </Text>
      <NumberInput
        label={t('assessments.method.threshold')}
        description={t('assessments.method.thresholdHelp')}
        min={1}
        max={27}
        allowDecimal={false}
        value={method.acceptanceThreshold}
        onChange={(v) => onChange({ ...method, acceptanceThreshold: int(v) })}
        error={errorAt(errors, 'acceptanceThreshold')}
        w={220}
        data-testid="method-threshold"
      />
      <Input.Wrapper label={t('assessments.method.bands')} error={errorAt(errors, 'bands')}>
        <Group gap="xs" align="flex-end">
          {method.bands.map((b, i) => (
            <NumberInput
              key={i}
              label={t('assessments.method.bandMax', { level: t(`assessments.level.${b.level}`) })}
              min={1}
              max={27}
              allowDecimal={false}
              value={b.max}
              // The last band ends at 27 so every value has a level.
              disabled={i === method.bands.length - 1}
              onChange={(v) =>
                onChange({ ...method, bands: method.bands.map((x, j) => (j === i ? { ...x, max: int(v) } : x)) })
              }
              w={110}
              data-testid={`method-band-${b.level}`}
            />
          ))}
        </Group>
      </Input.Wrapper>
    </Stack>
  );
}

const nextLevel = (l: RiskLevel): RiskLevel => LEVELS[(LEVELS.indexOf(l) + 1) % LEVELS.length] ?? 'low';

function MatrixFields({
  method,
  onChange,
  errors,
}: {
  method: LikelihoodImpactMethod;
  onChange: (m: LikelihoodImpactMethod) => void;
  errors: Record<string, string>;
}) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const rows = method.cells.map((_, i) => i).reverse();
  return (
    <Stack gap="xs" data-testid="method-matrix">
      <Input.Wrapper label={t('assessments.method.size')} error={errorAt(errors, 'size')}>
        <SegmentedControl
          display="flex"
          w={240}
          value={String(method.size)}
          onChange={(v) => onChange(matrixOfSize(v === '3' ? 3 : v === '4' ? 4 : 5))}
          data={['3', '4', '5'].map((n) => ({ value: n, label: `${n} × ${n}` }))}
          aria-label={t('assessments.method.size')}
          data-testid="method-size"
        />
      </Input.Wrapper>
      <Input.Wrapper
        label={t('assessments.method.cells')}
        description={t('assessments.method.cellsHelp')}
        error={errorAt(errors, 'cells') ?? errorAt(errors, 'likelihood') ?? errorAt(errors, 'impact')}
      >
        <table style={{ borderCollapse: 'separate', borderSpacing: 3, marginTop: 4 }} data-testid="method-cells">
          <thead>
            <tr>
              <th scope="col" style={{ fontWeight: 400, fontSize: 12, textAlign: 'left' }}>
                {method.likelihood.name[lang]} \ {method.impact.name[lang]}
              </th>
              {method.impact.steps.map((s, j) => (
                <th key={j} scope="col" style={{ fontSize: 12, fontWeight: 500 }}>
                  {s[lang]}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((i) => (
              <tr key={i}>
                <th scope="row" style={{ fontSize: 12, fontWeight: 500, textAlign: 'right', paddingRight: 4 }}>
                  {method.likelihood.steps[i]?.[lang]}
                </th>
                {(method.cells[i] ?? []).map((level, j) => (
                  <td key={j}>
                    <UnstyledButton
                      onClick={() =>
                        onChange({
                          ...method,
                          cells: method.cells.map((r, a) =>
                            a === i ? r.map((c, b) => (b === j ? nextLevel(c) : c)) : r,
                          ),
                        })
                      }
                      aria-label={t('assessments.method.cellLabel', {
                        likelihood: method.likelihood.steps[i]?.[lang] ?? i + 1,
                        impact: method.impact.steps[j]?.[lang] ?? j + 1,
                        level: t(`assessments.level.${level}`),
                      })}
                      style={{
                        display: 'block',
                        width: 56,
                        height: 30,
                        textAlign: 'center',
                        borderRadius: 4,
                        fontSize: 13,
                        background: levelBackground(level, false),
                        color: 'var(--mantine-color-dark-9)',
                      }}
                      data-testid="method-cell"
                      data-level={level}
                    >
                      {t(`assessments.level.${level}`)}
                    </UnstyledButton>
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </Input.Wrapper>
      <Checkbox.Group
        label={t('assessments.method.acceptable')}
        value={method.acceptable}
        onChange={(v) => onChange({ ...method, acceptable: LEVELS.filter((l) => v.includes(l)) })}
        error={errorAt(errors, 'acceptable')}
        data-testid="method-acceptable"
      >
        <Group gap="md" mt={4}>
          {LEVELS.map((l) => (
            <Checkbox key={l} value={l} label={t(`assessments.level.${l}`)} />
          ))}
        </Group>
      </Checkbox.Group>
    </Stack>
  );
}
