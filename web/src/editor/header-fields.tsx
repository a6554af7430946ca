import { SimpleGrid, TextInput, Textarea } from '@mantine/core';
import { memo } from 'react';
import { pick, type TemplateDetail } from '../api';
import type { Lang } from '../i18n';
import type { EditorAction, ValidationIssue } from './model';

interface Props {
  fields: TemplateDetail['headerFields'];
  header: Readonly<Record<string, string | undefined>>;
  issues: ReadonlyMap<string, readonly ValidationIssue[]>;
  readOnly: boolean;
  lang: Lang;
  dispatch: (action: EditorAction) => void;
}

/** The statement's header (製造メーカー, 製品名称, バージョン, 作成日, and a template's own fields such as MDS2's DOC items). */
export const HeaderFields = memo(function HeaderFields({ fields, header, issues, readOnly, lang, dispatch }: Props) {
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm" verticalSpacing="xs" data-testid="header-fields">
      {fields.map((f) => {
        const list = issues.get(f.id) ?? [];
        const error = list.find((i) => i.severity === 'error')?.message[lang];
        const warning = list.find((i) => i.severity === 'warning')?.message[lang];
        const common = {
          label: pick(f.label, lang),
          value: header[f.id] ?? '',
          readOnly,
          required: f.required,
          withAsterisk: f.required && !readOnly,
          error,
          description: error === undefined ? warning : undefined,
          classNames: warning !== undefined && error === undefined ? { description: 'field-warning' } : undefined,
          'data-header-field': f.id,
        };
        if (f.kind === 'multiline') {
          return (
            <Textarea
              key={f.id}
              {...common}
              autosize
              minRows={1}
              maxRows={6}
              onChange={(e) => dispatch({ type: 'header', field: f.id, value: e.currentTarget.value })}
            />
          );
        }
        return (
          <TextInput
            key={f.id}
            {...common}
            type={f.kind === 'date' ? 'date' : 'text'}
            onChange={(e) => dispatch({ type: 'header', field: f.id, value: e.currentTarget.value })}
          />
        );
      })}
    </SimpleGrid>
  );
});
