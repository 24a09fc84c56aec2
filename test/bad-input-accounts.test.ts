/**
 * Bad input on the account routes: every malformed body, parameter or value is a 400 in the
 * contract's error shape (never a 500), and nothing is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../src/protocol.js';
import { register, startServer, type Account, type TestServer } from './helpers.js';
import { expectError } from './authz-helpers.js';

let server: TestServer;
let ann: Account;
beforeAll(async () => {
  server = await startServer();
  ann = await register(server.app);
});
afterAll(() => server?.close());

const displayNameNow = async () => (await server.app.inject({ url: '/api/auth/me', headers: ann.headers })).json<{ user: User }>().user.displayName;

describe('PATCH /api/users/me', () => {
  it('refuses bad display names with 400 VALIDATION and keeps the old one', async () => {
    expect((await server.app.inject({ method: 'PATCH', url: '/api/users/me', headers: ann.headers, payload: { displayName: 'Kept' } })).statusCode).toBe(200);
    const bad: unknown[] = [
      { displayName: '' },
      { displayName: '   ' },
      { displayName: '\u200B\u2060' },
      { displayName: 'a\u0000b' },
      { displayName: 'a\u0007b' },
      { displayName: 'evil\u202Egnp.exe' },
      { displayName: 'in\u200Bvisible' },
      { displayName: 'x'.repeat(49) },
      { displayName: 'x'.repeat(500) },
      { displayName: 42 },
      { displayName: ['a'] },
      [],
      'just a string',
    ];
    for (const payload of bad) {
      const res = await server.app.inject({ method: 'PATCH', url: '/api/users/me', headers: { ...ann.headers, 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
      expectError(res, 400, 'VALIDATION');
    }
    const broken = await server.app.inject({ method: 'PATCH', url: '/api/users/me', headers: { ...ann.headers, 'content-type': 'application/json' }, payload: '{"displayName": "x"' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toMatchObject({ statusCode: 400, code: expect.any(String) });
    expect(await displayNameNow()).toBe('Kept');
  });
});

describe('GET /api/users/:userId and DELETE /api/auth/sessions/:sessionId', () => {
  it('refuse ids that are not UUIDs with 400', async () => {
    for (const id of ['me', 'not-a-uuid', "1' OR '1'='1", '%00']) {
      expectError(await server.app.inject({ url: `/api/users/${encodeURIComponent(id)}`, headers: ann.headers }), 400, 'VALIDATION');
      expectError(await server.app.inject({ method: 'DELETE', url: `/api/auth/sessions/${encodeURIComponent(id)}`, headers: ann.headers }), 400, 'VALIDATION');
    }
    expect((await server.app.inject({ url: '/api/auth/me', headers: ann.headers })).statusCode).toBe(200);
  });
});

describe('POST /api/auth/password', () => {
  it('refuses malformed bodies and a short new password with 400, keeping the old password', async () => {
    const bad: unknown[] = [
      {},
      { currentPassword: 'correct horse battery' },
      { newPassword: 'long enough password' },
      { currentPassword: 'correct horse battery', newPassword: 'short' },
      { currentPassword: 'correct horse battery', newPassword: 'x'.repeat(257) },
      { currentPassword: '', newPassword: 'long enough password' },
      { currentPassword: 1, newPassword: 'long enough password' },
    ];
    for (const payload of bad) {
      const res = await server.app.inject({ method: 'POST', url: '/api/auth/password', headers: ann.headers, payload: payload as object });
      expectError(res, 400, 'VALIDATION');
    }
    const login = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { login: ann.user.username, password: 'correct horse battery' } });
    expect(login.statusCode).toBe(200);
  });
});
