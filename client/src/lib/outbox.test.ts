import { describe, expect, it } from 'vitest';
import {
  addItem,
  loadOutbox,
  outboxKey,
  removeItem,
  removeItems,
  saveOutbox,
  sendable,
  setStatus,
  type OutboxItem,
  type StorageLike,
} from './outbox';

function memoryStorage(): StorageLike & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

const item = (id: string, roomId = 'r1', status: OutboxItem['status'] = 'pending'): OutboxItem => ({
  clientMsgId: id,
  roomId,
  body: `body ${id}`,
  createdAt: '2026-01-01T00:00:00.000Z',
  status,
});

describe('outbox', () => {
  it('survives a reload: saved per user, loaded back in order', () => {
    const storage = memoryStorage();
    const items = [item('a'), item('b', 'r2'), item('c', 'r1', 'failed')];
    saveOutbox(storage, 'u1', items);
    expect(storage.data.has(outboxKey('u1'))).toBe(true);
    expect(loadOutbox(storage, 'u1')).toEqual(items);
    expect(loadOutbox(storage, 'someone-else')).toEqual([]);
  });

  it('removes the key when empty and ignores corrupt data', () => {
    const storage = memoryStorage();
    saveOutbox(storage, 'u1', [item('a')]);
    saveOutbox(storage, 'u1', []);
    expect(storage.data.size).toBe(0);
    storage.setItem(outboxKey('u1'), '{not json');
    expect(loadOutbox(storage, 'u1')).toEqual([]);
    storage.setItem(outboxKey('u1'), JSON.stringify([item('ok'), { clientMsgId: 1 }, null]));
    expect(loadOutbox(storage, 'u1').map((i) => i.clientMsgId)).toEqual(['ok']);
  });

  it('keeps working when storage throws', () => {
    const broken: StorageLike = {
      getItem: () => {
        throw new Error('blocked');
      },
      setItem: () => {
        throw new Error('full');
      },
      removeItem: () => {
        throw new Error('blocked');
      },
    };
    expect(() => saveOutbox(broken, 'u1', [item('a')])).not.toThrow();
    expect(loadOutbox(broken, 'u1')).toEqual([]);
    expect(loadOutbox(undefined, 'u1')).toEqual([]);
  });

  it('adds once per clientMsgId and keeps creation order', () => {
    let list = addItem([], item('a'));
    list = addItem(list, item('b'));
    const same = addItem(list, item('a'));
    expect(same).toBe(list);
    expect(list.map((i) => i.clientMsgId)).toEqual(['a', 'b']);
  });

  it('marks failed with a reason and back to pending without it', () => {
    let list = [item('a'), item('b')];
    list = setStatus(list, 'a', 'failed', 'Too fast');
    expect(list[0]).toMatchObject({ status: 'failed', error: 'Too fast' });
    list = setStatus(list, 'a', 'pending');
    expect(list[0]!.status).toBe('pending');
    expect('error' in list[0]!).toBe(false);
    expect(setStatus(list, 'zzz', 'failed')).toBe(list);
  });

  it('returns only pending items to send, optionally for one room', () => {
    const list = [item('a'), item('b', 'r2'), item('c', 'r1', 'failed'), item('d')];
    expect(sendable(list).map((i) => i.clientMsgId)).toEqual(['a', 'b', 'd']);
    expect(sendable(list, 'r1').map((i) => i.clientMsgId)).toEqual(['a', 'd']);
  });

  it('removes acknowledged items and keeps identity when nothing changes', () => {
    const list = [item('a'), item('b'), item('c')];
    expect(removeItem(list, 'b').map((i) => i.clientMsgId)).toEqual(['a', 'c']);
    expect(removeItem(list, 'x')).toBe(list);
    expect(removeItems(list, new Set(['a', 'c'])).map((i) => i.clientMsgId)).toEqual(['b']);
    expect(removeItems(list, new Set())).toBe(list);
  });
});
