import { describe, expect, it } from 'vitest';
import { fieldErrorsFrom } from './auth-errors';

describe('fieldErrorsFrom', () => {
  it('puts validation errors on the field the server names', () => {
    expect(fieldErrorsFrom('VALIDATION', 'body/username must match pattern "^[A-Za-z0-9_]+$"', 'register')).toHaveProperty('username');
    expect(fieldErrorsFrom('VALIDATION', 'body/password must NOT have fewer than 8 characters', 'register')).toHaveProperty('password');
    expect(fieldErrorsFrom('FST_ERR_VALIDATION', 'body/email must match format "email"', 'register')).toHaveProperty('email');
  });

  it('maps conflicts and credentials', () => {
    expect(fieldErrorsFrom('USERNAME_TAKEN', 'taken', 'register')).toEqual({ username: 'This username is taken.' });
    expect(fieldErrorsFrom('EMAIL_TAKEN', 'taken', 'register')).toHaveProperty('email');
    expect(fieldErrorsFrom('INVALID_CREDENTIALS', 'nope', 'login')).toHaveProperty('form');
    expect(fieldErrorsFrom('RATE_LIMITED', 'slow down', 'login').form).toMatch(/Too many attempts/);
    expect(fieldErrorsFrom('INTERNAL', 'boom', 'login')).toEqual({ form: 'boom' });
  });
});
