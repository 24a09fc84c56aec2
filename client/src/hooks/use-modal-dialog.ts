import { useEffect, useRef, type RefObject } from 'react';

/**
 * Opens a native <dialog> as a modal for the component's life: the browser makes the rest of the
 * page inert (focus stays inside), Escape (the `cancel` event) calls onClose, and focus returns
 * to the element that had it when the dialog opened.
 */
export function useModalDialog(ref: RefObject<HTMLDialogElement | null>, onClose: () => void): void {
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement as HTMLElement | null;
    if (!dialog.open) dialog.showModal();
    const onCancel = (e: Event) => {
      e.preventDefault();
      onCloseRef.current();
    };
    dialog.addEventListener('cancel', onCancel);
    return () => {
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      opener?.focus?.();
    };
  }, [ref]);
}
