import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  Radio,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { api, pick } from '../api';
import {
  PRODUCT_CATEGORIES,
  type Product,
  type ProductCategory,
  type ProductVersion,
  type StatementSummary,
} from '../api-types';
import { FormError, errorFor } from '../auth/auth-form';
import { formatDate } from '../format';
import { useLang } from '../i18n';
import { PlusIcon } from '../icons';
import { StatusBadge } from '../labels';
import { LoadError, Loading } from '../pages/query-state';
import { can, useMembership } from '../session';
import { Page } from './page';

export function ProductsPage() {
  const { t } = useTranslation();
  const { orgId = '' } = useParams();
  const membership = useMembership(orgId);
  const canWrite = can(membership?.role, 'write');
  const products = useQuery({ queryKey: ['products', orgId], queryFn: () => api.products(orgId) });
  const statements = useQuery({ queryKey: ['statements', orgId], queryFn: () => api.statements(orgId) });
  const [adding, setAdding] = useState(false);

  return (
    <Page
      title={t('products.title')}
      subtitle={membership?.orgName}
      testId="products-page"
      actions={
        canWrite && (
          <Button leftSection={<PlusIcon size={16} />} onClick={() => setAdding(true)} data-testid="add-product">
            {t('products.add')}
          </Button>
        )
      }
    >
      {adding && <AddProduct orgId={orgId} onDone={() => setAdding(false)} />}
      {products.isPending ? (
        <Loading />
      ) : products.isError ? (
        <LoadError error={products.error} />
      ) : products.data.length === 0 ? (
        <Text c="dimmed">{canWrite ? t('products.emptyWriter') : t('products.empty')}</Text>
      ) : (
        products.data.map((p) => (
          <ProductCard key={p.id} orgId={orgId} product={p} statements={statements.data ?? []} canWrite={canWrite} />
        ))
      )}
    </Page>
  );
}

