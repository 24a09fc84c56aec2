/** Attachments in messages: claimed with the message, in every read path, and gone when deleted. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attachment, Message } from '../src/protocol.js';
import { createRoom, joinRoom, register, startServer, uniqueName, WsClient, type Account, type TestServer } from './helpers.js';
import { fetchBytes, solidImage, uploadOk } from './file-helpers.js';

let server: TestServer;
let alice: Account;
let bob: Account;
let roomId: string;

beforeAll(async () => {
  server = await startServer({ UPLOADS_PER_MINUTE: '1000', DELETED_FILE_GRACE_SEC: '60' });
  alice = await register(server.app);
  bob = await register(server.app);
  roomId = (await createRoom(server.app, alice)).room.id;
  await joinRoom(server.app, bob, { id: roomId });
});
afterAll(async () => server?.close());

const png = () => solidImage('png', 20, 10);

async function send(account: Account, payload: Record<string, unknown>) {
  const res = await server.app.inject({ method: 'POST', url: `/api/rooms/${roomId}/messages`, headers: account.headers, payload: { clientMsgId: uniqueName('c'), body: '', ...payload } });
  return { status: res.statusCode, body: res.json<{ message: Message; code?: string }>() };
}

describe('sending attachments', () => {
  it('HTTP: an empty body with attachments, in order, in the answer, history and events', async () => {
    const a = await uploadOk(server.url, alice, { bytes: await png(), name: 'one.png' });
    const b = await uploadOk(server.url, alice, { bytes: Buffer.from('notes'), name: 'notes.txt' });
    const sent = await send(alice, { attachmentIds: [b.id, a.id] });
    expect(sent.status).toBe(201);
    expect(sent.body.message.body).toBe('');
    expect(sent.body.message.attachments).toEqual([b, a]);
    const history = await server.app.inject({ url: `/api/rooms/${roomId}/messages`, headers: bob.headers });
    const stored = history.json<{ messages: Message[] }>().messages.find((m) => m.id === sent.body.message.id)!;
    expect(stored.attachments).toEqual([b, a]);
    const events = await server.app.inject({ url: `/api/rooms/${roomId}/events?after=0`, headers: bob.headers });
    expect(JSON.stringify(events.json())).toContain(a.id);
    // Bob, a member, may now fetch the file; before the send only Alice could.
    expect((await fetchBytes(server.url, a.url, bob)).res.status).toBe(200);
  });

  it('WebSocket: the ack, the broadcast and the replay carry the attachments', async () => {
    const att = await uploadOk(server.url, alice, { bytes: await png(), name: 'ws.png' });
    const [wa, wb] = await Promise.all([WsClient.connect(server.wsUrl, alice.token), WsClient.connect(server.wsUrl, bob.token)]);
    await wa.subscribe(roomId);
    const sub = await wb.subscribe(roomId);
    const since = (sub as { lastSeq: number }).lastSeq;
    wa.send({ type: 'send', roomId, clientMsgId: uniqueName('w'), body: 'look', attachmentIds: [att.id] });
    const ack = (await wa.next((f) => f.type === 'ack')) as unknown as { message: Message };
    expect(ack.message.attachments).toEqual([att]);
    const seen = (await wb.next((f) => f.type === 'message')) as unknown as { message: Message };
    expect(seen.message.attachments).toEqual([att]);
    await wb.close();
    const again = await WsClient.connect(server.wsUrl, bob.token);
    await again.subscribe(roomId, since);
    const replayed = (await again.next((f) => f.type === 'message')) as unknown as { message: Message };
    expect(replayed.message.attachments).toEqual([att]);
    await Promise.all([wa.close(), again.close()]);
  });

  it('a second claim of one upload fails cleanly; a retry with the same clientMsgId returns the original', async () => {
    const att = await uploadOk(server.url, alice, { bytes: await png(), name: 'once.png' });
    const clientMsgId = uniqueName('r');
    const first = await send(alice, { clientMsgId, attachmentIds: [att.id] });
    expect(first.status).toBe(201);
    const retry = await send(alice, { clientMsgId, attachmentIds: [att.id] });
    expect(retry.status).toBe(200);
    expect(retry.body.message.id).toBe(first.body.message.id);
    const second = await send(alice, { attachmentIds: [att.id] });
    expect(second).toMatchObject({ status: 409, body: { code: 'ATTACHMENT_UNAVAILABLE' } });
  });

  it('concurrent sends naming one upload: exactly one holds it', async () => {
    const att = await uploadOk(server.url, alice, { bytes: await png(), name: 'race.png' });
    const results = await Promise.all(Array.from({ length: 4 }, () => send(alice, { body: 'race', attachmentIds: [att.id] })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(3);
  });

  it("refuses someone else's upload, an unknown id, more than 10 and an empty body without files", async () => {
    const mine = await uploadOk(server.url, alice, { bytes: await png(), name: 'mine.png' });
    expect(await send(bob, { attachmentIds: [mine.id] })).toMatchObject({ status: 409, body: { code: 'ATTACHMENT_UNAVAILABLE' } });
    expect(await send(alice, { attachmentIds: ['00000000-0000-4000-8000-000000000000'] })).toMatchObject({ status: 409 });
    const eleven = Array.from({ length: 11 }, (_, i) => `00000000-0000-4000-8000-0000000000${String(i).padStart(2, '0')}`);
    expect(await send(alice, { attachmentIds: eleven })).toMatchObject({ status: 400, body: { code: 'VALIDATION' } });
    expect(await send(alice, { attachmentIds: [] })).toMatchObject({ status: 400, body: { code: 'VALIDATION' } });
    // The refused sends claimed nothing: Alice can still attach it.
    expect((await send(alice, { attachmentIds: [mine.id] })).status).toBe(201);
  });
});

describe('deletion and cleanup', () => {
  it('deleting the message stops its files at once; the sweeper removes them after the grace period', async () => {
    const att: Attachment = await uploadOk(server.url, alice, { bytes: await png(), name: 'gone.png' });
    const sent = await send(alice, { attachmentIds: [att.id] });
    const del = await server.app.inject({ method: 'DELETE', url: `/api/rooms/${roomId}/messages/${sent.body.message.id}`, headers: alice.headers });
    expect(del.statusCode).toBe(204);
    for (const who of [alice, bob]) {
      expect((await fetchBytes(server.url, att.url, who)).res.status).toBe(404);
      expect((await fetchBytes(server.url, att.thumbUrl!, who)).res.status).toBe(404);
    }
    const page = await server.app.inject({ url: `/api/rooms/${roomId}/messages`, headers: alice.headers });
    expect(page.json<{ messages: Message[] }>().messages.find((m) => m.id === sent.body.message.id)!.attachments).toEqual([]);
    const storage = server.app.storage;
    expect(await storage.head(att.id)).not.toBeNull();
    expect(await server.app.uploads.sweep(Date.now())).toBe(0);
    expect(await server.app.uploads.sweep(Date.now() + 61_000)).toBeGreaterThanOrEqual(1);
    expect(await storage.head(att.id)).toBeNull();
    expect(await storage.head(`${att.id}.thumb`)).toBeNull();
  });

  it('an unclaimed upload is removed after 24 h, a claimed one stays', async () => {
    const loose = await uploadOk(server.url, bob, { bytes: await png(), name: 'loose.png' });
    const kept = await uploadOk(server.url, bob, { bytes: await png(), name: 'kept.png' });
    expect((await send(bob, { attachmentIds: [kept.id] })).status).toBe(201);
    await server.app.uploads.sweep(Date.now() + 86_400_000 + 1000);
    expect(await server.app.storage.head(loose.id)).toBeNull();
    expect((await fetchBytes(server.url, loose.url, bob)).res.status).toBe(404);
    expect(await server.app.storage.head(kept.id)).not.toBeNull();
    expect((await fetchBytes(server.url, kept.url, alice)).res.status).toBe(200);
  });
});
