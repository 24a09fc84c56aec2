import { useState, type FormEvent } from 'react';
import { isApiError, request } from '../lib/api';
import type { User } from '../lib/wire';
import { PASSWORD_MAX, PASSWORD_MIN } from '../lib/wire';
import { useStore } from '../store';
import { Dialog } from './Dialog';

/** A guest's user menu: set a password (and an email) to keep the account; rooms and messages stay. */
export default function UpgradeDialog({ onClose }: { onClose: () => void }) {
  const [password, setPassword] = useState('');
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const setUser = useStore((s) => s.setUser);
  const toast = useStore((s) => s.toast);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
      setError(`The password needs ${PASSWORD_MIN} to ${PASSWORD_MAX} characters.`);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const body = { password, ...(email.trim() ? { email: email.trim() } : {}) };
      const { user } = await request<{ user: User }>('/api/auth/upgrade', { method: 'POST', body });
      setUser(user);
      toast('Your account is now a full account', 'success');
      onClose();
    } catch (err) {
      setBusy(false);
      if (isApiError(err, 'EMAIL_TAKEN')) setError('An account with this email already exists.');
      else setError(isApiError(err) ? err.message : 'Could not upgrade the account.');
    }
  };

  return (
    <Dialog
      title="Upgrade to a full account"
      description="Guests cannot create rooms or share files, and are removed after 30 days without use. Choose a password to keep your name, rooms and messages."
      onClose={onClose}
    >
      <form onSubmit={submit} noValidate className="space-y-4" aria-label="Upgrade to a full account">
        <div>
          <label htmlFor="upgrade-password" className="label">
            Password
          </label>
          <input
            id="upgrade-password"
            type="password"
            className="field"
            autoComplete="new-password"
            value={password}
            maxLength={PASSWORD_MAX}
            onChange={(e) => setPassword(e.target.value)}
            autoFocus
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'upgrade-error' : 'upgrade-password-hint'}
          />
          <p id="upgrade-password-hint" className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">
            At least {PASSWORD_MIN} characters.
          </p>
        </div>
        <div>
          <label htmlFor="upgrade-email" className="label">
            Email <span className="font-normal text-zinc-600 dark:text-zinc-400">(optional)</span>
          </label>
          <input id="upgrade-email" type="email" className="field" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        {error && (
          <p id="upgrade-error" role="alert" className="text-sm text-red-700 dark:text-red-400">
            {error}
          </p>
        )}
        <div className="flex justify-end gap-2">
          <button type="button" className="btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn-primary" disabled={busy}>
            {busy ? 'Upgrading…' : 'Upgrade'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
