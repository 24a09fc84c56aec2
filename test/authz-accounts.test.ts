/**
 * Authorization over the account routes: anonymous is refused (401) everywhere; a signed-in user
 * acts on their own account and sessions only (another user's session id is 404 and stays alive);
 * a cookie-carried change from a foreign page is 403 FORBIDDEN_ORIGIN and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import type { User } from '../src/protocol.js';
import { register, startServer, type Account, type TestServer } from './helpers.js';
import { expectError, loginAgain } from './authz-helpers.js';

const FOREIGN_ORIGIN = 'https://evil.example';
let server: TestServer;
let ann: Account;
let bob: Account;
let bobSessionId: string;

beforeAll(async () => {
  server = await startServer();
  ann = await register(server.app);
  bob = await register(server.app);
  const res = await server.app.inject({ url: '/api/auth/sessions', headers: bob.headers });
  bobSessionId = res.json<{ sessions: { id: string }[] }>().sessions[0]!.id;
});
afterAll(() => server?.close());

const ROUTES = (): InjectOptions[] => [
  { method: 'PATCH', url: '/api/users/me', payload: { displayName: 'X' } },
  { method: 'GET', url: `/api/users/${bob.user.id}` },
  { method: 'POST', url: '/api/auth/password', payload: { currentPassword: 'correct horse battery', newPassword: 'something else 1' } },
  { method: 'GET', url: '/api/auth/sessions' },
  { method: 'DELETE', url: `/api/auth/sessions/${bobSessionId}` },
  { method: 'POST', url: '/api/auth/sessions/revoke-others' },
];

describe('account routes', () => {
  it('refuse anonymous callers with 401, and a forged token too', async () => {
    for (const route of ROUTES()) {
      expectError(await server.app.inject(route), 401, 'UNAUTHORIZED');
      expectError(await server.app.inject({ ...route, headers: { authorization: 'Bearer not.a.token' } }), 401, 'UNAUTHORIZED');
    }
    // Nothing happened to bob.
    expect((await server.app.inject({ url: '/api/auth/me', headers: bob.headers })).statusCode).toBe(200);
  });

  it("never touch another user's session or profile", async () => {
    expectError(await server.app.inject({ method: 'DELETE', url: `/api/auth/sessions/${bobSessionId}`, headers: ann.headers }), 404, 'SESSION_NOT_FOUND');
    const listed = await server.app.inject({ url: '/api/auth/sessions', headers: ann.headers });
    expect(listed.json<{ sessions: { id: string }[] }>().sessions.map((s) => s.id)).not.toContain(bobSessionId);
    await server.app.inject({ method: 'POST', url: '/api/auth/sessions/revoke-others', headers: ann.headers });
    expect((await server.app.inject({ url: '/api/auth/me', headers: bob.headers })).statusCode).toBe(200);
    await server.app.inject({ method: 'PATCH', url: '/api/users/me', headers: ann.headers, payload: { displayName: 'Only Ann' } });
    const bobNow = await server.app.inject({ url: `/api/users/${bob.user.id}`, headers: ann.headers });
    expect(bobNow.json<{ user: User }>().user.displayName).toBeNull();
  });

  it('answer 404 USER_NOT_FOUND for an unknown user', async () => {
    expectError(await server.app.inject({ url: '/api/users/0b0e2f6c-5d1a-4c3e-9f00-00000000dead', headers: ann.headers }), 404, 'USER_NOT_FOUND');
  });

  it('refuse cookie-carried changes from a foreign origin, changing nothing', async () => {
    const carol = await register(server.app);
    const other = await loginAgain(server.app, carol);
    const cookie = { cookie: `rtchat_session=${carol.token}`, origin: FOREIGN_ORIGIN };
    for (const route of ROUTES().filter((r) => r.method !== 'GET')) {
      const url = route.url === `/api/auth/sessions/${bobSessionId}` ? '/api/auth/sessions/0b0e2f6c-5d1a-4c3e-9f00-00000000dead' : route.url;
      expectError(await server.app.inject({ ...route, url, headers: cookie }), 403, 'FORBIDDEN_ORIGIN');
    }
    expect((await server.app.inject({ url: '/api/auth/me', headers: other.headers })).statusCode).toBe(200);
    expect((await server.app.inject({ url: '/api/auth/me', headers: carol.headers })).json<{ user: User }>().user.displayName).toBeNull();
    const login = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { login: carol.user.username, password: 'correct horse battery' } });
    expect(login.statusCode).toBe(200);
  });
});
