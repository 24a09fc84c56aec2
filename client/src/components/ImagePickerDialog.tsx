import { useRef, useState } from 'react';
import { api, isApiError } from '../lib/api';
import { describeUploadError, sendMultipart } from '../lib/upload';
import type { JoinedRoom, RoomResponse, User } from '../lib/wire';
import { useStore } from '../store';
import { Avatar } from './Avatar';
import { Dialog } from './Dialog';
import { HashIcon } from './Icons';
import { RoomImage } from './RoomImage';
import { SquareCropper, type CropperHandle } from './SquareCropper';

/**
 * Choosing a square picture (your avatar, a room's image): pick a file, move and zoom the square
 * in the crop preview, save (a PUT of the cropped WebP with a progress bar), or remove the
 * current one. Lazy-loaded with its cropper: not part of the initial bundle.
 */
export type PictureTarget = { kind: 'avatar'; user: User } | { kind: 'room'; room: JoinedRoom };

/** What the dialog reads and writes for each kind of picture. */
function targetOf(t: PictureTarget) {
  const { updateRoom, setUser } = useStore.getState();
  if (t.kind === 'avatar') {
    return {
      title: 'Profile picture',
      current: <Avatar user={t.user} size={96} />,
      hasCurrent: !!t.user.avatarUrl,
      url: '/api/users/me/avatar',
      saved: (body: unknown) => setUser((body as { user: User }).user),
      remove: async () => setUser((await api.deleteAvatar()).user),
    };
  }
  const { room } = t;
  return {
    title: `Image of ${room.name}`,
    current: (
      <span className="inline-flex h-24 w-24 items-center justify-center overflow-hidden rounded-2xl bg-zinc-100 text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300">
        <RoomImage url={room.imageUrl} size={96} fallback={<HashIcon width={40} height={40} />} />
      </span>
    ),
    hasCurrent: !!room.imageUrl,
    url: `/api/rooms/${encodeURIComponent(room.id)}/image`,
    saved: (body: unknown) => updateRoom((body as RoomResponse).room),
    remove: async () => updateRoom((await api.deleteRoomImage(room.id)).room),
  };
}

export default function ImagePickerDialog({ target, onClose }: { target: PictureTarget; onClose: () => void }) {
  const { title, current, hasCurrent, url, saved, remove: removeIt } = targetOf(target);
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const cropper = useRef<CropperHandle | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const busy = progress !== null;

  const save = async () => {
    const blob = await cropper.current?.toBlob();
    if (!blob) return setError('This image cannot be read by the browser.');
    setError(null);
    setProgress(0);
    try {
      const body = await sendMultipart<unknown>(blob, 'picture.webp', { url, method: 'PUT', onProgress: (l, t) => setProgress(t ? l / t : 0) });
      saved(body);
      onClose();
    } catch (err) {
      setError(isApiError(err) ? describeUploadError(err.code, err.message, err.retryAfterMs) : 'Upload failed');
    } finally {
      setProgress(null);
    }
  };

  const remove = async () => {
    setError(null);
    try {
      await removeIt();
      onClose();
    } catch (err) {
      setError(isApiError(err) ? err.message : 'Could not remove it');
    }
  };

  return (
    <Dialog title={title} onClose={onClose}>
      <div className="space-y-4" data-testid="image-picker">
        {file ? <SquareCropper file={file} handleRef={cropper} /> : <div className="flex justify-center">{current}</div>}
        <input
          ref={input}
          type="file"
          accept="image/png,image/jpeg,image/webp,image/gif,image/avif"
          className="sr-only"
          aria-label="Choose an image"
          data-testid="image-picker-input"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) setFile(f);
            e.target.value = '';
          }}
        />
        {progress !== null && (
          <div
            role="progressbar"
            aria-label="Uploading"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(progress * 100)}
            className="h-1.5 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-700"
          >
            <div className="h-full bg-indigo-600" style={{ width: `${Math.round(progress * 100)}%` }} />
          </div>
        )}
        {error && (
          <p className="text-sm text-red-700 dark:text-red-400" role="alert">
            {error}
          </p>
        )}
        <div className="flex flex-wrap justify-end gap-2">
          {!file && hasCurrent && (
            <button type="button" className="btn-ghost text-red-700 dark:text-red-400" onClick={() => void remove()} disabled={busy}>
              Remove
            </button>
          )}
          <button type="button" className="btn-ghost" onClick={() => input.current?.click()} disabled={busy}>
            {file ? 'Choose another' : 'Choose an image'}
          </button>
          {file ? (
            <button type="button" className="btn-primary" onClick={() => void save()} disabled={busy}>
              Save
            </button>
          ) : null}
        </div>
      </div>
    </Dialog>
  );
}
