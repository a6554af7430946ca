import { MultiSelect, Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import type { HospitalRef } from '../api-types';

/** Hospital organizations on this instance matching what is typed (GET /organizations/hospitals?q=). */
function useHospitalSearch(search: string) {
  const [q] = useDebouncedValue(search.trim(), 250);
  const found = useQuery({
    queryKey: ['hospitals', q],
    queryFn: ({ signal }) => api.hospitals(q, signal),
    staleTime: 60_000,
  });
  // Names of every hospital seen, so a chosen one keeps its label when the search moves on.
  const names = useRef(new Map<string, string>());
  for (const h of found.data ?? []) names.current.set(h.id, h.name);
  return { found, names: names.current };
}

function options(found: HospitalRef[] | undefined, names: Map<string, string>, chosen: readonly string[]) {
  const out = new Map<string, string>();
  for (const id of chosen) out.set(id, names.get(id) ?? id);
  for (const h of found ?? []) out.set(h.id, h.name);
  return [...out].map(([value, label]) => ({ value, label }));
}

/** Several hospital organizations, searched by name. */
export function HospitalMultiPicker({
  value,
  onChange,
  label,
  testId,
}: {
  value: string[];
  onChange: (ids: string[]) => void;
  label: string;
  testId?: string;
}) {
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const { found, names } = useHospitalSearch(search);
  const data = useMemo(() => options(found.data, names, value), [found.data, names, value]);
  return (
    <MultiSelect
      label={label}
      placeholder={value.length === 0 ? t('hospitals.searchPlaceholder') : undefined}
      data={data}
      value={value}
      onChange={onChange}
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options: o }) => o}
      nothingFoundMessage={found.isFetching ? t('app.loading') : t('hospitals.none')}
      hidePickedOptions
      data-testid={testId}
    />
  );
}

/** One hospital organization, searched by name. */
export function HospitalPicker({
  value,
  onChange,
  label,
  testId,
  required,
}: {
  value: string | null;
  onChange: (id: string | null) => void;
  label: string;
  testId?: string;
  required?: boolean;
}) {
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const { found, names } = useHospitalSearch(search);
  const data = useMemo(() => options(found.data, names, value === null ? [] : [value]), [found.data, names, value]);
  return (
    <Select
      label={label}
      placeholder={t('hospitals.searchPlaceholder')}
      data={data}
      value={value}
      onChange={onChange}
      searchable
      onSearchChange={setSearch}
      filter={({ options: o }) => o}
      nothingFoundMessage={found.isFetching ? t('app.loading') : t('hospitals.none')}
      required={required}
      data-testid={testId}
    />
  );
}
