import { useState, type FormEvent } from 'react';
import { useJoinByInvite } from '../hooks/use-join-by-invite';
import { inviteCodeFrom } from '../lib/invite';

/**
 * "I have an invite code": for private rooms whose code came by phone or on paper. Enter submits;
 * an error is tied to the field (aria-invalid, aria-describedby) and announced (role="alert").
 */
export function InviteCodeForm() {
  const [text, setText] = useState('');
  const [empty, setEmpty] = useState(false);
  const { busy, error, join } = useJoinByInvite('code');
  const message = empty ? 'Type or paste the invite code you were given.' : error;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const code = inviteCodeFrom(text);
    setEmpty(!code);
    if (code) void join(code);
  };

  return (
    <form
      onSubmit={submit}
      noValidate
      className="mb-6 rounded-2xl border border-zinc-200 bg-zinc-50 p-4 dark:border-zinc-800 dark:bg-zinc-900/60"
      aria-labelledby="invite-code-heading"
    >
      <h2 id="invite-code-heading" className="text-sm font-semibold">
        I have an invite code
      </h2>
      <p className="mb-2 text-xs text-zinc-600 dark:text-zinc-400">Private rooms are joined with the code (or link) their members share.</p>
      <div className="flex gap-2">
        <label htmlFor="invite-code" className="sr-only">
          Invite code
        </label>
        <input
          id="invite-code"
          className="field font-mono"
          placeholder="Invite code"
          value={text}
          onChange={(e) => setText(e.target.value)}
          autoComplete="off"
          autoCapitalize="off"
          spellCheck={false}
          aria-invalid={message ? true : undefined}
          aria-describedby={message ? 'invite-code-error' : undefined}
        />
        <button type="submit" className="btn-primary shrink-0" disabled={busy}>
          {busy ? 'Joining…' : 'Join with code'}
        </button>
      </div>
      {message && (
        <p id="invite-code-error" role="alert" className="mt-2 text-sm text-red-700 dark:text-red-300" data-testid="invite-code-error">
          {message}
        </p>
      )}
    </form>
  );
}
