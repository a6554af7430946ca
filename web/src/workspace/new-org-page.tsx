import { Button, Container, Paper, SegmentedControl, Stack, Text, TextInput, Title, Input } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router';
import { api } from '../api';
import type { OrgKind } from '../api-types';
import { FormError, errorFor } from '../auth/auth-form';
import { safeNext } from '../auth/sign-in-page';
import { useSession } from '../session';

export function NewOrgPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { setSession } = useSession();
  // A page that sent here to create an organization first (a request invitation to claim) is where to go back to.
  const [params] = useSearchParams();
  const next = params.get('next') === null ? null : safeNext(params.get('next'));
  const [name, setName] = useState('');
  const [kind, setKind] = useState<OrgKind>('manufacturer');

  useEffect(() => {
    document.title = `${t('org.create')} — OpenMDS`;
  }, [t]);

  const create = useMutation({
    mutationFn: async () => {
      const org = await api.createOrg({ name: name.trim(), kind });
      // The server switched the session to the new organization; read it for the new membership.
      const session = await api.session();
      return { org, session };
    },
    onSuccess: ({ org, session }) => {
      setSession(session);
      void navigate(
        next !== null && next !== '/'
          ? next
          : `/orgs/${encodeURIComponent(org.id)}/${kind === 'manufacturer' ? 'products' : 'dashboard'}`,
      );
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };

  return (
    <Container size={560} py="xl">
      <Paper withBorder p="xl" radius="md" component="form" onSubmit={submit}>
        <Stack gap="md">
          <Title order={1} size="h3">
            {t('org.create')}
          </Title>
          <Text size="sm" c="dimmed">
            {t('org.createIntro')}
          </Text>
          <TextInput
            label={t('org.name')}
            placeholder={t('org.namePlaceholder')}
            required
            name="orgName"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errorFor(create.error, 'name')}
          />
          <Input.Wrapper label={t('org.kind')}>
            <SegmentedControl
              fullWidth
              mt={4}
              value={kind}
              onChange={(v) => setKind(v === 'hospital' ? 'hospital' : 'manufacturer')}
              data={[
                { value: 'manufacturer', label: t('orgKinds.manufacturer') },
                { value: 'hospital', label: t('orgKinds.hospital') },
              ]}
              data-testid="org-kind"
            />
          </Input.Wrapper>
          <FormError error={create.error} fields={['name']} />
          <Button type="submit" loading={create.isPending} data-testid="create-org">
            {t('org.createSubmit')}
          </Button>
        </Stack>
      </Paper>
    </Container>
  );
}
