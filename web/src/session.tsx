import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useLocation, useMatch } from 'react-router';
import { api, onActivity, onLocked, onUnauthenticated, probablySignedIn, rememberSession } from './api';
import type { Membership, Role, Session } from './api-types';

export const SESSION_KEY = ['session'] as const;

/** Queries whose answers are the same for everybody: kept when the user changes. */
const PUBLIC_QUERIES = new Set(['session', 'templates', 'template', 'invitation', 'setup']);

const ACTIVITY_KEY = 'openmds.activity';

function storedActivity(): number {
  try {
    return Number(localStorage.getItem(ACTIVITY_KEY) ?? 0) || 0;
  } catch {
    return 0;
  }
}

function storeActivity(at: number): void {
  try {
    localStorage.setItem(ACTIVITY_KEY, String(at));
  } catch {
    // Other tabs then do not hear of it; each still keeps its own count.
  }
}

/** How often the server counts activity against the idle timeout (sessions.ts). */
const TOUCH_INTERVAL_MS = 60_000;

interface SessionState {
  /** undefined while the first answer is awaited; null when signed out. */
  session: Session | null | undefined;
  /** The session changed (sign-in, switch, unlock): store it and refresh what depends on it. */
  setSession: (session: Session | null) => void;
  /** Why the last session ended, for the sign-in page ("expired"). */
  endedBecause: 'expired' | null;
  /** Estimated time the idle timeout falls, in ms since the epoch (client clock). */
  idleDeadline: number | null;
  /** Asks the server again (which also extends the idle timeout). */
  refresh: () => Promise<void>;
  /** Ends the session because the idle timeout has come. */
  expire: () => Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

/**
 * Holds the session (GET /auth/session through TanStack Query) and follows what the API says about it: a 401 from any
 * request means signed out, a 423 means the screen lock is on. Public pages only ask when this browser was signed in
 * before, so an anonymous visit makes no request bound to fail.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const location = useLocation();
  // The organization's pages and the account's own pages need a session whatever this browser remembers (a stored
  // flag can be missing: storage blocked, or the session began in another way).
  const needsSession =
    location.pathname.startsWith('/orgs') || location.pathname.startsWith('/account') || probablySignedIn();
  const query = useQuery({
    queryKey: SESSION_KEY,
    queryFn: () => api.session(),
    enabled: needsSession,
    staleTime: 60_000,
    retry: false,
  });
  const [endedBecause, setEndedBecause] = useState<'expired' | null>(null);

  // The idle window: the server's idle timeout, measured as idleExpiresAt less the time the session was read (on the
  // client's clock, so a skewed clock matters little), the largest seen. Every successful API request, in any tab of
  // this browser, restarts it.
  const [windowMs, setWindowMs] = useState<number | null>(null);
  const [lastActivity, setLastActivity] = useState(() => Math.max(Date.now(), storedActivity()));
  const session = needsSession ? query.data : null;

  useEffect(() => {
    if (query.data === undefined || query.data === null) return;
    const fetchedAt = query.dataUpdatedAt;
    const w = Date.parse(query.data.idleExpiresAt) - fetchedAt;
    if (Number.isFinite(w)) setWindowMs((prev) => Math.max(prev ?? 0, 60_000, w));
    setLastActivity((prev) => Math.max(prev, fetchedAt));
  }, [query.data, query.dataUpdatedAt]);

  useEffect(() => {
    const off = onActivity(() => {
      const now = Date.now();
      setLastActivity(now);
      storeActivity(now);
    });
    // Another tab's activity keeps this one's session alive too: they share the cookie.
    const onStorage = (e: StorageEvent) => {
      if (e.key === ACTIVITY_KEY) setLastActivity((prev) => Math.max(prev, storedActivity()));
    };
    window.addEventListener('storage', onStorage);
    return () => {
      off();
      window.removeEventListener('storage', onStorage);
    };
  }, []);

  const setSession = useCallback(
    (next: Session | null) => {
      rememberSession(next);
      const prev = queryClient.getQueryData<Session | null>(SESSION_KEY);
      queryClient.setQueryData(SESSION_KEY, next);
      if (next !== null) setEndedBecause(null);
      // Another user, or none: forget every cached answer of the previous one.
      if (prev?.user.id !== next?.user.id) {
        queryClient.removeQueries({ predicate: (q) => !PUBLIC_QUERIES.has(String(q.queryKey[0])) });
      }
    },
    [queryClient],
  );

  useEffect(
    () =>
      onUnauthenticated(() => {
        const had = queryClient.getQueryData<Session | null>(SESSION_KEY);
        if (had !== null && had !== undefined) setEndedBecause('expired');
        rememberSession(null);
        queryClient.setQueryData(SESSION_KEY, null);
      }),
    [queryClient],
  );

  useEffect(
    () =>
      onLocked(() => {
        const had = queryClient.getQueryData<Session | null>(SESSION_KEY);
        if (had !== null && had !== undefined && !had.locked)
          queryClient.setQueryData(SESSION_KEY, { ...had, locked: true });
      }),
    [queryClient],
  );

  const refresh = useCallback(async () => {
    const had = queryClient.getQueryData<Session | null>(SESSION_KEY);
    await queryClient.refetchQueries({ queryKey: SESSION_KEY });
    const now = queryClient.getQueryData<Session | null>(SESSION_KEY);
    if (had !== null && had !== undefined && now === null) setEndedBecause('expired');
  }, [queryClient]);

  /**
   * Idle time is up: end the session here and on the server. Asking the server whether it is still alive would count
   * as activity and extend it, so the UI never does that on its own.
   */
  const expire = useCallback(async () => {
    try {
      await api.signOut();
    } finally {
      setSession(null);
      setEndedBecause('expired');
    }
  }, [setSession]);

