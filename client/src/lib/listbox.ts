/**
 * Keyboard of the listbox pattern with aria-activedescendant (focus stays in the text field, the
 * active option moves): used by the mention autocomplete and the emoji picker.
 */

/** The next active option for an arrow key (wrapping), or -1 without options. */
export function moveActive(active: number, delta: number, count: number): number {
  if (count === 0) return -1;
  if (active < 0) return delta > 0 ? 0 : count - 1;
  return (((active + delta) % count) + count) % count;
}

export type ListboxKeyResult = { kind: 'move'; active: number } | { kind: 'pick' } | { kind: 'close' } | null;

/**
 * What a key does: arrows move (by `columns` up and down in a grid), Enter (and Tab, when
 * `tabPicks`) picks the active option, Escape closes; null for keys the field keeps.
 */
export function listboxKey(key: string, active: number, count: number, opts: { columns?: number; tabPicks?: boolean } = {}): ListboxKeyResult {
  const cols = opts.columns ?? 1;
  switch (key) {
    case 'ArrowDown':
      return { kind: 'move', active: moveActive(active, cols, count) };
    case 'ArrowUp':
      return { kind: 'move', active: moveActive(active, -cols, count) };
    case 'ArrowRight':
      return cols > 1 ? { kind: 'move', active: moveActive(active, 1, count) } : null;
    case 'ArrowLeft':
      return cols > 1 ? { kind: 'move', active: moveActive(active, -1, count) } : null;
    case 'Home':
      return cols > 1 && count > 0 ? { kind: 'move', active: 0 } : null;
    case 'End':
      return cols > 1 && count > 0 ? { kind: 'move', active: count - 1 } : null;
    case 'Enter':
      return active >= 0 ? { kind: 'pick' } : null;
    case 'Tab':
      return opts.tabPicks && active >= 0 ? { kind: 'pick' } : null;
    case 'Escape':
      return { kind: 'close' };
    default:
      return null;
  }
}
