import { Button, Divider, Group, Modal, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useNavigate } from 'react-router';
import { isApiError } from '../api';
import { errorFor, FormError } from '../auth/auth-form';
import { useCurrentOrgId, useSession } from '../session';
import { PasskeyError } from './passkey-error';
import { passkeysApi, passkeysSupported } from './passkeys-api';
import { TWO_FACTOR_KEY, twoFactorApi } from './two-factor-api';

type Guard = <T>(action: () => Promise<T>) => Promise<T>;

const ReauthContext = createContext<Guard | null>(null);

/** True for the API's answer that a sensitive action needs the password (and code) again. */
export function isReauthRequired(e: unknown): boolean {
  return isApiError(e, 403) && e.code === 'reauth-required';
}

/**
 * Runs sensitive actions (a member's role, signing keys, acceptance, finalizing): when the server answers
 * `reauth-required`, asks for the password (and a code when 2FA is on) in a modal, then runs the action again.
 */
export function ReauthProvider({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [passkeyError, setPasskeyError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const waiting = useRef<{ resolve: () => void; reject: (e: unknown) => void } | null>(null);
  const status = useQuery({
    queryKey: TWO_FACTOR_KEY,
    queryFn: () => twoFactorApi.status(),
    enabled: open && session !== null && session !== undefined,
  });
  const needsCode = status.data?.enabled === true;
  const offerPasskey = (status.data?.passkeys ?? 0) > 0 && passkeysSupported();

  const close = (cancelled: unknown) => {
    setOpen(false);
    setPassword('');
    setCode('');
    setError(null);
    setPasskeyError(null);
    waiting.current?.reject(cancelled);
    waiting.current = null;
  };

  const submit = async (how: 'password' | 'passkey') => {
    setBusy(true);
    setError(null);
    setPasskeyError(null);
    try {
      if (how === 'passkey') await passkeysApi.reauthenticate();
      else await twoFactorApi.reauthenticate(password, needsCode ? code.trim() : undefined);
      const w = waiting.current;
      waiting.current = null;
      setOpen(false);
      setPassword('');
      setCode('');
      w?.resolve();
    } catch (e) {
      if (how === 'passkey') setPasskeyError(e);
      else setError(e);
    } finally {
      setBusy(false);
    }
  };

  const guard = useCallback<Guard>(async (action) => {
    try {
      return await action();
    } catch (e) {
      if (!isReauthRequired(e)) throw e;
      await new Promise<void>((resolve, reject) => {
        waiting.current = { resolve, reject: () => reject(e instanceof Error ? e : new Error(String(e))) };
        setOpen(true);
      });
      return action();
    }
  }, []);

  return (
    <ReauthContext.Provider value={guard}>
      {children}
      <Modal opened={open} onClose={() => close(null)} title={t('twoFactor.reauthTitle')} data-testid="reauth-modal">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit('password');
          }}
        >
          <Stack gap="sm">
            <Text size="sm">{t('twoFactor.reauthIntro')}</Text>
            {offerPasskey && (
              <>
                <Button
                  variant="light"
                  loading={busy}
                  onClick={() => void submit('passkey')}
                  data-testid="reauth-passkey"
                >
                  {t('passkeys.reauth')}
                </Button>
                <PasskeyError error={passkeyError} />
                <Divider label={t('passkeys.or')} />
              </>
            )}
            <PasswordInput
              label={t('auth.password')}
              autoComplete="current-password"
              required
              data-autofocus={!offerPasskey}
              value={password}
              error={errorFor(error, 'password')}
              onChange={(e) => setPassword(e.currentTarget.value)}
            />
            {needsCode && (
              <TextInput
                label={t('twoFactor.code')}
                description={t('twoFactor.codeHelp')}
                autoComplete="one-time-code"
                inputMode="numeric"
                required
                value={code}
                error={errorFor(error, 'code')}
                onChange={(e) => setCode(e.currentTarget.value)}
              />
            )}
            {/* A wrong password or code is said under its field: alone, "is wrong" would not say what was. */}
            <FormError error={error} fields={needsCode ? ['password', 'code'] : ['password']} />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => close(null)}>
                {t('app.cancel')}
              </Button>
              <Button type="submit" loading={busy} data-testid="reauth-submit">
                {t('twoFactor.reauthSubmit')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </ReauthContext.Provider>
  );
}

/** Wraps a sensitive action: `const guard = useReauth(); mutationFn: () => guard(() => api.x())`. */
export function useReauth(): Guard {
  const guard = useContext(ReauthContext);
  if (guard === null) throw new Error('useReauth outside ReauthProvider');
  return guard;
}

/**
 * Sends a member of an organization that requires two-factor authentication, who has not turned it on, to the
 * account security page; the server refuses them everything else of that organization anyway.
 */
export function TwoFactorGate() {
  const { session } = useSession();
  const orgId = useCurrentOrgId();
  const location = useLocation();
  const navigate = useNavigate();
  const signedIn = session !== null && session !== undefined && !session.locked;
  const status = useQuery({ queryKey: TWO_FACTOR_KEY, queryFn: () => twoFactorApi.status(), enabled: signedIn });
  const blocked =
    signedIn &&
    orgId !== null &&
    status.data !== undefined &&
    !status.data.enabled &&
    status.data.requiredBy.includes(orgId) &&
    location.pathname.startsWith('/orgs/');
  useEffect(() => {
    if (blocked) void navigate(`/account/security?required=${encodeURIComponent(orgId)}`, { replace: true });
  }, [blocked, navigate, orgId]);
  return null;
}

/** The organizations' names, for the security page's notice. */
export function useRequiredByNames(ids: readonly string[]): string[] {
  const { session } = useSession();
  return useMemo(
    () => ids.map((id) => session?.memberships.find((m) => m.orgId === id)?.orgName ?? id),
    [ids, session],
  );
}
