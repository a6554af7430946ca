import { Paper, Text } from '@mantine/core';
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { PlusIcon } from '../icons';
import type { Remark } from './model';

interface Props {
  anchor: HTMLElement;
  remarks: readonly Remark[];
  cited: readonly number[];
  remarkWord: string;
  onCite: (number: number) => void;
  onNew: () => void;
  onClose: () => void;
}

const WIDTH = 340;

/**
 * The one "cite a remark" menu of the editor, placed under the button that opened it. One menu for all rows keeps
 * each row light (no popover machinery per row).
 */
export function CiteMenu({ anchor, remarks, cited, remarkWord, onCite, onNew, onClose }: Props) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  const [pos, setPos] = useState<{ top: number; left: number }>({ top: 0, left: 0 });

  // Placed under the button (above it near the bottom of the window), and kept there while the page scrolls.
  const place = useCallback(() => {
    const r = anchor.getBoundingClientRect();
    const left = Math.max(8, Math.min(window.innerWidth - WIDTH - 8, r.right - WIDTH));
    const height = ref.current?.offsetHeight ?? 200;
    const below = r.bottom + 4;
    const top = below + height > window.innerHeight - 8 ? Math.max(8, r.top - height - 4) : below;
    setPos({ top, left });
  }, [anchor]);

  useLayoutEffect(() => {
    place();
    ref.current?.querySelector<HTMLButtonElement>('button:not(:disabled)')?.focus({ preventScroll: true });
  }, [place]);

  useEffect(() => {
    const down = (e: MouseEvent) => {
      if (ref.current !== null && !ref.current.contains(e.target as Node) && !anchor.contains(e.target as Node)) {
        onClose();
      }
    };
    document.addEventListener('mousedown', down);
    window.addEventListener('scroll', place, { passive: true });
    window.addEventListener('resize', place);
    return () => {
      document.removeEventListener('mousedown', down);
      window.removeEventListener('scroll', place);
      window.removeEventListener('resize', place);
    };
  }, [anchor, onClose, place]);

  const onKeyDown = (e: KeyboardEvent) => {
    e.stopPropagation();
    if (e.key === 'Escape') {
      e.preventDefault();
      onClose();
      return;
    }
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const items = [...(ref.current?.querySelectorAll<HTMLButtonElement>('button:not(:disabled)') ?? [])];
    const i = items.indexOf(document.activeElement as HTMLButtonElement);
    const next = items[(i + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length];
    next?.focus();
  };

  return (
    <Paper
      ref={ref}
      shadow="md"
      withBorder
      p={4}
      className="cite-menu"
      role="menu"
      aria-label={t('editor.cite', { word: remarkWord })}
      style={{ top: pos.top, left: pos.left, width: WIDTH }}
      onKeyDown={onKeyDown}
      data-testid="cite-menu"
    >
      {remarks.length === 0 ? (
        <Text size="xs" c="dimmed" px="xs" py={4}>
          {t('editor.noRemarksYet', { word: remarkWord })}
        </Text>
      ) : (
        <>
          <Text size="xs" c="dimmed" px="xs" py={4}>
            {t('editor.citeExisting', { word: remarkWord })}
          </Text>
          <div className="cite-menu-list">
            {remarks.map((r) => (
              <button
                key={r.number}
                type="button"
                role="menuitem"
                className="cite-menu-item"
                disabled={cited.includes(r.number)}
                onClick={() => onCite(r.number)}
                data-remark={r.number}
              >
                <strong>
                  {remarkWord} {r.number}
                </strong>{' '}
                {r.text.trim() === '' ? <em>{t('editor.emptyRemark')}</em> : r.text.slice(0, 80)}
              </button>
            ))}
          </div>
        </>
      )}
      <div className="cite-menu-sep" />
      <button type="button" role="menuitem" className="cite-menu-item" onClick={onNew} data-testid="new-remark">
        <PlusIcon size={14} /> {t('editor.newRemark', { word: remarkWord })}
      </button>
    </Paper>
  );
}
