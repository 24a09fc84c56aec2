import { describe, expect, it } from 'vitest';
import type { Attachment } from '../lib/wire';
import { R1, T0, me, setupSessionTests } from './test-harness';

/** Uploads finished before a send travel with the message through the outbox (issue 11). */
const env = setupSessionTests();

const photo: Attachment = {
  id: 'up-1',
  kind: 'image',
  name: 'cat.png',
  mime: 'image/png',
  size: 1234,
  width: 640,
  height: 480,
  url: '/api/files/up-1',
  thumbUrl: '/api/files/up-1/thumb',
};

describe('attachments in the outbox', () => {
  it('an upload finished before going offline is sent with the message when the socket is back', async () => {
    const { rt, useStore, last } = await env.start();
    rt.sendMessage(R1, '', undefined, [photo]);
    expect(useStore.getState().outbox[0]!.attachments).toEqual([photo]);
    // Persisted whole, so the pending bubble can show it after a reload.
    const saved = JSON.parse(env.storage.getItem(`rtchat.outbox.${me.id}`)!) as Array<{ attachments: Attachment[] }>;
    expect(saved[0]!.attachments).toEqual([photo]);
    last().ready();
    last().frame({ type: 'subscribed', roomId: R1, lastSeq: 5, recovered: true, online: [] });
    expect(last().sent.find((f) => f.type === 'send')).toMatchObject({ body: '', attachmentIds: ['up-1'] });
  });

  it('restores attachments from storage and drops a stored item whose attachments are malformed', async () => {
    env.storage.setItem(
      `rtchat.outbox.${me.id}`,
      JSON.stringify([
        { clientMsgId: 'kept', roomId: R1, body: 'pic', createdAt: T0, status: 'pending', attachments: [photo] },
        { clientMsgId: 'bad', roomId: R1, body: 'x', createdAt: T0, status: 'pending', attachments: [{ id: 3 }] },
      ]),
    );
    const { useStore, last } = await env.start();
    expect(useStore.getState().outbox.map((i) => i.clientMsgId)).toEqual(['kept']);
    last().ready();
    last().frame({ type: 'subscribed', roomId: R1, lastSeq: 5, recovered: true, online: [] });
    expect(last().sent.find((f) => f.type === 'send')).toMatchObject({ clientMsgId: 'kept', attachmentIds: ['up-1'] });
  });

  it('a message without attachments sends no attachmentIds field', async () => {
    const { rt, last } = await env.start();
    last().ready();
    last().frame({ type: 'subscribed', roomId: R1, lastSeq: 5, recovered: true, online: [] });
    rt.sendMessage(R1, 'plain');
    expect(last().sent.find((f) => f.type === 'send')).not.toHaveProperty('attachmentIds');
  });
});
