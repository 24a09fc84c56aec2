import { useState, type FormEvent } from 'react';
import { GuestForm } from '../components/GuestForm';
import { HashIcon } from '../components/Icons';
import { Link } from '../components/Link';
import { ThemeSwitcher } from '../components/ThemeSwitcher';
import { api, isApiError } from '../lib/api';
import { fieldErrorsFrom, type AuthErrors as Errors, type AuthField as Field, type AuthMode as Mode } from '../lib/auth-errors';
import type { User } from '../lib/wire';
import { PASSWORD_MAX, PASSWORD_MIN, USERNAME_PATTERN } from '../lib/wire';

function validate(mode: Mode, v: { username: string; email: string; password: string; login: string }): Errors {
  const e: Errors = {};
  if (mode === 'register') {
    if (!USERNAME_PATTERN.test(v.username)) e.username = '3 to 24 letters, digits or underscores.';
    if (v.email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.email)) e.email = 'Enter a valid email address.';
    if (v.password.length < PASSWORD_MIN || v.password.length > PASSWORD_MAX)
      e.password = `${PASSWORD_MIN} to ${PASSWORD_MAX} characters.`;
  } else {
    if (!v.login.trim()) e.login = 'Enter your username or email.';
    if (!v.password) e.password = 'Enter your password.';
  }
  return e;
}

export function AuthPage({ mode, onAuthenticated }: { mode: Mode; onAuthenticated: (user: User) => void }) {
  const [values, setValues] = useState({ username: '', email: '', password: '', login: '' });
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const isRegister = mode === 'register';
  // Keep the deep link (e.g. /rooms/…, /join/…) when switching between the two forms.
  const here = location.pathname;
  const otherHref = here === '/login' || here === '/register' ? (isRegister ? '/login' : '/register') : `${isRegister ? '/login' : '/register'}?next=${encodeURIComponent(here)}`;

  const set = (k: keyof typeof values) => (e: React.ChangeEvent<HTMLInputElement>) => {
    setValues((v) => ({ ...v, [k]: e.target.value }));
    if (errors[k] || errors.form) setErrors((er) => ({ ...er, [k]: undefined, form: undefined }));
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const local = validate(mode, values);
    if (Object.keys(local).length) {
      setErrors(local);
      const first = Object.keys(local)[0];
      document.getElementById(`auth-${first}`)?.focus();
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      const res = isRegister
        ? await api.register({
            username: values.username,
            password: values.password,
            ...(values.email.trim() ? { email: values.email.trim() } : {}),
          })
        : await api.login({ login: values.login.trim(), password: values.password });
      onAuthenticated(res.user);
    } catch (err) {
      setBusy(false);
      const mapped = isApiError(err) ? fieldErrorsFrom(err.code, err.message, mode) : { form: 'Something went wrong.' };
      setErrors(mapped);
      const first = Object.keys(mapped).find((k) => k !== 'form');
      if (first) document.getElementById(`auth-${first}`)?.focus();
    }
  };

  const field = (name: Field, label: string, props: React.InputHTMLAttributes<HTMLInputElement>, hint?: string) => (
    <div>
      <label htmlFor={`auth-${name}`} className="label">
        {label}
      </label>
      <input
        id={`auth-${name}`}
        name={name}
        className="field"
        value={values[name]}
        onChange={set(name)}
        aria-invalid={errors[name] ? true : undefined}
        aria-describedby={errors[name] ? `auth-${name}-error` : hint ? `auth-${name}-hint` : undefined}
        {...props}
      />
      {errors[name] ? (
        <p id={`auth-${name}-error`} className="mt-1 text-sm text-red-700 dark:text-red-400" data-testid={`error-${name}`}>
          {errors[name]}
        </p>
      ) : hint ? (
        <p id={`auth-${name}-hint`} className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">
          {hint}
        </p>
      ) : null}
    </div>
  );

  return (
    <main className="flex min-h-full flex-col items-center justify-center bg-zinc-50 px-4 py-10 dark:bg-zinc-950">
      <div className="absolute top-4 right-4">
        <ThemeSwitcher />
      </div>
      <div className="w-full max-w-sm">
        <div className="mb-6 flex flex-col items-center text-center">
          <span className="mb-3 inline-flex h-12 w-12 items-center justify-center rounded-2xl bg-indigo-600 text-white shadow-lg shadow-indigo-600/30">
            <HashIcon width={26} height={26} />
          </span>
          <h1 className="text-2xl font-bold tracking-tight">{isRegister ? 'Create your account' : 'Welcome back'}</h1>
          <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
            {isRegister ? 'Join rooms and chat in real time.' : 'Log in to continue to RtChat.'}
          </p>
        </div>
        <form
          onSubmit={submit}
          noValidate
          className="space-y-4 rounded-2xl border border-zinc-200 bg-white p-6 shadow-sm dark:border-zinc-800 dark:bg-zinc-900"
          aria-label={isRegister ? 'Sign up' : 'Log in'}
        >
          {isRegister ? (
            <>
              {field('username', 'Username', { autoComplete: 'username', autoFocus: true, maxLength: 24, autoCapitalize: 'none', spellCheck: false }, '3 to 24 letters, digits or underscores.')}
              {field('email', 'Email (optional)', { type: 'email', autoComplete: 'email' })}
              {field('password', 'Password', { type: 'password', autoComplete: 'new-password', maxLength: PASSWORD_MAX }, `At least ${PASSWORD_MIN} characters.`)}
            </>
          ) : (
            <>
              {field('login', 'Username or email', { autoComplete: 'username', autoFocus: true, autoCapitalize: 'none', spellCheck: false })}
              {field('password', 'Password', { type: 'password', autoComplete: 'current-password' })}
            </>
          )}
          {errors.form && (
            <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200" data-testid="error-form">
              {errors.form}
            </p>
          )}
          <span className="sr-only" role="alert">
            {Object.entries(errors)
              .filter(([k, v]) => k !== 'form' && v)
              .map(([k, v]) => `${k}: ${v}`)
              .join('. ')}
          </span>
          <button type="submit" className="btn-primary w-full py-2.5" disabled={busy}>
            {busy ? (isRegister ? 'Creating account…' : 'Logging in…') : isRegister ? 'Sign up' : 'Log in'}
          </button>
        </form>
        <GuestForm onAuthenticated={onAuthenticated} />
        <p className="mt-5 text-center text-sm text-zinc-600 dark:text-zinc-400">
          {isRegister ? 'Already have an account? ' : 'New here? '}
          <Link href={otherHref} className="font-medium text-indigo-700 hover:underline dark:text-indigo-300">
            {isRegister ? 'Log in' : 'Create an account'}
          </Link>
        </p>
      </div>
    </main>
  );
}
