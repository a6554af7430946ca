import { Alert, Button, Group, Modal, ScrollArea, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { pick } from '../api';
import type { RowSide, SaveConflict } from '../api-types';
import { formatDateTime } from '../format';
import { useLang } from '../i18n';
import { answerLabel } from './answer-label';
import type { CompiledTemplate } from './model';

function remarksText(side: RowSide | null, word: string): string {
  const r = side?.remarks ?? [];
  return r.length === 0 ? '' : `${word} ${r.join(', ')}`;
}

/**
 * Someone saved this revision since it was loaded: lists what the server now holds, row by row, and lets the person
 * overwrite it with their own version or take the server's. Nothing is overwritten without this choice.
 */
export function ConflictDialog({
  conflict,
  compiled,
  remarkWord,
  onKeepMine,
  onTakeTheirs,
}: {
  conflict: SaveConflict;
  compiled: CompiledTemplate;
  remarkWord: string;
  onKeepMine: () => void;
  onTakeTheirs: () => void;
}) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const by = conflict.current.savedBy?.displayName;
  const at = conflict.current.savedAt;
  return (
    <Modal
      opened
      onClose={() => undefined}
      withCloseButton={false}
      closeOnClickOutside={false}
      closeOnEscape={false}
      size="xl"
      title={t('conflict.title')}
      data-testid="conflict-dialog"
    >
      <Stack gap="md">
        <Alert color="orange">
          {by !== undefined ? t('conflict.bodyBy', { name: by, at: formatDateTime(at, lang) }) : t('conflict.body')}
        </Alert>
        {conflict.changes.length === 0 ? (
          <Text size="sm" c="dimmed">
            {t('conflict.noRowChanges')}
          </Text>
        ) : (
          <ScrollArea.Autosize mah={360}>
            <Table withTableBorder striped data-testid="conflict-changes">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={80}>{t('form.colNo')}</Table.Th>
                  <Table.Th>{t('form.colQuestion')}</Table.Th>
                  <Table.Th w={150}>{t('conflict.before')}</Table.Th>
                  <Table.Th w={150}>{t('conflict.after')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {conflict.changes.map((c) => {
                  const row = compiled.byId.get(c.row);
                  return (
                    <Table.Tr key={c.row} data-row={c.row}>
                      <Table.Td>{c.number === '' ? c.row : c.number}</Table.Td>
                      <Table.Td>
                        <Text size="sm" lineClamp={2}>
                          {row === undefined ? c.row : pick(row.row.text, lang)}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        {answerLabel(compiled, c.row, c.before?.answer, lang)}{' '}
                        <Text span size="xs" c="dimmed">
                          {remarksText(c.before, remarkWord)}
                        </Text>
                      </Table.Td>
                      <Table.Td fw={600}>
                        {answerLabel(compiled, c.row, c.after?.answer, lang)}{' '}
                        <Text span size="xs" c="dimmed">
                          {remarksText(c.after, remarkWord)}
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </ScrollArea.Autosize>
        )}
        <Text size="sm">{t('conflict.choose')}</Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={onTakeTheirs} data-testid="conflict-take-theirs">
            {t('conflict.takeTheirs')}
          </Button>
          <Button color="orange" onClick={onKeepMine} data-testid="conflict-keep-mine">
            {t('conflict.keepMine')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
