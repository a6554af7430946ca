import { Badge, Button, Group, Paper, Select, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { api } from '../api';
import type { Grant } from '../api-types';
import { FormError } from '../auth/auth-form';
import { formatDate, formatDateTime, todayInTokyo } from '../format';
import { useLang } from '../i18n';
import { PlusIcon } from '../icons';
import { LoadError, Loading } from '../pages/query-state';
import { HospitalPicker } from '../publishing/hospital-picker';
import { endOfDayTokyo } from '../publishing/publish-dialog';
import { can, useMembership } from '../session';
import { Page } from '../workspace/page';

const ALL = '*';

function grantState(g: Grant): 'active' | 'revoked' | 'expired' {
  if (g.revokedAt !== null) return 'revoked';
  return g.active ? 'active' : 'expired';
}

const STATE_COLOR = { active: 'green', revoked: 'gray', expired: 'orange' } as const;

/** /orgs/:orgId/grants — which hospital organizations may read the manufacturer's restricted publications. */
export function GrantsPage() {
  const { t } = useTranslation();
  const [lang] = useLang();
  const { orgId = '' } = useParams();
  const membership = useMembership(orgId);
  const isOwner = can(membership?.role, 'manage');
  const queryClient = useQueryClient();
  const grants = useQuery({ queryKey: ['grants', orgId], queryFn: () => api.grants(orgId) });
  const [showInactive, setShowInactive] = useState(false);
  const revoke = useMutation({
    mutationFn: (id: string) => api.revokeGrant(orgId, id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['grants', orgId] }),
  });
  const shown = (grants.data ?? []).filter((g) => showInactive || grantState(g) === 'active');

  return (
    <Page title={t('grants.title')} subtitle={t('grants.intro')} testId="grants-page">
      {isOwner && <AddGrant orgId={orgId} />}
      <Group justify="space-between">
        <Title order={2} size="h4">
          {t('grants.list')}
        </Title>
        <Switch
          label={t('grants.showInactive')}
          checked={showInactive}
          onChange={(e) => setShowInactive(e.currentTarget.checked)}
        />
      </Group>
      {grants.isPending ? (
        <Loading />
      ) : grants.isError ? (
        <LoadError error={grants.error} />
      ) : shown.length === 0 ? (
        <Text c="dimmed">{t('grants.empty')}</Text>
      ) : (
        <Table.ScrollContainer minWidth={760}>
          <Table withTableBorder striped data-testid="grants-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('grants.hospital')}</Table.Th>
                <Table.Th>{t('grants.scope')}</Table.Th>
                <Table.Th w={140}>{t('grants.expires')}</Table.Th>
                <Table.Th w={190}>{t('grants.created')}</Table.Th>
                <Table.Th w={100}>{t('grants.state')}</Table.Th>
                {isOwner && <Table.Th w={100} />}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {shown.map((g) => {
                const state = grantState(g);
                return (
                  <Table.Tr key={g.id} data-grant={g.id} data-grantee={g.grantee.name}>
                    <Table.Td fw={600}>{g.grantee.name}</Table.Td>
                    <Table.Td>{g.product?.name ?? t('grants.allProducts')}</Table.Td>
                    <Table.Td>{g.expiresAt === null ? t('grants.noExpiry') : formatDate(g.expiresAt, lang)}</Table.Td>
                    <Table.Td>{formatDateTime(g.createdAt, lang)}</Table.Td>
                    <Table.Td>
                      <Badge color={STATE_COLOR[state]} variant="light" size="sm">
                        {t(`grants.states.${state}`)}
                      </Badge>
                    </Table.Td>
                    {isOwner && (
                      <Table.Td>
                        {state === 'active' && (
                          <Button
                            size="xs"
                            variant="subtle"
                            color="red"
                            loading={revoke.isPending && revoke.variables === g.id}
                            onClick={() => {
                              if (window.confirm(t('grants.confirmRevoke', { name: g.grantee.name })))
                                revoke.mutate(g.id);
                            }}
                          >
                            {t('grants.revoke')}
                          </Button>
                        )}
                      </Table.Td>
                    )}
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <FormError error={revoke.error} fields={[]} />
    </Page>
  );
}

function AddGrant({ orgId }: { orgId: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const products = useQuery({ queryKey: ['products', orgId], queryFn: () => api.products(orgId) });
  const [hospital, setHospital] = useState<string | null>(null);
  const [product, setProduct] = useState<string>(ALL);
  const [expires, setExpires] = useState('');
  const create = useMutation({
    mutationFn: () =>
      api.createGrant(orgId, {
        granteeOrgId: hospital ?? '',
        productId: product === ALL ? null : product,
        expiresAt: expires === '' ? null : endOfDayTokyo(expires),
      }),
    onSuccess: async () => {
      setHospital(null);
      setExpires('');
      await queryClient.invalidateQueries({ queryKey: ['grants', orgId] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (hospital !== null) create.mutate();
  };
  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} data-testid="add-grant">
      <Stack gap="sm">
        <Title order={2} size="h5">
          {t('grants.add')}
        </Title>
        <Group align="flex-end" wrap="wrap">
          <div style={{ flex: '1 1 260px' }}>
            <HospitalPicker
              label={t('grants.hospital')}
              value={hospital}
              onChange={setHospital}
              required
              testId="grant-hospital"
            />
          </div>
          <Select
            label={t('grants.scope')}
            data={[
              { value: ALL, label: t('grants.allProducts') },
              ...(products.data ?? []).map((p) => ({ value: p.id, label: p.name })),
            ]}
            value={product}
            allowDeselect={false}
            onChange={(v) => setProduct(v ?? ALL)}
            w={240}
            data-testid="grant-product"
          />
          <TextInput
            type="date"
            label={t('grants.expiresOptional')}
            value={expires}
            min={todayInTokyo()}
            onChange={(e) => setExpires(e.currentTarget.value)}
            w={180}
          />
          <Button
            type="submit"
            leftSection={<PlusIcon size={14} />}
            loading={create.isPending}
            disabled={hospital === null}
            data-testid="grant-submit"
          >
            {t('grants.addSubmit')}
          </Button>
        </Group>
        <FormError error={create.error} fields={[]} />
      </Stack>
    </Paper>
  );
}
