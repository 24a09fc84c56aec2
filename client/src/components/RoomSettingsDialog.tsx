import { lazy, Suspense, useId, useState, type FormEvent } from 'react';
import { isApiError } from '../lib/api';
import { moderationApi, SLOW_MODE_CHOICES } from '../lib/moderation-api';
import { navigate } from '../lib/router';
import { ROOM_DESCRIPTION_MAX, ROOM_NAME_MAX, type JoinedRoom } from '../lib/wire';
import { useStore } from '../store';
import { Dialog } from './Dialog';

/** The room image dialog and its cropper, loaded when opened (it replaces this dialog meanwhile). */
const ImagePickerDialog = lazy(() => import('./ImagePickerDialog'));
/** Bans and the audit log: loaded when their section is opened. */
const ModerationLists = lazy(() => import('./ModerationLists'));

type Section = 'bans' | 'audit' | null;

/**
 * Room settings for owners and moderators (a lazy chunk): name, description, slow mode, the image
 * (the image picker opens over the room), invite rotation, bans, the audit log and, for the owner,
 * deleting the room behind a typed confirmation. Every change answers in an aria-live status.
 */
export default function RoomSettingsDialog({ room, onClose }: { room: JoinedRoom; onClose: () => void }) {
  const [editingImage, setEditingImage] = useState(false);
  if (editingImage) {
    return (
      <Suspense fallback={null}>
        <ImagePickerDialog target={{ kind: 'room', room }} onClose={onClose} />
      </Suspense>
    );
  }
  return <Settings room={room} onClose={onClose} onEditImage={() => setEditingImage(true)} />;
}

function Settings({ room, onClose, onEditImage }: { room: JoinedRoom; onClose: () => void; onEditImage: () => void }) {
  const [name, setName] = useState(room.name);
  const [description, setDescription] = useState(room.description);
  const [slowModeSec, setSlowModeSec] = useState(room.slowModeSec);
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [section, setSection] = useState<Section>(null);
  const [confirmName, setConfirmName] = useState('');
  const ids = { name: useId(), description: useId(), slow: useId(), confirm: useId() };
  const isOwner = room.role === 'owner';

  const run = async (what: () => Promise<string>) => {
    setBusy(true);
    setError('');
    try {
      setStatus(await what());
    } catch (err) {
      setStatus('');
      setError(isApiError(err) ? err.message : 'Something went wrong. Try again.');
    } finally {
      setBusy(false);
    }
  };

  const save = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const { room: updated } = await moderationApi.update(room.id, { name, description, slowModeSec });
      useStore.getState().updateRoom(updated);
      return 'Settings saved.';
    });
  };

  const rotate = () =>
    run(async () => {
      const { inviteCode } = await moderationApi.rotateInvite(room.id);
      useStore.getState().setInviteCode(room.id, inviteCode);
      return 'A new invite code was made; the old one no longer works.';
    });

  const remove = () =>
    run(async () => {
      await moderationApi.deleteRoom(room.id);
      const s = useStore.getState();
      s.removeRoom(room.id);
      s.toast(`${room.name} was deleted`);
      onClose();
      navigate('/', { replace: true });
      return '';
    });

  return (
    <Dialog title={`${room.name}: settings`} onClose={onClose} wide>
      <form onSubmit={save} className="space-y-3" data-testid="room-settings-form">
        <div>
          <label htmlFor={ids.name} className="label">
            Name
          </label>
          <input id={ids.name} className="field" value={name} maxLength={ROOM_NAME_MAX} required onChange={(e) => setName(e.target.value)} />
        </div>
        <div>
          <label htmlFor={ids.description} className="label">
            Description
          </label>
          <textarea
            id={ids.description}
            className="field"
            rows={2}
            value={description}
            maxLength={ROOM_DESCRIPTION_MAX}
            onChange={(e) => setDescription(e.target.value)}
          />
        </div>
        <div>
          <label htmlFor={ids.slow} className="label">
            Slow mode (members send at most one message per…)
          </label>
          <select id={ids.slow} className="field" value={slowModeSec} onChange={(e) => setSlowModeSec(Number(e.target.value))}>
            {!SLOW_MODE_CHOICES.some(([sec]) => sec === slowModeSec) && <option value={slowModeSec}>{slowModeSec} seconds</option>}
            {SLOW_MODE_CHOICES.map(([sec, text]) => (
              <option key={sec} value={sec}>
                {text}
              </option>
            ))}
          </select>
        </div>
        <div className="flex flex-wrap justify-end gap-2">
          <button type="button" className="btn-ghost" onClick={onEditImage}>
            Change image…
          </button>
          <button type="button" className="btn-ghost" onClick={() => void rotate()} disabled={busy}>
            New invite code
          </button>
          <button type="submit" className="btn-primary" disabled={busy}>
            Save
          </button>
        </div>
      </form>
      <p role="status" aria-live="polite" className="mt-2 min-h-5 text-sm text-emerald-800 dark:text-emerald-300" data-testid="settings-status">
        {status}
      </p>
      {error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
      <div className="mt-3 flex gap-2 border-t border-zinc-200 pt-3 dark:border-zinc-800">
        {(['bans', 'audit'] as const).map((s) => (
          <button key={s} type="button" className="btn-ghost" aria-expanded={section === s} onClick={() => setSection(section === s ? null : s)}>
            {s === 'bans' ? 'Bans' : 'Audit log'}
          </button>
        ))}
      </div>
      {section && (
        <Suspense fallback={<p role="status">Loading…</p>}>
          <ModerationLists roomId={room.id} what={section} />
        </Suspense>
      )}
      {isOwner && (
        <div className="mt-4 rounded-lg border border-red-300 p-3 dark:border-red-800">
          <label htmlFor={ids.confirm} className="label">
            Delete this room: type its name, {room.name}, to confirm
          </label>
          <div className="mt-1 flex gap-2">
            <input id={ids.confirm} className="field" value={confirmName} onChange={(e) => setConfirmName(e.target.value)} autoComplete="off" />
            <button
              type="button"
              className="btn shrink-0 bg-red-700 text-white hover:bg-red-800"
              disabled={busy || confirmName !== room.name}
              onClick={() => void remove()}
            >
              Delete room
            </button>
          </div>
        </div>
      )}
    </Dialog>
  );
}
