import { PASSWORD_MAX, PASSWORD_MIN } from './wire';

export type AuthMode = 'login' | 'register';
export type AuthField = 'username' | 'email' | 'password' | 'login';
export type AuthErrors = Partial<Record<AuthField | 'form', string>>;

/** Maps a server error to the field it names (VALIDATION messages say "body/username must ..."). */
export function fieldErrorsFrom(code: string, message: string, mode: AuthMode): AuthErrors {
  if (code === 'USERNAME_TAKEN') return { username: 'This username is taken.' };
  if (code === 'EMAIL_TAKEN') return { email: 'An account with this email already exists.' };
  if (code === 'INVALID_CREDENTIALS') return { form: 'Wrong username, email or password.' };
  if (code === 'RATE_LIMITED') return { form: 'Too many attempts. Please wait a moment and try again.' };
  const m = /\b(?:body\/)?(username|email|password|login)\b/.exec(message);
  if ((code === 'VALIDATION' || code === 'FST_ERR_VALIDATION') && m) {
    const field = m[1] as AuthField;
    const friendly: Record<AuthField, string> = {
      username: '3 to 24 letters, digits or underscores.',
      email: 'Enter a valid email address.',
      password: `${PASSWORD_MIN} to ${PASSWORD_MAX} characters.`,
      login: 'Enter your username or email.',
    };
    if (mode === 'login' && field !== 'login' && field !== 'password') return { form: message };
    return { [field]: friendly[field] };
  }
  return { form: message || 'Something went wrong. Please try again.' };
}
