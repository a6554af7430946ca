import { useCallback, useEffect, useRef, useState, type Dispatch } from 'react';
import { api, isApiError } from '../api';
import type { SaveConflict, SaveResult } from '../api-types';
import { useSession } from '../session';
import { contentToSave, type CompiledTemplate, type EditorAction, type EditorState } from './model';

/** Quiet time after the last change before it is saved. */
export const AUTOSAVE_DELAY_MS = 800;

export type SaveStatus =
  | { kind: 'idle' }
  | { kind: 'saving' }
  | { kind: 'saved'; at: number }
  | { kind: 'error'; message: string }
  /** The server holds a newer version: nothing is saved until the person chooses. */
  | { kind: 'conflict'; conflict: SaveConflict }
  /** The screen lock is on: saving resumes after unlocking. */
  | { kind: 'locked' };

interface Options {
  orgId: string;
  statementId: string;
  revision: number;
  enabled: boolean;
  compiled: CompiledTemplate;
  state: EditorState;
  dispatch: Dispatch<EditorAction>;
  onSaved?: (result: SaveResult) => void;
}

export interface Autosave {
  status: SaveStatus;
  dirty: boolean;
  /** Saves now, if anything is unsaved; resolves with the server's version. Throws when the save fails. */
  flush: () => Promise<number>;
  /** Conflict: overwrite the server's version with what is on screen. */
  keepMine: () => void;
  /** Conflict: drop local changes and load the server's version. */
  takeTheirs: () => void;
  retry: () => void;
}

function asConflict(details: unknown): SaveConflict | null {
  const d = details as Partial<SaveConflict> | undefined;
  if (d === undefined || d === null || typeof d !== 'object' || d.current === undefined) return null;
  return { current: d.current, changes: Array.isArray(d.changes) ? d.changes : [] };
}

/**
 * Saves the revision ~800 ms after the last change (PUT with expectedVersion). On a 409 it stops and reports the
 * conflict; it never overwrites the server's version unless told to (`keepMine`).
 */
export function useAutosave(o: Options): Autosave {
  const { session } = useSession();
  const [status, setStatus] = useState<SaveStatus>({ kind: 'idle' });
  const [saving, setSaving] = useState(false);
  const stateRef = useRef(o.state);
  stateRef.current = o.state;
  const optsRef = useRef(o);
  optsRef.current = o;
  const inFlight = useRef<Promise<number> | null>(null);
  const statusRef = useRef(status);
  statusRef.current = status;

  // What the server acknowledged last, before React has rendered the 'saved' action into stateRef.
  const acked = useRef<{ version: number; seq: number } | null>(null);

  const save = useCallback(async (): Promise<number> => {
    if (inFlight.current !== null) await inFlight.current.catch(() => undefined);
    const { content, seq } = stateRef.current;
    let { version, savedSeq } = stateRef.current;
    const a = acked.current;
    if (a !== null && a.seq >= savedSeq && a.seq <= seq) ({ version, seq: savedSeq } = a);
    if (seq === savedSeq) return version;
    const { orgId, statementId, revision, compiled, dispatch } = optsRef.current;
    const run = (async () => {
      setSaving(true);
      setStatus({ kind: 'saving' });
      try {
        const result = await api.saveRevision(orgId, statementId, revision, {
          expectedVersion: version,
          content: contentToSave(compiled, content),
        });
        acked.current = { version: result.version, seq };
        dispatch({ type: 'saved', version: result.version, seq });
        setStatus({ kind: 'saved', at: Date.now() });
        optsRef.current.onSaved?.(result);
        return result.version;
      } catch (e) {
        if (isApiError(e, 409)) {
          const conflict = asConflict(e.details);
          if (conflict !== null) setStatus({ kind: 'conflict', conflict });
          else setStatus({ kind: 'error', message: e.message });
        } else if (isApiError(e, 423)) setStatus({ kind: 'locked' });
        else setStatus({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
        throw e;
      } finally {
        setSaving(false);
      }
    })();
    inFlight.current = run;
    try {
      return await run;
    } finally {
      if (inFlight.current === run) inFlight.current = null;
    }
  }, []);

  const dirty = o.state.seq !== o.state.savedSeq;
  const blocked = status.kind === 'conflict' || status.kind === 'locked' || status.kind === 'error';

  // The debounce: restarted by every change; a save that finishes with newer changes pending schedules the next.
  useEffect(() => {
    if (!o.enabled || !dirty || saving || blocked) return;
    const id = window.setTimeout(() => void save().catch(() => undefined), AUTOSAVE_DELAY_MS);
    return () => window.clearTimeout(id);
  }, [o.enabled, dirty, saving, blocked, o.state.seq, save]);

  // After an error, the next change tries again.
  const lastSeq = useRef(o.state.seq);
  useEffect(() => {
    if (o.state.seq !== lastSeq.current && statusRef.current.kind === 'error') setStatus({ kind: 'idle' });
    lastSeq.current = o.state.seq;
  }, [o.state.seq]);

  // Unlocked: save what waited.
  const locked = session?.locked === true;
  useEffect(() => {
    if (!locked && statusRef.current.kind === 'locked') setStatus({ kind: 'idle' });
  }, [locked]);

  // Leaving the page with unsaved changes: the browser asks; leaving the editor inside the app saves at once.
  useEffect(() => {
    if (!o.enabled) return;
    const warn = (e: BeforeUnloadEvent) => {
      if (stateRef.current.seq !== stateRef.current.savedSeq) e.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => {
      window.removeEventListener('beforeunload', warn);
      const k = statusRef.current.kind;
      if (stateRef.current.seq !== stateRef.current.savedSeq && k !== 'conflict' && k !== 'locked') {
        void save().catch(() => undefined);
      }
    };
  }, [o.enabled, save]);

  const keepMine = useCallback(() => {
    const s = statusRef.current;
    if (s.kind !== 'conflict') return;
    acked.current = null;
    optsRef.current.dispatch({ type: 'rebase', version: s.conflict.current.version });
    setStatus({ kind: 'idle' });
  }, []);

  const takeTheirs = useCallback(() => {
    const s = statusRef.current;
    if (s.kind !== 'conflict') return;
    acked.current = null;
    optsRef.current.dispatch({
      type: 'load',
      content: s.conflict.current.content,
      version: s.conflict.current.version,
    });
    setStatus({ kind: 'saved', at: Date.now() });
  }, []);

  const retry = useCallback(() => {
    setStatus({ kind: 'idle' });
  }, []);

  return { status, dirty, flush: save, keepMine, takeTheirs, retry };
}
