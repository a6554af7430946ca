import { Alert, Anchor, Button, Stack, Textarea, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { isApiError } from '../api';
import { passwordApi } from '../account/password-api';
import { useSession } from '../session';
import { AuthCard, FormError, errorFor } from './auth-form';

/**
 * /break-glass — sign in with an organization's sealed break-glass account (非常時アカウント): the organization's
 * id and the credential from the sealed sheet, and the reason, which every owner is told.
 */
export function BreakGlassSignInPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const { setSession } = useSession();
  const [org, setOrg] = useState(params.get('org') ?? '');
  const [credential, setCredential] = useState('');
  const [reason, setReason] = useState('');
  const use = useMutation({
    mutationFn: () => passwordApi.useBreakGlass({ org: org.trim(), credential, reason: reason.trim() }),
    onSuccess: (session) => {
      setSession(session);
      void navigate(`/orgs/${encodeURIComponent(session.currentOrgId ?? org.trim())}`, { replace: true });
    },
  });

  useEffect(() => {
    document.title = `${t('breakGlass.signInTitle')} — OpenMDS`;
  }, [t]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    use.mutate();
  };

  return (
    <AuthCard title={t('breakGlass.signInTitle')} intro={t('breakGlass.signInIntro')}>
      {isApiError(use.error, 409) && (
        <Alert color="red" role="alert" p="sm" data-testid="break-glass-used">
          {t('breakGlass.alreadyUsed')}
        </Alert>
      )}
      <form onSubmit={submit}>
        <Stack gap="sm">
          <TextInput
            label={t('breakGlass.org')}
            required
            name="org"
            autoComplete="off"
            value={org}
            onChange={(e) => setOrg(e.currentTarget.value)}
          />
          <TextInput
            label={t('breakGlass.credential')}
            description={t('breakGlass.credentialHint')}
            required
            name="credential"
            autoComplete="off"
            spellCheck={false}
            value={credential}
            onChange={(e) => setCredential(e.currentTarget.value)}
            ff="monospace"
          />
          <Textarea
            label={t('breakGlass.reason')}
            description={t('breakGlass.reasonHint')}
            required
            name="reason"
            autosize
            minRows={2}
            maxLength={1000}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            error={errorFor(use.error, 'reason')}
          />
          {isApiError(use.error, 401) ? (
            <Alert color="red" role="alert" p="sm" data-testid="form-error">
              {t('breakGlass.wrong')}
            </Alert>
          ) : (
            !isApiError(use.error, 409) && <FormError error={use.error} fields={['reason']} />
          )}
          <Button type="submit" color="red" loading={use.isPending} data-testid="break-glass-submit">
            {t('breakGlass.signInSubmit')}
          </Button>
        </Stack>
      </form>
      <Anchor component={Link} to="/sign-in" size="sm">
        {t('passwordReset.backToSignIn')}
      </Anchor>
    </AuthCard>
  );
}
