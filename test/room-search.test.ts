/**
 * Discover's search (GET /api/rooms?q=) matches names and descriptions, names first: a name
 * match ranks above a description-only match whatever the member counts; private rooms never
 * show up, whatever their description says.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Room } from '../src/protocol.js';
import { createRoom, joinRoom, register, startServer, uniqueName, type Account, type TestServer } from './helpers.js';

let server: TestServer;
let alice: Account;
const marker = `qz${randomUUID().slice(0, 6).replace(/[0-9]/g, 'k')}`;
const names: Record<string, string> = {};

async function search(q: string, limit = 100): Promise<string[]> {
  const res = await server.app.inject({ url: `/api/rooms?limit=${limit}&q=${encodeURIComponent(q)}`, headers: alice.headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ rooms: Room[] }>().rooms.map((r) => r.name);
}

beforeAll(async () => {
  server = await startServer();
  alice = await register(server.app, uniqueName('alice'));
  const make = async (key: string, name: string, description: string, isPrivate = false, extraMembers = 0) => {
    const { room, inviteCode } = await createRoom(server.app, alice, { name, description, isPrivate });
    for (let i = 0; i < extraMembers; i++) await joinRoom(server.app, await register(server.app, uniqueName('m')), room, inviteCode);
    names[key] = name;
  };
  // The description-only match is the most popular room: it must still come after the name matches.
  await make('descOnly', `Popular ${uniqueName('p')}`, `All about ${marker.toUpperCase()} and more`, false, 3);
  await make('namePrefix', `${marker} lobby`, 'nothing to see');
  await make('nameInside', `The ${marker} corner`, `${marker} also here`);
  await make('privateDesc', `Hidden ${uniqueName('h')}`, `secret ${marker} plans`, true);
  await make('unrelated', `Unrelated ${uniqueName('u')}`, 'about other things');
});
afterAll(() => server?.close());

describe('searching rooms by name or description', () => {
  it('finds description matches too, after every name match (prefix first), case-insensitively', async () => {
    expect(await search(marker)).toEqual([names.namePrefix, names.nameInside, names.descOnly]);
  });

  it('never returns a private room, even when only its description matches', async () => {
    expect(await search(`secret ${marker}`)).toEqual([]);
    expect(await search(marker)).not.toContain(names.privateDesc);
  });

  it('pages through the same order with the cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const params: URLSearchParams = new URLSearchParams({ q: marker, limit: '1', ...(cursor ? { cursor } : {}) });
      const res: Awaited<ReturnType<typeof server.app.inject>> = await server.app.inject({ url: `/api/rooms?${params}`, headers: alice.headers });
      const body: { rooms: Room[]; nextCursor: string | null } = res.json();
      seen.push(...body.rooms.map((r) => r.name));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([names.namePrefix, names.nameInside, names.descOnly]);
  });

  it('matches descriptions literally (LIKE metacharacters) and NFKC-normalized like names', async () => {
    const odd = `${marker}_50%`;
    await createRoom(server.app, alice, { name: uniqueName('lit'), description: `sale ${odd} off` });
    expect(await search(`${marker}_50%`)).toHaveLength(1);
    expect(await search(`${marker}x50%`)).toEqual([]);
    // Full-width query letters find the ASCII text.
    const wide = [...marker].map((c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0)).join('');
    expect(await search(wide)).toEqual(await search(marker));
  });
});
