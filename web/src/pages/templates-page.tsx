import { Anchor, Badge, Container, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, pick } from '../api';
import { useLang } from '../i18n';
import { LoadError, Loading } from './query-state';

export function TemplatesPage() {
  const { t } = useTranslation();
  const [lang] = useLang();
  const templates = useQuery({ queryKey: ['templates'], queryFn: api.templates });

  useEffect(() => {
    document.title = `${t('templates.title')} — OpenMDS`;
  }, [t]);

  return (
    <Container size="lg" py="md">
      <Stack gap="md">
        <Title order={1} size="h2">
          {t('templates.title')}
        </Title>
        <Text c="dimmed">{t('templates.intro')}</Text>
        {templates.isPending ? (
          <Loading />
        ) : templates.isError ? (
          <LoadError error={templates.error} />
        ) : templates.data.length === 0 ? (
          <Text>{t('templates.empty')}</Text>
        ) : (
          <Table striped highlightOnHover withTableBorder data-testid="template-list">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('templates.columns.title')}</Table.Th>
                <Table.Th>{t('templates.columns.publisher')}</Table.Th>
                <Table.Th>{t('templates.columns.edition')}</Table.Th>
                <Table.Th>{t('templates.columns.rows')}</Table.Th>
                <Table.Th>{t('templates.columns.languages')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {templates.data.map((tpl) => (
                <Table.Tr key={`${tpl.id}@${tpl.edition}`} data-template={`${tpl.id}@${tpl.edition}`}>
                  <Table.Td>
                    <Anchor
                      component={Link}
                      to={`/templates/${encodeURIComponent(tpl.id)}/${encodeURIComponent(tpl.edition)}`}
                      fw={700}
                    >
                      {pick(tpl.title, lang)}
                    </Anchor>
                    <Text size="xs" c="dimmed" ff="monospace">
                      {tpl.id}
                    </Text>
                  </Table.Td>
                  <Table.Td>{pick(tpl.publisher, lang)}</Table.Td>
                  <Table.Td>{tpl.edition}</Table.Td>
                  <Table.Td>
                    {t('templates.rowCounts', {
                      answerable: tpl.answerableCount,
                      rows: tpl.rowCount,
                      sections: tpl.sectionCount,
                    })}
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {tpl.languages.map((l) => (
                        <Badge key={l} variant="light" size="sm">
                          {l}
                        </Badge>
                      ))}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Container>
  );
}
