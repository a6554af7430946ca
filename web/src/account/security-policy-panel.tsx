import { Alert, Paper, Stack, Switch, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { FormError } from '../auth/auth-form';
import { useReauth } from './reauth';
import { twoFactorApi } from './two-factor-api';

/** The owner's switch on the members page: require two-factor authentication of every member. */
export function SecurityPolicyPanel({ orgId, memberNames }: { orgId: string; memberNames: Map<string, string> }) {
  const { t } = useTranslation();
  const guard = useReauth();
  const queryClient = useQueryClient();
  const key = ['security-policy', orgId];
  const policy = useQuery({ queryKey: key, queryFn: () => twoFactorApi.policy(orgId) });
  const save = useMutation({
    mutationFn: (on: boolean) => guard(() => twoFactorApi.setPolicy(orgId, on)),
    onSuccess: (p) => queryClient.setQueryData(key, p),
  });
  if (policy.data === undefined) return null;
  const without = policy.data.membersWithoutTwoFactor.map((id) => memberNames.get(id) ?? id);
  return (
    <Paper withBorder p="md" data-testid="security-policy">
      <Stack gap="xs">
        <Title order={2} size="h5">
          {t('twoFactor.policyTitle')}
        </Title>
        <Switch
          label={t('twoFactor.policyRequire')}
          checked={policy.data.requireTwoFactor}
          disabled={save.isPending}
          onChange={(e) => save.mutate(e.currentTarget.checked)}
          data-testid="require-two-factor"
        />
        <Text size="sm" c="dimmed">
          {t('twoFactor.policyHelp')}
        </Text>
        {without.length > 0 && (
          <Alert color={policy.data.requireTwoFactor ? 'orange' : 'gray'} p="sm">
            {t('twoFactor.policyWithout', { names: without.join('、') })}
          </Alert>
        )}
        <FormError error={save.error} fields={[]} />
      </Stack>
    </Paper>
  );
}
