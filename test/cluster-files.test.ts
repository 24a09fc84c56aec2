/**
 * Files across instances (real server processes, one Postgres, one Redis): an upload through one
 * instance is attached and served through another when they share the files folder; an instance
 * with a folder of its own says so in /readyz detail and its log, and still starts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Attachment, Message } from '../src/protocol.js';
import { api, clusterEnabled, clusterSuite, register, roomIn, type Instance } from './cluster-harness.js';
import { fetchBytes, solidImage, uploadOk } from './file-helpers.js';
import { uniqueName, WsClient } from './helpers.js';

describe.skipIf(!clusterEnabled)('files across instances (needs TEST_REDIS_URL and TEST_DATABASE_URL)', () => {
  const { instances, start } = clusterSuite(['a', 'b']);

  it('uploaded through A, sent and served through B, broadcast to a socket on A with its attachment', async () => {
    const [a, b] = instances as [Instance, Instance];
    const alice = await register(a);
    const bob = await register(b);
    const roomId = await roomIn([a, b], [alice, bob]);
    const listener = await WsClient.connect(a.wsUrl, bob.token);
    await listener.subscribe(roomId);
    const png = await solidImage('png', 24, 12);
    const att: Attachment = await uploadOk(a.url, { headers: { authorization: `Bearer ${alice.token}` } }, { bytes: png, name: 'shared.png' });
    const sent = await api<{ message: Message }>(b, 'POST', `/api/rooms/${roomId}/messages`, alice.token, { clientMsgId: uniqueName('x'), body: '', attachmentIds: [att.id] });
    expect(sent.status).toBe(201);
    expect(sent.body.message.attachments).toEqual([att]);
    const frame = (await listener.next((f) => f.type === 'message')) as unknown as { message: Message };
    expect(frame.message.attachments).toEqual([att]);
    const served = await fetchBytes(b.url, att.url, { headers: { authorization: `Bearer ${bob.token}` } });
    expect(served.res.status).toBe(200);
    const fromA = await fetchBytes(a.url, att.url, { headers: { authorization: `Bearer ${bob.token}` } });
    expect(served.bytes.equals(fromA.bytes)).toBe(true);
    await listener.close();
    for (const inst of [a, b]) expect(inst.log.join('\n')).toMatch(/every instance must mount the same files folder/);
  });

  it('an instance with its own files folder starts, logs it and reports degraded in /readyz', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'rtchat-lonely-'));
    const lonely = await start('c', { env: { DATA_DIR: dataDir }, status: 'degraded' });
    const ready = await fetch(`${lonely.url}/readyz`).then((r) => r.json() as Promise<{ status: string; detail?: string }>);
    expect(ready.status).toBe('degraded');
    expect(ready.detail).toMatch(/files folder not shared with instance\(s\) .+: mount the same DATA_DIR\/files on every instance, or set S3_BUCKET/);
    expect((await fetch(`${lonely.url}/healthz`)).status).toBe(200);
    expect(lonely.log.join('\n')).toMatch(/files folder is not shared by every instance/);
  }, 60_000);
});
