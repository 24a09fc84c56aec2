import { useState, type FormEvent } from 'react';
import { api, isApiError } from '../lib/api';
import { useSync } from '../sync/SyncProvider';
import { navigate, roomPath } from '../lib/router';
import { ROOM_DESCRIPTION_MAX, ROOM_NAME_MAX } from '../lib/wire';
import { useStore } from '../store';
import { Dialog } from './Dialog';
import { FormActions, FormField } from './FormField';

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
        <FormField id="room-name" label="Name" error={error} errorId="room-error">
          {(control) => (
            <input {...control} className="field" value={name} maxLength={ROOM_NAME_MAX} onChange={(e) => setName(e.target.value)} autoFocus required />
          )}
        </FormField>
        <FormField id="room-description" label="Description" optional>
          {(control) => (
            <textarea
              {...control}
              className="field min-h-20 resize-y"
              value={description}
              maxLength={ROOM_DESCRIPTION_MAX}
              onChange={(e) => setDescription(e.target.value)}
            />
          )}
        </FormField>
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
        <FormActions errorId="room-error" error={error} busy={busy} submit="Create room" busyText="Creating…" onCancel={onClose} />
      </form>
    </Dialog>
  );
}
