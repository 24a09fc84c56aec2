import { useState, type FormEvent } from 'react';
import { api, isApiError } from '../lib/api';
import { useSync } from '../sync/SyncProvider';
import { navigate, roomPath } from '../lib/router';
import { ROOM_DESCRIPTION_MAX, ROOM_NAME_MAX } from '../lib/wire';
import { useStore } from '../store';
import { Dialog } from './Dialog';

export default function CreateRoomDialog({ onClose }: { onClose: () => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [isPrivate, setIsPrivate] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const toast = useStore((s) => s.toast);
  const sync = useSync();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) {
      setError('Give the room a name.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const { room, inviteCode } = await api.createRoom({
        name: trimmed,
        description: description.trim() || undefined,
        isPrivate,
      });
      sync.roomJoined(room, inviteCode);
      toast(`Created ${room.name}`, 'success');
      onClose();
      navigate(roomPath(room.id));
    } catch (err) {
      setBusy(false);
      if (isApiError(err, 'ROOM_NAME_TAKEN')) setError('A room with this name already exists.');
      else setError(isApiError(err) ? err.message : 'Could not create the room.');
    }
  };

  return (
    <Dialog title="Create a room" description="Rooms are where conversations happen." onClose={onClose}>
      <form onSubmit={submit} noValidate className="space-y-4">
        <div>
          <label htmlFor="room-name" className="label">
            Name
          </label>
          <input
            id="room-name"
            className="field"
            value={name}
            maxLength={ROOM_NAME_MAX}
            onChange={(e) => setName(e.target.value)}
            autoFocus
            required
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'room-error' : undefined}
          />
        </div>
        <div>
          <label htmlFor="room-description" className="label">
            Description <span className="font-normal text-zinc-600 dark:text-zinc-400">(optional)</span>
          </label>
          <textarea
            id="room-description"
            className="field min-h-20 resize-y"
            value={description}
            maxLength={ROOM_DESCRIPTION_MAX}
            onChange={(e) => setDescription(e.target.value)}
          />
        </div>
        <label className="flex items-start gap-3 rounded-lg border border-zinc-200 p-3 text-sm dark:border-zinc-700">
          <input
            type="checkbox"
            className="mt-0.5 h-4 w-4 accent-indigo-600"
            checked={isPrivate}
            onChange={(e) => setIsPrivate(e.target.checked)}
          />
          <span>
            <span className="font-medium">Private</span>
            <span className="block text-zinc-600 dark:text-zinc-400">
              Not listed in Discover; people join with an invite link.
            </span>
          </span>
        </label>
        {error && (
          <p id="room-error" role="alert" className="text-sm text-red-700 dark:text-red-400">
            {error}
          </p>
        )}
        <div className="flex justify-end gap-2">
          <button type="button" className="btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn-primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create room'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
