import {
  Alert,
  Button,
  Checkbox,
  Group,
  Modal,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import {
  CONNECTION_ORDER,
  errorOn,
  inventoryApi,
  inventoryFieldError,
  type CreateSystemInput,
  type SystemDetail,
  type SystemView,
} from './inventory-api';

const TEXT_FIELDS = ['manufacturer', 'product', 'productVersion', 'department', 'location', 'owner'] as const;
const FIELDS = ['name', ...TEXT_FIELDS, 'patientData', 'connections', 'notes'] as const;

type Draft = Required<CreateSystemInput>;

function draftOf(s: SystemView | null): Draft {
  return {
    name: s?.name ?? '',
    manufacturer: s?.manufacturer ?? '',
    product: s?.product ?? '',
    productVersion: s?.productVersion ?? '',
    department: s?.department ?? '',
    location: s?.location ?? '',
    owner: s?.owner ?? '',
    // The API's default: a system handles patient information unless said otherwise.
    patientData: s?.patientData ?? true,
    connections: s?.connections ?? [],
    notes: s?.notes ?? '',
  };
}

/**
 * Creating or changing a system, in a dialog. The server checks everything (unique name, contradictory
 * connections) and its "field: message" shows under the field it names; only what changed is sent on edit.
 */
export function SystemFormDialog({
  orgId,
  system,
  onClose,
  onSaved,
}: {
  orgId: string;
  /** The system to change; null to create one. */
  system: SystemView | null;
  onClose: () => void;
  onSaved?: (s: SystemDetail) => void;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(() => draftOf(system));
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft((d) => ({ ...d, [k]: v }));

  const save = useMutation({
    mutationFn: () => {
      const body: CreateSystemInput = { ...draft, name: draft.name.trim() };
      if (system === null) return inventoryApi.createSystem(orgId, body);
      const before = draftOf(system);
      const changed = Object.fromEntries(
        Object.entries(body).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(before[k as keyof Draft])),
      );
      if (Object.keys(changed).length === 0) return inventoryApi.system(orgId, system.id);
      return inventoryApi.updateSystem(orgId, system.id, changed);
    },
    onSuccess: async (saved) => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: ['inventory', orgId] }),
        queryClient.setQueryData(['inventory', orgId, 'system', saved.id], saved),
      ]);
      onSaved?.(saved);
      onClose();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const general = inventoryFieldError(save.error);
  const generalMessage =
    general !== null && (general.field === null || !(FIELDS as readonly string[]).includes(general.field))
      ? save.error?.message
      : undefined;

  return (
    <Modal
      opened
      onClose={onClose}
      title={system === null ? t('inventory.systems.newTitle') : t('inventory.systems.editTitle')}
      size="lg"
    >
      <form onSubmit={submit} noValidate data-testid="system-form">
        <Stack gap="sm">
          <TextInput
            label={t('inventory.systems.name')}
            required
            maxLength={200}
            value={draft.name}
            onChange={(e) => set('name', e.currentTarget.value)}
            error={errorOn(save.error, 'name')}
            data-autofocus
            data-testid="system-name"
          />
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            {TEXT_FIELDS.map((f) => (
              <TextInput
                key={f}
                label={t(`inventory.systems.${f}`)}
                maxLength={f === 'productVersion' ? 100 : 200}
                value={draft[f]}
                onChange={(e) => set(f, e.currentTarget.value)}
                error={errorOn(save.error, f)}
                data-testid={`system-${f}`}
              />
            ))}
          </SimpleGrid>
          <Switch
            label={t('inventory.systems.patientData')}
            description={t('inventory.systems.patientDataHint')}
            checked={draft.patientData}
            onChange={(e) => set('patientData', e.currentTarget.checked)}
            error={errorOn(save.error, 'patientData')}
            data-testid="system-patientData"
          />
          <Checkbox.Group
            label={t('inventory.systems.connections')}
            description={t('inventory.systems.connectionsHint')}
            error={errorOn(save.error, 'connections')}
            value={draft.connections}
            onChange={(v) =>
              set(
                'connections',
                CONNECTION_ORDER.filter((x) => v.includes(x)),
              )
            }
            data-testid="system-connections"
          >
            <Group gap="md" mt={4}>
              {CONNECTION_ORDER.map((c) => (
                <Checkbox key={c} value={c} label={t(`inventory.connections.${c}`)} data-connection={c} />
              ))}
            </Group>
          </Checkbox.Group>
          <Textarea
            label={t('inventory.systems.notes')}
            autosize
            minRows={2}
            maxRows={6}
            maxLength={5000}
            value={draft.notes}
            onChange={(e) => set('notes', e.currentTarget.value)}
            error={errorOn(save.error, 'notes')}
            data-testid="system-notes"
          />
          {generalMessage !== undefined && (
            <Alert color="red" p="sm" role="alert" data-testid="form-error">
              {generalMessage}
            </Alert>
          )}
          <Text size="xs" c="dimmed">
            {t('inventory.systems.requiredHint')}
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('app.cancel')}
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="system-save">
              {system === null ? t('inventory.systems.create') : t('inventory.systems.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
