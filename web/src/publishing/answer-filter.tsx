import { Button, Group, Select, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, pick, type TemplateDetail, type TemplateRowData } from '../api';
import { rowLabel } from '../form/form-model';
import { useLang, type Lang } from '../i18n';
import { PlusIcon } from '../icons';
import { splitAnswerFilter, splitTemplateKey } from './directory-query';

/** A template edition's detail, cached for the session (templates never change under a running server). */
export function useTemplateDetail(key: string | null) {
  const ref = key === null ? null : splitTemplateKey(key);
  return useQuery({
    queryKey: ['template', ref?.id, ref?.edition],
    queryFn: () => api.template(ref?.id ?? '', ref?.edition ?? ''),
    enabled: ref?.edition !== undefined,
    staleTime: Infinity,
  });
}

function shorten(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

function answerOptions(template: TemplateDetail, row: TemplateRowData) {
  return row.answerSet === undefined ? [] : (template.answerSets[row.answerSet] ?? []);
}

/** "4.1-d 二要素認証 = はい": a filter as a chip says it; the row's id alone when the template does not know it. */
export function describeAnswerFilter(filter: string, template: TemplateDetail | undefined, lang: Lang): string {
  const { row, answer } = splitAnswerFilter(filter);
  const r = template?.rows.find((x) => x.id === row);
  if (template === undefined || r === undefined) return `${row} = ${answer}`;
  const option = answerOptions(template, r).find((o) => o.value === answer);
  const text = shorten(pick(r.text, lang).replace(/^・/, ''), 24);
  return `${rowLabel(r)} ${text} = ${option === undefined ? answer : pick(option.label, lang)}`;
}

/**
 * The answer filter builder: a template, one of its rows (by number or words of its text), one of the row's
 * answers → "ROW:ANSWER" for the directory's `answer` parameter.
 */
export function AnswerFilterBuilder({
  templateKey,
  onTemplateChange,
  templateOptions,
  existing,
  onAdd,
}: {
  templateKey: string | null;
  onTemplateChange: (key: string | null) => void;
  templateOptions: { value: string; label: string }[];
  existing: readonly string[];
  onAdd: (filter: string) => void;
}) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const template = useTemplateDetail(templateKey);
  const [rowId, setRowId] = useState<string | null>(null);
  const [answer, setAnswer] = useState<string | null>(null);

  const rowOptions = useMemo(() => {
    const tpl = template.data;
    if (tpl === undefined) return [];
    return tpl.rows
      .filter((r) => r.kind === 'question' && answerOptions(tpl, r).length > 0)
      .map((r) => ({ value: r.id, label: `${rowLabel(r)}  ${shorten(pick(r.text, lang), 70)}` }));
  }, [template.data, lang]);
  const row = template.data?.rows.find((r) => r.id === rowId);
  const options =
    template.data === undefined || row === undefined
      ? []
      : answerOptions(template.data, row).map((o) => ({ value: o.value, label: pick(o.label, lang) }));
  const filter = rowId !== null && answer !== null ? `${rowId}:${answer}` : null;
  const duplicate = filter !== null && existing.includes(filter);

  const add = () => {
    if (filter === null || duplicate) return;
    onAdd(filter);
    setRowId(null);
    setAnswer(null);
  };

  return (
    <fieldset className="answer-filter" data-testid="answer-filter-builder">
      <legend>
        <Text size="sm" fw={700} span>
          {t('directory.answerFilter')}
        </Text>
      </legend>
      <Group align="flex-end" gap="sm" wrap="wrap">
        <Select
          label={t('directory.filterTemplate')}
          data={templateOptions}
          value={templateKey}
          allowDeselect={false}
          onChange={(v) => {
            onTemplateChange(v);
            setRowId(null);
            setAnswer(null);
          }}
          w={260}
          data-testid="filter-template"
        />
        <Select
          label={t('directory.filterRow')}
          placeholder={t('directory.filterRowPlaceholder')}
          data={rowOptions}
          value={rowId}
          onChange={(v) => {
            setRowId(v);
            setAnswer(null);
          }}
          searchable
          clearable
          nothingFoundMessage={t('directory.noRowFound')}
          disabled={template.data === undefined}
          style={{ flex: '1 1 320px' }}
          comboboxProps={{ width: 'target' }}
          maxDropdownHeight={320}
          data-testid="filter-row"
        />
        <Select
          label={t('directory.filterAnswer')}
          data={options}
          value={answer}
          onChange={setAnswer}
          disabled={row === undefined}
          w={150}
          data-testid="filter-answer"
        />
        <Button
          variant="light"
          leftSection={<PlusIcon size={14} />}
          onClick={add}
          disabled={filter === null || duplicate}
          data-testid="add-answer-filter"
        >
          {t('directory.addFilter')}
        </Button>
      </Group>
    </fieldset>
  );
}

/** A template edition's title in the UI's language, from the (cached) template list; its id while unknown. */
export function useTemplateTitle(): (ref: { id: string; edition: string }) => string {
  const [lang] = useLang();
  const { t } = useTranslation();
  const list = useQuery({ queryKey: ['templates'], queryFn: () => api.templates(), staleTime: Infinity });
  return (ref) => {
    const found = list.data?.find((x) => x.id === ref.id && x.edition === ref.edition);
    return found === undefined ? `${ref.id} (${t('form.edition')} ${ref.edition})` : pick(found.title, lang);
  };
}
