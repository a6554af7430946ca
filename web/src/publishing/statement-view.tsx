import { Stack } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { TemplateDetail } from '../api';
import type { Statement } from '../api-types';
import { HeaderBlock, RemarksList, TemplateForm } from '../form/template-form';

/** A statement in the layout of its paper form: header block, the checklist with ○ marks, then the remarks. */
export function StatementView({ statement, template }: { statement: Statement; template: TemplateDetail }) {
  const { t } = useTranslation();
  const remarksTitle = template.remarkStyle === 'notes' ? t('editor.notesTitle') : t('form.remarksBlock');
  return (
    <Stack gap="md" className="statement-view" data-testid="statement-view">
      <HeaderBlock template={template} values={statement.header} />
      <div className="form-scroll">
        <TemplateForm template={template} answers={statement.answers} />
      </div>
      <RemarksList remarks={statement.remarks} title={remarksTitle} />
    </Stack>
  );
}
