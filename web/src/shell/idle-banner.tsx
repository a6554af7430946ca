import { Alert, Button, Group, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../session';

/** How long before the idle timeout the banner shows. */
const WARN_MS = 2 * 60_000;

function mmss(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * Warns two minutes before the session's idle timeout (and before its absolute limit), with a button that keeps the
 * session alive. When the idle time is up it signs out, and the sign-in page says why.
 */
export function IdleBanner() {
  const { t } = useTranslation();
  const { session, idleDeadline, refresh, expire } = useSession();
  const [now, setNow] = useState(() => Date.now());
  const absolute = session ? Date.parse(session.absoluteExpiresAt) : NaN;

  useEffect(() => {
    const id = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(id);
  }, []);

  const idleLeft = idleDeadline === null ? Infinity : idleDeadline - now;
  const absoluteLeft = Number.isFinite(absolute) ? absolute - now : Infinity;

  // Idle: end the session (asking the server would extend it). Absolute limit: the server has ended it; its 401 on the
  // next question leads to the sign-in page.
  const idleOver = idleLeft <= 0 && session?.locked !== true;
  const absoluteOver = absoluteLeft <= 0;
  useEffect(() => {
    if (idleOver) void expire();
    else if (absoluteOver) void refresh();
  }, [idleOver, absoluteOver, expire, refresh]);

  if (!session || session.locked) return null;
  if (absoluteLeft <= WARN_MS && absoluteLeft < idleLeft) {
    return (
      <Alert color="orange" mb="md" role="status" data-testid="session-expiry-banner">
        {t('session.absoluteSoon', { time: mmss(absoluteLeft) })}
      </Alert>
    );
  }
  if (idleLeft > WARN_MS) return null;
  return (
    <Alert color="yellow" mb="md" role="status" data-testid="idle-banner">
      <Group justify="space-between" wrap="nowrap">
        <Text size="sm">{t('session.idleSoon', { time: mmss(idleLeft) })}</Text>
        <Button size="xs" variant="white" onClick={() => void refresh()}>
          {t('session.stay')}
        </Button>
      </Group>
    </Alert>
  );
}
