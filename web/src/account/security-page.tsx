import {
  Alert,
  Badge,
  Button,
  Code,
  Container,
  CopyButton,
  Divider,
  Group,
  Image,
  Paper,
  PasswordInput,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { errorFor, FormError } from '../auth/auth-form';
import { LoadError, Loading } from '../pages/query-state';
import { PasskeysPanel } from './passkeys-panel';
import { useReauth, useRequiredByNames } from './reauth';
import { SessionsPanel } from './sessions-panel';
import { TWO_FACTOR_KEY, twoFactorApi, type TotpSetup } from './two-factor-api';

/** Recovery codes, shown once: copy or download them now. */
function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const { t } = useTranslation();
  const text = codes.join('\n');
  const download = () => {
    const url = URL.createObjectURL(new Blob([`OpenMDS recovery codes\n\n${text}\n`], { type: 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'openmds-recovery-codes.txt';
    a.click();
    URL.revokeObjectURL(url);
  };
  return (
    <Stack gap="sm" data-testid="recovery-codes">
      <Alert color="yellow" p="sm">
        {t('twoFactor.recoveryShownOnce')}
      </Alert>
      <SimpleGrid cols={2} spacing={4}>
        {codes.map((c) => (
          <Code key={c} fz="md">
            {c}
          </Code>
        ))}
      </SimpleGrid>
      <Group>
        <CopyButton value={text}>
          {({ copied, copy }) => (
            <Button variant="light" onClick={copy}>
              {copied ? t('twoFactor.copied') : t('twoFactor.copy')}
            </Button>
          )}
        </CopyButton>
        <Button variant="light" onClick={download}>
          {t('twoFactor.download')}
        </Button>
        <Button onClick={onDone} data-testid="recovery-done">
          {t('twoFactor.savedThem')}
        </Button>
      </Group>
    </Stack>
  );
}

function CodeInput({ value, onChange, error }: { value: string; onChange: (v: string) => void; error?: string }) {
  const { t } = useTranslation();
  return (
    <TextInput
      label={t('twoFactor.code')}
      description={t('twoFactor.codeHelp')}
      autoComplete="one-time-code"
      inputMode="numeric"
      required
      value={value}
      error={error}
      onChange={(e) => onChange(e.currentTarget.value)}
      data-testid="two-factor-code"
    />
  );
}

/** Enrolment: password → QR code and secret → first code → recovery codes. */
function Enrol({ onCodes }: { onCodes: (codes: string[]) => void }) {
  const { t } = useTranslation();
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [setup, setSetup] = useState<TotpSetup | null>(null);
  const start = useMutation({ mutationFn: () => twoFactorApi.setup(password), onSuccess: setSetup });
  const confirm = useMutation({
    mutationFn: () => twoFactorApi.confirm(code.trim()),
    onSuccess: (r) => onCodes(r.recoveryCodes),
  });

  if (setup === null) {
    return (
      <form
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          start.mutate();
        }}
      >
        <Stack gap="sm">
          <Text size="sm">{t('twoFactor.enrolIntro')}</Text>
          <PasswordInput
            label={t('auth.password')}
            autoComplete="current-password"
            required
            value={password}
            error={errorFor(start.error, 'password')}
            onChange={(e) => setPassword(e.currentTarget.value)}
          />
          <FormError error={start.error} fields={['password']} />
          <Group>
            <Button type="submit" loading={start.isPending} data-testid="two-factor-start">
              {t('twoFactor.start')}
            </Button>
          </Group>
        </Stack>
      </form>
    );
  }
  return (
    <form
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        confirm.mutate();
      }}
    >
      <Stack gap="sm">
        <Text size="sm">{t('twoFactor.scan')}</Text>
        <Image src={setup.qrCode} alt={t('twoFactor.qrAlt')} w={200} h={200} data-testid="two-factor-qr" />
        <Text size="sm">{t('twoFactor.manual')}</Text>
        <Group gap="xs">
          <Code fz="md" data-testid="two-factor-secret">
            {setup.secret.replace(/(.{4})/g, '$1 ').trim()}
          </Code>
          <CopyButton value={setup.secret}>
            {({ copied, copy }) => (
              <Button size="xs" variant="subtle" onClick={copy}>
                {copied ? t('twoFactor.copied') : t('twoFactor.copy')}
              </Button>
            )}
          </CopyButton>
        </Group>
        <CodeInput value={code} onChange={setCode} error={errorFor(confirm.error, 'code')} />
        <FormError error={confirm.error} fields={['code']} />
        <Group>
          <Button type="submit" loading={confirm.isPending} data-testid="two-factor-confirm">
            {t('twoFactor.confirm')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function Disable({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const disable = useMutation({ mutationFn: () => twoFactorApi.disable(password, code.trim()), onSuccess: onDone });
  return (
    <form
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        if (window.confirm(t('twoFactor.confirmDisable'))) disable.mutate();
      }}
    >
      <Stack gap="sm">
        <Title order={3} size="h5">
          {t('twoFactor.disable')}
        </Title>
        <PasswordInput
          label={t('auth.password')}
          autoComplete="current-password"
          required
          value={password}
          error={errorFor(disable.error, 'password')}
          onChange={(e) => setPassword(e.currentTarget.value)}
        />
        <CodeInput value={code} onChange={setCode} error={errorFor(disable.error, 'code')} />
        <FormError error={disable.error} fields={['password', 'code']} />
        <Group>
          <Button type="submit" color="red" variant="light" loading={disable.isPending}>
            {t('twoFactor.disable')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/**
 * New recovery codes: confirmed by a code of the authenticator app, or, for a user with passkeys only, by a recent
 * sign-in or re-authentication (the passkey dialog when it is older).
 */
function Regenerate({ withCode, onCodes }: { withCode: boolean; onCodes: (codes: string[]) => void }) {
  const { t } = useTranslation();
  const guard = useReauth();
  const [code, setCode] = useState('');
  const regenerate = useMutation({
    mutationFn: () => (withCode ? twoFactorApi.regenerate(code.trim()) : guard(() => twoFactorApi.regenerate())),
    onSuccess: (r) => {
      setCode('');
      onCodes(r.recoveryCodes);
    },
  });
  return (
    <form
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        regenerate.mutate();
      }}
    >
      <Stack gap="sm">
        <Title order={3} size="h5">
          {t('twoFactor.regenerate')}
        </Title>
        <Text size="sm">{t('twoFactor.regenerateHelp')}</Text>
        {withCode && <CodeInput value={code} onChange={setCode} error={errorFor(regenerate.error, 'code')} />}
        <FormError error={regenerate.error} fields={['code']} />
        <Group>
          <Button type="submit" variant="light" loading={regenerate.isPending}>
            {t('twoFactor.regenerate')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** /account/security: two-factor authentication: passkeys, the authenticator app (TOTP), recovery codes. */
export function SecurityPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const status = useQuery({ queryKey: TWO_FACTOR_KEY, queryFn: () => twoFactorApi.status() });
  const [codes, setCodes] = useState<string[] | null>(null);
  const requiredBy = useRequiredByNames(status.data?.requiredBy ?? []);
  const refresh = () => queryClient.invalidateQueries({ queryKey: TWO_FACTOR_KEY });

  useEffect(() => {
    document.title = `${t('twoFactor.pageTitle')} — OpenMDS`;
  }, [t]);

  return (
    <Container size={760} py="lg" data-testid="security-page">
      <Stack gap="md">
        <Title order={1} size="h2">
          {t('twoFactor.pageTitle')}
        </Title>
        {status.isPending ? (
          <Loading />
        ) : status.isError ? (
          <LoadError error={status.error} />
        ) : (
          <>
            {!status.data.enabled && requiredBy.length > 0 && (
              <Alert color="orange" data-testid="two-factor-required">
                {t('twoFactor.requiredBy', { orgs: requiredBy.join('、') })}
              </Alert>
            )}
            <Paper withBorder p="lg">
              <Stack gap="md">
                <Group justify="space-between">
                  <Title order={2} size="h4">
                    {t('twoFactor.title')}
                  </Title>
                  <Badge color={status.data.enabled ? 'green' : 'gray'} data-testid="two-factor-state">
                    {status.data.enabled ? t('twoFactor.on') : t('twoFactor.off')}
                  </Badge>
                </Group>
                {codes !== null ? (
                  <RecoveryCodes
                    codes={codes}
                    onDone={() => {
                      setCodes(null);
                      void refresh();
                    }}
                  />
                ) : (
                  <>
                    <Text size="sm">{t('twoFactor.intro')}</Text>
                    <PasskeysPanel onCodes={setCodes} />
                    <Divider />
                    <Stack gap="sm" data-testid="totp-section">
                      <Title order={3} size="h5">
                        {t('twoFactor.appTitle')}
                      </Title>
                      {status.data.totp ? (
                        <>
                          <Text size="sm">{t('twoFactor.appOn')}</Text>
                          <Disable onDone={() => void refresh()} />
                        </>
                      ) : (
                        <Enrol
                          onCodes={(c) => {
                            // A user with passkeys keeps their recovery codes: none come with the app.
                            if (c.length > 0) setCodes(c);
                            void refresh();
                          }}
                        />
                      )}
                    </Stack>
                    {status.data.enabled && (
                      <>
                        <Divider />
                        <Stack gap="sm" data-testid="recovery-section">
                          <Title order={3} size="h5">
                            {t('twoFactor.recoveryTitle')}
                          </Title>
                          <Text size="sm">{t('twoFactor.codesLeft', { n: status.data.recoveryCodesLeft })}</Text>
                          <Regenerate withCode={status.data.totp} onCodes={setCodes} />
                        </Stack>
                      </>
                    )}
                  </>
                )}
              </Stack>
            </Paper>
          </>
        )}
        <Paper withBorder p="lg">
          <SessionsPanel />
        </Paper>
      </Stack>
    </Container>
  );
}
