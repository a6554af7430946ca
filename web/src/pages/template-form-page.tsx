import { Anchor, Button, Container, Group, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { ApiError, api, pick } from '../api';
import { HeaderBlock, TemplateForm } from '../form/template-form';
import { useLang } from '../i18n';
import { LoadError, Loading } from './query-state';

export function TemplateFormPage() {
  const { id = '', edition = '' } = useParams();
  const { t } = useTranslation();
  const [lang] = useLang();
  const template = useQuery({ queryKey: ['template', id, edition], queryFn: () => api.template(id, edition) });
  const title = template.data === undefined ? undefined : pick(template.data.title, lang);

  useEffect(() => {
    if (title !== undefined) document.title = `${title} — OpenMDS`;
  }, [title]);

  if (template.isPending) return <Loading />;
  if (template.isError) {
    const e = template.error;
    return (
      <Container size="sm" py="xl">
        <Stack gap="md">
          {e instanceof ApiError && e.status === 404 ? (
            <Text data-testid="template-not-found">{t('form.notFound', { id, edition })}</Text>
          ) : (
            <LoadError error={e} />
          )}
          <Anchor component={Link} to="/templates">
            {t('form.backToList')}
          </Anchor>
        </Stack>
      </Container>
    );
  }

  const tpl = template.data;
  return (
    <Container size="xl" py="md" className="form-page">
      <Stack gap="md">
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <Stack gap={4}>
            <Title order={1} size="h3">
              {title}
            </Title>
            <Text size="sm" c="dimmed">
              {t('form.publisher')}: {pick(tpl.publisher, lang)} ・ {t('form.edition')}: {tpl.edition}
              {tpl.guideline !== undefined && (
                <>
                  {' '}
                  ・ {t('form.guideline')}: {pick(tpl.guideline.title, lang)}{' '}
                  {t('form.guidelineEdition', { edition: tpl.guideline.edition })}
                </>
              )}
            </Text>
          </Stack>
          <Button variant="default" size="xs" className="app-chrome" onClick={() => window.print()}>
            {t('form.print')}
          </Button>
        </Group>
        <HeaderBlock template={tpl} />
        <div className="form-scroll">
          <TemplateForm template={tpl} />
        </div>
        <section className="mds-remarks" aria-labelledby="remarks-heading">
          <h2 id="remarks-heading">{t('form.remarksBlock')}</h2>
          <Text size="xs" c="dimmed" className="app-chrome">
            {t('form.remarksHint')}
          </Text>
          <div className="remarks-box" />
        </section>
      </Stack>
    </Container>
  );
}
