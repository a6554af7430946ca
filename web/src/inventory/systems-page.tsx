import { Alert, Anchor, Badge, Button, Checkbox, Group, Select, Table, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { PlusIcon } from '../icons';
import { LoadError, Loading } from '../pages/query-state';
import { can, useMembership } from '../session';
import { Page } from '../workspace/page';
import { fold, inventoryApi, type SystemView } from './inventory-api';
import { ConnectionBadges } from './inventory-labels';
import { SystemFormDialog } from './system-form';

/** /orgs/:orgId/inventory — the hospital's systems and devices: search, filter, add, change, remove. */
export function SystemsPage() {
  const { t } = useTranslation();
  const { orgId = '' } = useParams();
  const membership = useMembership(orgId);
  const canWrite = can(membership?.role, 'write');
  const queryClient = useQueryClient();
  const list = useQuery({ queryKey: ['inventory', orgId, 'systems'], queryFn: () => inventoryApi.systems(orgId) });
  const [search, setSearch] = useState('');
  const [department, setDepartment] = useState<string | null>(null);
  const [withoutStatement, setWithoutStatement] = useState(false);
  const [patientOnly, setPatientOnly] = useState(false);
  const [editing, setEditing] = useState<SystemView | 'new' | null>(null);

  const remove = useMutation({
    mutationFn: (id: string) => inventoryApi.deleteSystem(orgId, id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['inventory', orgId] }),
  });

  const departments = useMemo(
    () => [...new Set((list.data ?? []).map((s) => s.department).filter((d) => d !== ''))].sort(),
    [list.data],
  );
  const shown = useMemo(() => {
    const q = fold(search.trim());
    return (list.data ?? []).filter(
      (s) =>
        (q === '' ||
          fold(
            [s.name, s.manufacturer, s.product, s.productVersion, s.department, s.location, s.owner].join(' '),
          ).includes(q)) &&
        (department === null || s.department === department) &&
        (!withoutStatement || s.statementCount === 0) &&
        (!patientOnly || s.patientData),
    );
  }, [list.data, search, department, withoutStatement, patientOnly]);

  const base = `/orgs/${encodeURIComponent(orgId)}/inventory`;
  return (
    <Page
      title={t('inventory.systems.title')}
      subtitle={t('inventory.systems.intro')}
      testId="systems-page"
      actions={
        canWrite && (
          <Button leftSection={<PlusIcon size={16} />} onClick={() => setEditing('new')} data-testid="new-system">
            {t('inventory.systems.new')}
          </Button>
        )
      }
    >
      <Group gap="sm" align="flex-end" wrap="wrap" role="search" aria-label={t('inventory.systems.filters')}>
        <TextInput
          label={t('inventory.filter.search')}
          placeholder={t('inventory.systems.searchHint')}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          w={280}
          data-testid="systems-search"
        />
        <Select
          label={t('inventory.systems.department')}
          placeholder={t('inventory.filter.all')}
          data={departments}
          value={department}
          onChange={setDepartment}
          clearable
          w={200}
          data-testid="systems-department"
        />
        <Checkbox
          label={t('inventory.systems.withoutStatement')}
          checked={withoutStatement}
          onChange={(e) => setWithoutStatement(e.currentTarget.checked)}
          mb={8}
          data-testid="systems-without-statement"
        />
        <Checkbox
          label={t('inventory.systems.patientDataOnly')}
          checked={patientOnly}
          onChange={(e) => setPatientOnly(e.currentTarget.checked)}
          mb={8}
          data-testid="systems-patient-data"
        />
      </Group>
      {remove.error !== null && (
        <Alert
          color="red"
          role="alert"
          p="sm"
          data-testid="delete-error"
          withCloseButton
          onClose={() => remove.reset()}
        >
          {remove.error.message}
        </Alert>
      )}
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <LoadError error={list.error} />
      ) : list.data.length === 0 ? (
        <Text c="dimmed" data-testid="systems-empty">
          {t('inventory.systems.empty')}
        </Text>
      ) : (
        <>
          <Text size="sm" c="dimmed" aria-live="polite" data-testid="systems-count">
            {t('inventory.systems.count', { shown: shown.length, total: list.data.length })}
          </Text>
          <Table.ScrollContainer minWidth={1000}>
            <Table withTableBorder striped highlightOnHover verticalSpacing="xs" data-testid="systems-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('inventory.systems.name')}</Table.Th>
                  <Table.Th>{t('inventory.systems.productColumn')}</Table.Th>
                  <Table.Th>{t('inventory.systems.department')}</Table.Th>
                  <Table.Th>{t('inventory.systems.owner')}</Table.Th>
                  <Table.Th w={90}>{t('inventory.systems.patientDataShort')}</Table.Th>
                  <Table.Th>{t('inventory.systems.connections')}</Table.Th>
                  <Table.Th w={90}>{t('inventory.systems.statements')}</Table.Th>
                  {canWrite && <Table.Th w={150}>{t('inventory.actions')}</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {shown.map((s) => (
                  <Table.Tr key={s.id} data-id={s.id} data-testid="system-row">
                    <Table.Td>
                      <Anchor
                        component={Link}
                        to={`${base}/${encodeURIComponent(s.id)}`}
                        fw={700}
                        size="sm"
                        data-testid="system-link"
                      >
                        {s.name}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{[s.product, s.productVersion].filter((x) => x !== '').join(' ') || '—'}</Text>
                      <Text size="xs" c="dimmed">
                        {s.manufacturer}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{s.department || '—'}</Text>
                      <Text size="xs" c="dimmed">
                        {s.location}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{s.owner || '—'}</Text>
                    </Table.Td>
                    <Table.Td>
                      {s.patientData ? (
                        <Badge size="sm" color="red" variant="light">
                          {t('inventory.systems.patientDataYes')}
                        </Badge>
                      ) : (
                        <Text size="sm">{t('inventory.systems.patientDataNo')}</Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <ConnectionBadges connections={s.connections} />
                    </Table.Td>
                    <Table.Td data-count={s.statementCount}>
                      {s.statementCount === 0 ? (
                        <Badge size="sm" color="red" variant="outline">
                          {t('inventory.systems.noStatement')}
                        </Badge>
                      ) : (
                        s.statementCount
                      )}
                    </Table.Td>
                    {canWrite && (
                      <Table.Td>
                        <Group gap={4} wrap="nowrap">
                          <Button
                            size="xs"
                            variant="light"
                            onClick={() => setEditing(s)}
                            aria-label={t('inventory.systems.editNamed', { name: s.name })}
                            data-testid="edit-system"
                          >
                            {t('inventory.edit')}
                          </Button>
                          <Button
                            size="xs"
                            variant="subtle"
                            color="red"
                            loading={remove.isPending && remove.variables === s.id}
                            onClick={() => {
                              if (window.confirm(t('inventory.systems.confirmDelete', { name: s.name })))
                                remove.mutate(s.id);
                            }}
                            aria-label={t('inventory.systems.deleteNamed', { name: s.name })}
                            data-testid="delete-system"
                          >
                            {t('inventory.delete')}
                          </Button>
                        </Group>
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </>
      )}
      {editing !== null && (
        <SystemFormDialog orgId={orgId} system={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />
      )}
    </Page>
  );
}
