import { useCallback, useEffect, useRef, useState } from 'react';
import { isAbort, isApiError } from '../lib/api';
import { localKind } from '../lib/files';
import type { Attachment } from '../lib/wire';

/** The contract's limit of attachments on one message. */
export const MAX_ATTACHMENTS = 10;

export interface PendingUpload {
  key: string;
  name: string;
  size: number;
  kind: Attachment['kind'];
  /** A small data: URL preview (images, a video's poster), once made. */
  previewUrl: string | null;
  /** 0..1 of the bytes sent. */
  progress: number;
  status: 'uploading' | 'done' | 'failed';
  attachment?: Attachment;
  error?: string;
}

export interface Uploads {
  items: PendingUpload[];
  add(files: Iterable<File>): void;
  /** Cancels it when still uploading. */
  remove(key: string): void;
  /** The finished uploads, for a send; clears the tray. */
  take(): Attachment[];
  busy: boolean;
}

let nextKey = 0;

/**
 * The composer's files of one room: each uploads at once on its own XMLHttpRequest, so the user
 * sees a progress bar per file and may cancel any. Invariant: an item's request is aborted when
 * it is removed, taken for a send or the room changes.
 */
export function useUploads(roomId: string): Uploads {
  const [items, setItems] = useState<PendingUpload[]>([]);
  const controllers = useRef(new Map<string, AbortController>());
  const itemsRef = useRef(items);
  itemsRef.current = items;

  const patch = useCallback((key: string, fields: Partial<PendingUpload>) => {
    setItems((list) => list.map((i) => (i.key === key ? { ...i, ...fields } : i)));
  }, []);

  const release = (item: PendingUpload) => {
    controllers.current.get(item.key)?.abort();
    controllers.current.delete(item.key);
  };

  useEffect(
    () => () => {
      for (const i of itemsRef.current) release(i);
      setItems([]);
    },
    [roomId],
  );

  const start = useCallback(
    async (key: string, file: File, kind: Attachment['kind']) => {
      const ctl = new AbortController();
      controllers.current.set(key, ctl);
      try {
        // The uploader and the preview maker are loaded with the first file.
        const [{ uploadFile }, preview] = await Promise.all([import('../lib/upload'), import('../lib/local-preview')]);
        let thumb: Blob | null = null;
        if (kind === 'image') void preview.imagePreview(file).then((url) => url && patch(key, { previewUrl: url }));
        if (kind === 'video') {
          const poster = await preview.videoPoster(file);
          if (poster) patch(key, { previewUrl: poster.dataUrl });
          thumb = poster?.blob ?? null;
        }
        if (ctl.signal.aborted) return;
        const attachment = await uploadFile(file, {
          signal: ctl.signal,
          ...(thumb ? { thumb } : {}),
          onProgress: (loaded, total) => patch(key, { progress: total ? loaded / total : 0 }),
        });
        patch(key, { status: 'done', progress: 1, attachment });
      } catch (err) {
        if (isAbort(err)) return;
        const { describeUploadError } = await import('../lib/upload');
        const error = isApiError(err) ? describeUploadError(err.code, err.message, err.retryAfterMs) : 'Upload failed';
        patch(key, { status: 'failed', error });
      } finally {
        controllers.current.delete(key);
      }
    },
    [patch],
  );

  const add = useCallback(
    (files: Iterable<File>) => {
      const room = MAX_ATTACHMENTS - itemsRef.current.length;
      const fresh: PendingUpload[] = [];
      const starts: Array<[string, File, Attachment['kind']]> = [];
      for (const file of files) {
        const key = `up${++nextKey}`;
        const kind = localKind(file.type);
        if (starts.length >= room) {
          fresh.push({ key, name: file.name, size: file.size, kind, previewUrl: null, progress: 0, status: 'failed', error: `At most ${MAX_ATTACHMENTS} files per message` });
          continue;
        }
        fresh.push({ key, name: file.name || 'pasted', size: file.size, kind, previewUrl: null, progress: 0, status: 'uploading' });
        starts.push([key, file, kind]);
      }
      if (!fresh.length) return;
      setItems((list) => [...list, ...fresh]);
      for (const [key, file, kind] of starts) void start(key, file, kind);
    },
    [start],
  );

  const remove = useCallback((key: string) => {
    const item = itemsRef.current.find((i) => i.key === key);
    if (item) release(item);
    setItems((list) => list.filter((i) => i.key !== key));
  }, []);

  const take = useCallback(() => {
    const done = itemsRef.current.flatMap((i) => (i.status === 'done' && i.attachment ? [i.attachment] : []));
    for (const i of itemsRef.current) release(i);
    setItems([]);
    return done;
  }, []);

  return { items, add, remove, take, busy: items.some((i) => i.status === 'uploading') };
}
