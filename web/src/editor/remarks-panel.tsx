import { Button, Group, Stack, Text, Textarea, Title } from '@mantine/core';
import { memo, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { Lang } from '../i18n';
import { PlusIcon } from '../icons';
import type { EditorAction, Remark, ValidationIssue } from './model';

interface Props {
  remarks: readonly Remark[];
  citedBy: ReadonlyMap<number, readonly string[]>;
  issues: ReadonlyMap<number, readonly ValidationIssue[]>;
  readOnly: boolean;
  lang: Lang;
  title: string;
  remarkWord: string;
  /** The remark whose text should take the focus (just added). */
  focusNumber: number | null;
  onFocused: () => void;
  dispatch: (action: EditorAction) => void;
  labelOf: (row: string) => string;
  focusRow: (row: string) => void;
}

/** 備考記載欄: the numbered remarks, each with the rows that cite it. One remark may serve many rows. */
export const RemarksPanel = memo(function RemarksPanel(props: Props) {
  const { t } = useTranslation();
  const { remarks, readOnly, title, dispatch } = props;
  const sorted = [...remarks].sort((a, b) => a.number - b.number);
  return (
    <section className="remarks-panel" aria-labelledby="remarks-title" data-testid="remarks-panel">
      <Group justify="space-between" mb="xs" wrap="nowrap">
        <Title order={2} size="h5" id="remarks-title">
          {title}
        </Title>
        <Text size="xs" c="dimmed">
          {t('editor.remarkCount', { count: remarks.length })}
        </Text>
      </Group>
      {sorted.length === 0 && (
        <Text size="sm" c="dimmed" mb="sm">
          {t('editor.noRemarks', { word: props.remarkWord })}
        </Text>
      )}
      <Stack gap="sm">
        {sorted.map((r) => (
          <RemarkItem
            key={r.number}
            remark={r}
            citedBy={props.citedBy.get(r.number)}
            issues={props.issues.get(r.number)}
            readOnly={readOnly}
            lang={props.lang}
            remarkWord={props.remarkWord}
            autoFocus={props.focusNumber === r.number}
            onFocused={props.onFocused}
            dispatch={dispatch}
            labelOf={props.labelOf}
            focusRow={props.focusRow}
          />
        ))}
      </Stack>
      {!readOnly && (
        <Button
          mt="sm"
          variant="light"
          size="xs"
          leftSection={<PlusIcon size={14} />}
          onClick={() => dispatch({ type: 'addRemark', text: '' })}
          data-testid="add-remark"
        >
          {t('editor.addRemark', { word: props.remarkWord })}
        </Button>
      )}
    </section>
  );
});

const RemarkItem = memo(function RemarkItem({
  remark,
  citedBy,
  issues,
  readOnly,
  lang,
  remarkWord,
  autoFocus,
  onFocused,
  dispatch,
  labelOf,
  focusRow,
}: {
  remark: Remark;
  citedBy: readonly string[] | undefined;
  issues: readonly ValidationIssue[] | undefined;
  readOnly: boolean;
  lang: Lang;
  remarkWord: string;
  autoFocus: boolean;
  onFocused: () => void;
  dispatch: (action: EditorAction) => void;
  labelOf: (row: string) => string;
  focusRow: (row: string) => void;
}) {
  const { t } = useTranslation();
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (!autoFocus) return;
    ref.current?.focus();
    ref.current?.scrollIntoView({ block: 'nearest' });
    onFocused();
  }, [autoFocus, onFocused]);
  const rows = citedBy ?? [];
  const remove = () => {
    const ok =
      rows.length === 0 ||
      window.confirm(t('editor.confirmDeleteRemark', { n: remark.number, rows: rows.map(labelOf).join(', ') }));
    if (ok) dispatch({ type: 'deleteRemark', number: remark.number });
  };
  return (
    <div className="remark-item" id={`remark-${remark.number}`} data-remark={remark.number}>
      <Group justify="space-between" gap="xs" wrap="nowrap" mb={4}>
        <Text fw={700} size="sm">
          {remarkWord} {remark.number}
        </Text>
        {!readOnly && (
          <button
            type="button"
            className="link-button danger"
            onClick={remove}
            aria-label={t('editor.deleteRemark', { n: remark.number })}
          >
            {t('editor.delete')}
          </button>
        )}
      </Group>
      <Textarea
        ref={ref}
        value={remark.text}
        readOnly={readOnly}
        autosize
        minRows={2}
        maxRows={12}
        size="sm"
        aria-label={`${remarkWord} ${remark.number}`}
        onChange={(e) => dispatch({ type: 'editRemark', number: remark.number, text: e.currentTarget.value })}
        data-testid={`remark-text-${remark.number}`}
      />
      <div className="remark-cited" data-testid="remark-cited-by">
        {rows.length === 0 ? (
          <Text size="xs" c="dimmed" span>
            {t('editor.citedByNone')}
          </Text>
        ) : (
          <>
            <Text size="xs" c="dimmed" span>
              {t('editor.citedBy')}
            </Text>
            {rows.map((row) => (
              <button key={row} type="button" className="cited-row" onClick={() => focusRow(row)} data-row={row}>
                {labelOf(row)}
              </button>
            ))}
          </>
        )}
      </div>
      {issues !== undefined && issues.length > 0 && (
        <ul className="erow-issues">
          {issues.map((i, n) => (
            <li key={`${i.code}-${n}`} className={`issue issue-${i.severity}`} data-code={i.code}>
              {i.message[lang]}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
});
