import { useState, type FormEvent } from 'react';
import { isApiError, request } from '../lib/api';
import type { User } from '../lib/wire';
import { USERNAME_PATTERN } from '../lib/wire';

/** "Continue as guest" on the login and register pages: just a name, no password. */
export function GuestForm({ onAuthenticated }: { onAuthenticated: (user: User) => void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!USERNAME_PATTERN.test(name)) {
      setError('3 to 24 letters, digits or underscores.');
      document.getElementById('guest-name')?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const { user } = await request<{ user: User }>('/api/auth/guest', { method: 'POST', body: { username: name } });
      onAuthenticated(user);
    } catch (err) {
      setBusy(false);
      if (isApiError(err, 'USERNAME_TAKEN')) setError('That name is taken; try another.');
      else setError(isApiError(err) ? err.message : 'Something went wrong.');
      document.getElementById('guest-name')?.focus();
    }
  };

  return (
    <form
      onSubmit={submit}
      noValidate
      aria-label="Continue as guest"
      className="mt-5 space-y-3 rounded-2xl border border-zinc-200 bg-white p-6 shadow-sm dark:border-zinc-800 dark:bg-zinc-900"
    >
      <h2 className="text-sm font-semibold">No account? Continue as a guest</h2>
      <div>
        <label htmlFor="guest-name" className="label">
          Guest name
        </label>
        <input
          id="guest-name"
          name="guest-name"
          className="field"
          value={name}
          maxLength={24}
          autoCapitalize="none"
          spellCheck={false}
          onChange={(e) => {
            setName(e.target.value);
            setError(null);
          }}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'guest-name-error' : 'guest-name-hint'}
        />
        {error ? (
          <p id="guest-name-error" role="alert" className="mt-1 text-sm text-red-700 dark:text-red-400" data-testid="error-guest">
            {error}
          </p>
        ) : (
          <p id="guest-name-hint" className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">
            Guests join rooms and chat, but cannot create rooms or share files. You can set a password later.
          </p>
        )}
      </div>
      <button type="submit" className="btn-ghost w-full border border-zinc-300 py-2.5 dark:border-zinc-700" disabled={busy}>
        {busy ? 'Joining…' : 'Continue as guest'}
      </button>
    </form>
  );
}
