import { useState, type DragEvent, type ReactNode } from 'react';

const hasFiles = (e: DragEvent) => e.dataTransfer.types.includes('Files');

/**
 * The room's <section>: files dragged over it show a drop target and, dropped, go to `onFiles`.
 * Drags of anything else (text, links) are left to the browser.
 */
export function FileDropZone({ onFiles, labelledBy, children }: { onFiles: (files: File[]) => void; labelledBy: string; children: ReactNode }) {
  const [dragging, setDragging] = useState(false);
  return (
    <section
      aria-labelledby={labelledBy}
      className="relative flex min-w-0 flex-1 flex-col"
      onDragOver={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
      }}
      onDrop={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        setDragging(false);
        onFiles([...e.dataTransfer.files]);
      }}
      data-testid="room-drop-zone"
    >
      {dragging && (
        <div
          className="pointer-events-none absolute inset-2 z-30 flex items-center justify-center rounded-2xl border-2 border-dashed border-indigo-500 bg-indigo-50/90 text-sm font-semibold text-indigo-800 dark:bg-indigo-950/90 dark:text-indigo-200"
          aria-hidden="true"
        >
          Drop files to attach them to your message
        </div>
      )}
      {children}
    </section>
  );
}
