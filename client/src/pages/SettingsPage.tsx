/**
 * Account settings (lazy chunk, /settings, reached from the user button in the sidebar): the
 * profile (display name, picture with the existing cropper dialog), the password, and the sessions
 * (components/SessionsSection.tsx). Every form reports its outcome in a polite live region.
 */
import { lazy, Suspense, useId, useState } from 'react';
import { Avatar } from '../components/Avatar';
import { BackIcon } from '../components/Icons';
import { Link } from '../components/Link';
import { SessionsSection } from '../components/SessionsSection';
import { CARD, StatusLine, type Status } from '../components/SettingsParts';
import { isApiError, request } from '../lib/api';
import type { User } from '../lib/wire';
import { useStore } from '../store';

const ImagePickerDialog = lazy(() => import('../components/ImagePickerDialog'));
const DISPLAY_NAME_MAX = 48;
const PASSWORD_MIN = 8;

const messageOf = (err: unknown, fallback: string) => (isApiError(err) ? err.message : fallback);

function ProfileSection({ user }: { user: User }) {
  const [name, setName] = useState(user.displayName ?? '');
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  const [picking, setPicking] = useState(false);
  const id = useId();

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setStatus({ kind: 'busy' });
    try {
      const displayName = name.trim() ? name.trim() : null;
      const res = await request<{ user: User }>('/api/users/me', { method: 'PATCH', body: { displayName } });
      useStore.getState().setUser(res.user);
      setName(res.user.displayName ?? '');
      setStatus({ kind: 'ok', text: res.user.displayName ? `Display name saved: ${res.user.displayName}` : 'Display name removed' });
    } catch (err) {
      setStatus({ kind: 'error', text: messageOf(err, 'Could not save the display name.') });
    }
  };

  return (
    <section aria-labelledby={`${id}-h`} className={`${CARD} space-y-4`}>
      <h2 id={`${id}-h`} className="text-lg font-semibold">
        Profile
      </h2>
      <div className="flex items-center gap-4">
        <Avatar user={user} size={64} />
        <div className="space-y-1">
          <p className="text-sm text-zinc-700 dark:text-zinc-300">Profile picture</p>
          <button type="button" className="btn-ghost" onClick={() => setPicking(true)}>
            Change picture
          </button>
        </div>
      </div>
      <form onSubmit={save} className="space-y-2" aria-label="Display name">
        <label htmlFor={`${id}-name`} className="label">
          Display name
        </label>
        <input
          id={`${id}-name`}
          className="field"
          value={name}
          maxLength={DISPLAY_NAME_MAX}
          onChange={(e) => setName(e.target.value)}
          aria-describedby={`${id}-hint`}
          autoComplete="nickname"
        />
        <p id={`${id}-hint`} className="text-xs text-zinc-600 dark:text-zinc-400">
          Shown instead of your username (@{user.username}) in messages and member lists. Leave empty to use the username.
        </p>
        <button type="submit" className="btn-primary" disabled={status.kind === 'busy'}>
          Save name
        </button>
        <StatusLine status={status} testId="profile-status" />
      </form>
      {picking && (
        <Suspense fallback={null}>
          <ImagePickerDialog target={{ kind: 'avatar', user }} onClose={() => setPicking(false)} />
        </Suspense>
      )}
    </section>
  );
}

function PasswordSection() {
  const [values, setValues] = useState({ current: '', next: '', confirm: '' });
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  const id = useId();
  const set = (k: keyof typeof values) => (e: React.ChangeEvent<HTMLInputElement>) => setValues({ ...values, [k]: e.target.value });

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (values.next.length < PASSWORD_MIN) return setStatus({ kind: 'error', text: `The new password needs at least ${PASSWORD_MIN} characters.` });
    if (values.next !== values.confirm) return setStatus({ kind: 'error', text: 'The new passwords do not match.' });
    setStatus({ kind: 'busy' });
    try {
      await request<void>('/api/auth/password', { method: 'POST', body: { currentPassword: values.current, newPassword: values.next } });
      setValues({ current: '', next: '', confirm: '' });
      setStatus({ kind: 'ok', text: 'Password changed. Every other session was signed out.' });
    } catch (err) {
      setStatus({ kind: 'error', text: messageOf(err, 'Could not change the password.') });
    }
  };

  const field = (k: keyof typeof values, label: string, autoComplete: string) => (
    <div>
      <label htmlFor={`${id}-${k}`} className="label">
        {label}
      </label>
      <input id={`${id}-${k}`} type="password" className="field" value={values[k]} onChange={set(k)} autoComplete={autoComplete} required />
    </div>
  );

  return (
    <section aria-labelledby={`${id}-h`} className={`${CARD} space-y-3`}>
      <h2 id={`${id}-h`} className="text-lg font-semibold">
        Password
      </h2>
      <form onSubmit={submit} className="space-y-3" aria-label="Change password" noValidate>
        {field('current', 'Current password', 'current-password')}
        {field('next', 'New password', 'new-password')}
        {field('confirm', 'Repeat the new password', 'new-password')}
        <p className="text-xs text-zinc-600 dark:text-zinc-400">At least {PASSWORD_MIN} characters. Your other sessions will be signed out.</p>
        <button type="submit" className="btn-primary" disabled={status.kind === 'busy'}>
          Change password
        </button>
        <StatusLine status={status} testId="password-status" />
      </form>
    </section>
  );
}

export default function SettingsPage() {
  const user = useStore((s) => s.user);
  if (!user) return null;
  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto max-w-2xl space-y-5 px-4 py-6 sm:px-6">
        <div className="flex items-center gap-2">
          <Link href="/" className="icon-btn md:hidden" aria-label="Back to rooms">
            <BackIcon />
          </Link>
          <h1 className="text-2xl font-bold tracking-tight">Settings</h1>
        </div>
        <ProfileSection user={user} />
        <PasswordSection />
        <SessionsSection />
      </div>
    </div>
  );
}