  // The server extends the idle deadline at most once a minute, so the real one may fall up to a minute early.
  const idleDeadline =
    session === null || session === undefined || windowMs === null
      ? null
      : lastActivity + Math.max(windowMs - TOUCH_INTERVAL_MS, windowMs / 2);

  const value = useMemo<SessionState>(
    () => ({ session, setSession, endedBecause, idleDeadline, refresh, expire }),
    [session, setSession, endedBecause, idleDeadline, refresh, expire],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const ctx = useContext(SessionContext);
  if (ctx === null) throw new Error('useSession outside SessionProvider');
  return ctx;
}

/** The organization the address is about (/orgs/:orgId/…), else the session's current one. */
export function useCurrentOrgId(): string | null {
  const { session } = useSession();
  const match = useMatch('/orgs/:orgId/*');
  const fromUrl = match?.params.orgId;
  if (fromUrl !== undefined && fromUrl !== 'new') return fromUrl;
  return session?.currentOrgId ?? session?.memberships[0]?.orgId ?? null;
}

/** The caller's membership in an organization, or null. */
export function useMembership(orgId: string | null | undefined): Membership | null {
  const { session } = useSession();
  if (orgId === null || orgId === undefined) return null;
  return session?.memberships.find((m) => m.orgId === orgId) ?? null;
}

/** What a role may do in the UI; the server decides, this only hides what would be refused. */
export function can(
  role: Role | undefined,
  what: 'write' | 'review' | 'manage' | 'audit' | 'publish' | 'answer' | 'request',
): boolean {
  if (role === undefined) return false;
  switch (what) {
    // request: a hospital asks manufacturers for statements, reminds, cancels.
    case 'write':
    case 'request':
      return role === 'owner' || role === 'editor';
    // publish, answer: a manufacturer publishes and withdraws, answers and declines requests.
    case 'review':
    case 'publish':
    case 'answer':
      return role === 'owner' || role === 'approver';
    case 'manage':
      return role === 'owner';
    case 'audit':
      return role === 'owner' || role === 'auditor';
  }
}
