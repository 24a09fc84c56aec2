import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { createPortal } from 'react-dom';

/**
 * A floating panel next to `anchor`, rendered in a portal with fixed position so the virtualized,
 * scrolling message list never clips it. Escape and a press outside close it; focus goes back to
 * the anchor on Escape. Children manage focus inside.
 */
export function Popover({
  anchor,
  onClose,
  children,
  label,
  role = 'dialog',
  id,
}: {
  anchor: HTMLElement;
  onClose: () => void;
  children: ReactNode;
  label: string;
  role?: 'dialog' | 'menu';
  id?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [pos, setPos] = useState<{ top: number; left: number } | null>(null);
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useLayoutEffect(() => {
    const place = () => {
      const el = ref.current;
      if (!el) return;
      const a = anchor.getBoundingClientRect();
      const w = el.offsetWidth;
      const h = el.offsetHeight;
      const below = a.bottom + 4 + h <= window.innerHeight;
      const top = below ? a.bottom + 4 : Math.max(4, a.top - 4 - h);
      const left = Math.min(Math.max(4, a.right - w), window.innerWidth - w - 4);
      setPos({ top, left });
    };
    place();
    window.addEventListener('resize', place);
    return () => window.removeEventListener('resize', place);
  }, [anchor]);

  useEffect(() => {
    const onDown = (e: PointerEvent) => {
      const t = e.target as Node;
      if (!ref.current?.contains(t) && !anchor.contains(t)) onCloseRef.current();
    };
    document.addEventListener('pointerdown', onDown);
    return () => document.removeEventListener('pointerdown', onDown);
  }, [anchor]);

  return createPortal(
    <div
      ref={ref}
      id={id}
      role={role}
      aria-label={label}
      className="fixed z-50 rounded-xl border border-zinc-200 bg-white p-1 shadow-xl dark:border-zinc-700 dark:bg-zinc-900"
      style={pos ? { top: pos.top, left: pos.left } : { top: -9999, left: -9999 }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onCloseRef.current();
          anchor.focus();
        }
      }}
    >
      {children}
    </div>,
    document.body,
  );
}
