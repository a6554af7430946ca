import { Anchor, Badge, Group, Paper, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api';
import { formatDate } from '../format';
import { useLang } from '../i18n';
import { VisibilityBadge } from './publication-labels';

/** The publications of one statement, for the editor: each revision's public link, or its withdrawal. */
export function StatementPublications({ orgId, statementId }: { orgId: string; statementId: string }) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const list = useQuery({ queryKey: ['org-publications', orgId], queryFn: () => api.orgPublications(orgId) });
  const mine = (list.data ?? []).filter((p) => p.statementId === statementId).sort((a, b) => b.revision - a.revision);
  if (mine.length === 0) return null;
  return (
    <Paper withBorder p="xs" data-testid="statement-publications">
      <Stack gap={4}>
        <Text size="xs" fw={700}>
          {t('publish.state')}
        </Text>
        {mine.map((p) => (
          <Group key={p.id} gap="xs" wrap="wrap" data-publication={p.id} data-revision={p.revision}>
            <Text size="sm">{t('statements.revisionN', { n: p.revision })}</Text>
            <VisibilityBadge visibility={p.visibility} always />
            {p.withdrawn === null ? (
              <>
                <Anchor
                  component={Link}
                  to={`/directory/${encodeURIComponent(p.id)}`}
                  size="sm"
                  data-testid="public-link"
                >
                  {`${window.location.origin}/directory/${p.id}`}
                </Anchor>
                <Text size="xs" c="dimmed">
                  {t('publish.publishedOn', { date: formatDate(p.publishedAt, lang) })}
                </Text>
              </>
            ) : (
              <>
                <Badge color="red" variant="light" size="sm">
                  {t('publication.withdrawn')}
                </Badge>
                <Text size="xs" c="red.8">
                  {formatDate(p.withdrawn.at, lang)} ・ {p.withdrawn.reason}
                </Text>
              </>
            )}
          </Group>
        ))}
      </Stack>
    </Paper>
  );
}
