import { useState, type FormEvent } from 'react';
import { isApiError, request } from '../lib/api';
import type { User } from '../lib/wire';
import { PASSWORD_MAX, PASSWORD_MIN } from '../lib/wire';
import { useStore } from '../store';
import { Dialog } from './Dialog';
import { FormActions, FormField } from './FormField';

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
        <FormField id="upgrade-password" label="Password" hint={`At least ${PASSWORD_MIN} characters.`} error={error} errorId="upgrade-error">
          {(control) => (
            <input
              {...control}
              type="password"
              className="field"
              autoComplete="new-password"
              value={password}
              maxLength={PASSWORD_MAX}
              onChange={(e) => setPassword(e.target.value)}
              autoFocus
            />
          )}
        </FormField>
        <FormField id="upgrade-email" label="Email" optional>
          {(control) => <input {...control} type="email" className="field" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} />}
        </FormField>
        <FormActions errorId="upgrade-error" error={error} busy={busy} submit="Upgrade" busyText="Upgrading…" onCancel={onClose} />
      </form>
    </Dialog>
  );
}