function AddProduct({ orgId, onDone }: { orgId: string; onDone: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [category, setCategory] = useState<ProductCategory>('pacs');
  const [description, setDescription] = useState('');
  const add = useMutation({
    mutationFn: () =>
      api.createProduct(orgId, {
        name: name.trim(),
        category,
        ...(description.trim() === '' ? {} : { description: description.trim() }),
      }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['products', orgId] });
      onDone();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate();
  };
  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} data-testid="add-product-form">
      <Stack gap="sm">
        <Title order={2} size="h5">
          {t('products.add')}
        </Title>
        <Group align="flex-start" grow>
          <TextInput
            label={t('products.name')}
            placeholder="General-PACS"
            required
            name="productName"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errorFor(add.error, 'name')}
            data-autofocus
            autoFocus
          />
          <Select
            label={t('products.category')}
            data={PRODUCT_CATEGORIES.map((c) => ({ value: c, label: t(`categories.${c}`) }))}
            value={category}
            allowDeselect={false}
            onChange={(v) => setCategory(PRODUCT_CATEGORIES.find((c) => c === v) ?? category)}
            data-testid="product-category"
          />
        </Group>
        <Textarea
          label={t('products.description')}
          autosize
          minRows={1}
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
        />
        <FormError error={add.error} fields={['name']} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            {t('app.cancel')}
          </Button>
          <Button type="submit" loading={add.isPending} data-testid="add-product-submit">
            {t('products.addSubmit')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function ProductCard({
  orgId,
  product,
  statements,
  canWrite,
}: {
  orgId: string;
  product: Product;
  statements: StatementSummary[];
  canWrite: boolean;
}) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const queryClient = useQueryClient();
  const [version, setVersion] = useState('');
  const [creatingFor, setCreatingFor] = useState<ProductVersion | null>(null);
  const addVersion = useMutation({
    mutationFn: () => api.addVersion(orgId, product.id, version.trim()),
    onSuccess: async () => {
      setVersion('');
      await queryClient.invalidateQueries({ queryKey: ['products', orgId] });
    },
  });
  const mine = statements.filter((s) => s.product.id === product.id);
  const submitVersion = (e: FormEvent) => {
    e.preventDefault();
    addVersion.mutate();
  };

  return (
    <Paper withBorder p="md" data-product={product.name}>
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start">
          <Stack gap={2}>
            <Group gap="xs">
              <Title order={2} size="h4">
                {product.name}
              </Title>
              <Badge variant="light">{t(`categories.${product.category}`)}</Badge>
            </Group>
            {product.description !== undefined && product.description !== null && product.description !== '' && (
              <Text size="sm" c="dimmed">
                {product.description}
              </Text>
            )}
          </Stack>
          {canWrite && (
            <Group component="form" onSubmit={submitVersion} gap="xs" align="flex-start">
              <TextInput
                size="xs"
                placeholder="V1.20R00"
                aria-label={t('products.version')}
                required
                name="version"
                value={version}
                onChange={(e) => setVersion(e.currentTarget.value)}
                error={errorFor(addVersion.error, 'version')}
                w={150}
              />
              <Button size="xs" type="submit" variant="light" loading={addVersion.isPending} data-testid="add-version">
                {t('products.addVersion')}
              </Button>
            </Group>
          )}
        </Group>
        <FormError error={addVersion.error} fields={['version']} />
        {product.versions.length === 0 ? (
          <Text size="sm" c="dimmed">
            {t('products.noVersions')}
          </Text>
        ) : (
          <Table withTableBorder>
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={160}>{t('products.version')}</Table.Th>
                <Table.Th w={120}>{t('products.added')}</Table.Th>
                <Table.Th>{t('products.statements')}</Table.Th>
                {canWrite && <Table.Th w={170} />}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {product.versions.map((v) => {
                const forVersion = mine.filter((s) => s.productVersion.id === v.id);
                return (
                  <Table.Tr key={v.id} data-version={v.version}>
                    <Table.Td fw={600}>{v.version}</Table.Td>
                    <Table.Td>{formatDate(v.createdAt, lang)}</Table.Td>
                    <Table.Td>
                      {forVersion.length === 0 ? (
                        <Text size="sm" c="dimmed">
                          {t('products.noStatement')}
                        </Text>
                      ) : (
                        <Stack gap={4}>
                          {forVersion.map((s) => (
                            <Group key={s.id} gap="xs">
                              <Anchor
                                component={Link}
                                to={`/orgs/${encodeURIComponent(orgId)}/statements/${encodeURIComponent(s.id)}`}
                                size="sm"
                              >
                                {pick(s.template.title, lang)}
                              </Anchor>
                              <Text size="xs" c="dimmed">
                                {t('statements.revisionN', { n: s.currentRevision })}
                              </Text>
                              <StatusBadge status={s.status} size="xs" />
                            </Group>
                          ))}
                        </Stack>
                      )}
                    </Table.Td>
                    {canWrite && (
                      <Table.Td>
                        <Button size="xs" variant="light" onClick={() => setCreatingFor(v)} data-testid="new-statement">
                          {t('statements.create')}
                        </Button>
                      </Table.Td>
                    )}
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
      {creatingFor !== null && (
        <CreateStatement
          orgId={orgId}
          product={product}
          version={creatingFor}
          statements={mine.filter((s) => s.productVersion.id !== creatingFor.id)}
          onClose={() => setCreatingFor(null)}
        />
      )}
    </Paper>
  );
}

/** A new statement on a template edition, or carried forward from another version's statement. */
function CreateStatement({
  orgId,
  product,
  version,
  statements,
  onClose,
}: {
  orgId: string;
  product: Product;
  version: ProductVersion;
  statements: StatementSummary[];
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [lang] = useLang();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const templates = useQuery({ queryKey: ['templates'], queryFn: api.templates });
  const [mode, setMode] = useState<'template' | 'carry'>(statements.length > 0 ? 'carry' : 'template');
  const [template, setTemplate] = useState<string | null>('jahis-jira-mds@2');
  const [from, setFrom] = useState<string | null>(statements[0]?.id ?? null);
  const [carryTemplate, setCarryTemplate] = useState<string | null>(null);

  const toRef = (key: string | null) => {
    if (key === null) return undefined;
    const at = key.lastIndexOf('@');
    return { id: key.slice(0, at), edition: key.slice(at + 1) };
  };

  const create = useMutation({
    mutationFn: () => {
      if (mode === 'carry' && from !== null) {
        const tpl = toRef(carryTemplate);
        return api.createStatement(orgId, {
          productVersionId: version.id,
          carryForwardFrom: from,
          ...(tpl === undefined ? {} : { template: tpl }),
        });
      }
      const tpl = toRef(template);
      if (tpl === undefined) throw new Error(t('statements.chooseTemplate'));
      return api.createStatement(orgId, { productVersionId: version.id, template: tpl });
    },
    onSuccess: async (detail) => {
      await queryClient.invalidateQueries({ queryKey: ['statements', orgId] });
      queryClient.setQueryData(['statement', orgId, detail.id], detail);
      void navigate(`/orgs/${encodeURIComponent(orgId)}/statements/${encodeURIComponent(detail.id)}`, {
        state: detail.carryForward === undefined ? undefined : { carryForward: detail.carryForward },
      });
    },
  });

  const templateOptions = (templates.data ?? []).map((tpl) => ({
    value: `${tpl.id}@${tpl.edition}`,
    label: `${pick(tpl.title, lang)} (${t('form.edition')} ${tpl.edition})`,
  }));

  return (
    <Modal
      opened
      onClose={onClose}
      title={t('statements.createFor', { product: product.name, version: version.version })}
      size="lg"
    >
      <Stack gap="md" data-testid="create-statement">
        <Radio.Group value={mode} onChange={(v) => setMode(v === 'carry' ? 'carry' : 'template')}>
          <Stack gap="xs">
            <Radio value="template" label={t('statements.fromTemplate')} />
            <Radio
              value="carry"
              label={t('statements.fromPrevious')}
              disabled={statements.length === 0}
              description={statements.length === 0 ? t('statements.noPrevious') : undefined}
            />
          </Stack>
        </Radio.Group>
        {mode === 'template' ? (
          <Select
            label={t('statements.template')}
            data={templateOptions}
            value={template}
            onChange={setTemplate}
            allowDeselect={false}
            data-testid="template-select"
          />
        ) : (
          <>
            <Select
              label={t('statements.carryFrom')}
              data={statements.map((s) => ({
                value: s.id,
                label: `${s.productVersion.version} — ${pick(s.template.title, lang)} (${t('statements.revisionN', { n: s.currentRevision })}, ${t(`status.${s.status}`)})`,
              }))}
              value={from}
              onChange={setFrom}
              allowDeselect={false}
            />
            <Select
              label={t('statements.carryTemplate')}
              description={t('statements.carryTemplateHint')}
              data={templateOptions}
              value={carryTemplate}
              onChange={setCarryTemplate}
              clearable
              placeholder={t('statements.sameEdition')}
            />
          </>
        )}
        {create.isError && <FormError error={create.error} fields={[]} />}
        <Alert color="gray" p="xs">
          <Text size="xs">{t('statements.createHint')}</Text>
        </Alert>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('app.cancel')}
          </Button>
          <Button onClick={() => create.mutate()} loading={create.isPending} data-testid="create-statement-submit">
            {t('statements.createSubmit')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
