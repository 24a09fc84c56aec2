/**
 * Files across instances (real server processes, one Postgres, one Redis): an upload through one
 * instance is attached and served through another when they share the files folder; an instance
 * with a folder of its own says so in /readyz detail and its log, and still starts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attachment, Message } from '../src/protocol.js';
import { api, clusterEnabled, register, roomIn, startClusterInstance, type Instance } from './cluster-harness.js';
import { fetchBytes, solidImage, uploadOk } from './file-helpers.js';
import { createPostgresDatabase, uniqueName, WsClient } from './helpers.js';

describe.skipIf(!clusterEnabled)('files across instances (needs TEST_REDIS_URL and TEST_DATABASE_URL)', () => {
  let dropDb: () => Promise<void>;
  const instances: Instance[] = [];
  const prefix = `rtchat-files-${uniqueName('p')}:`;
  let dbUrl: string;

  beforeAll(async () => {
    ({ url: dbUrl, drop: dropDb } = await createPostgresDatabase());
    instances.push(await startClusterInstance('a', { dbUrl, prefix }));
    instances.push(await startClusterInstance('b', { dbUrl, prefix }));
  }, 90_000);
  afterAll(async () => {
    for (const inst of instances) inst.proc.kill('SIGKILL');
    await Promise.all(instances.map((i) => i.exited));
    await dropDb?.();
  });

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
    const lonely = await startClusterInstance('c', { dbUrl, prefix, env: { DATA_DIR: dataDir }, status: 'degraded' });
    instances.push(lonely);
    const ready = await fetch(`${lonely.url}/readyz`).then((r) => r.json() as Promise<{ status: string; detail?: string }>);
    expect(ready.status).toBe('degraded');
    expect(ready.detail).toMatch(/files folder not shared with instance\(s\) .+: mount the same DATA_DIR\/files on every instance, or set S3_BUCKET/);
    expect((await fetch(`${lonely.url}/healthz`)).status).toBe(200);
    expect(lonely.log.join('\n')).toMatch(/files folder is not shared by every instance/);
  }, 60_000);
});
