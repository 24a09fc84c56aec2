import { describe, expect, it } from 'vitest';
import { messagePermissions } from './message-permissions';
import { PLAIN_V2, USER_V2 } from './test-fixtures';
import type { Message } from './wire';

const author = { id: 'a', username: 'ann', ...USER_V2, avatarUrl: null, createdAt: '2026-01-01T00:00:00.000Z' };
const m: Message = { ...PLAIN_V2, id: 'm1', roomId: 'r', seq: 1, clientMsgId: 'c', author, body: 'x', createdAt: author.createdAt };

describe('message permissions', () => {
  it('the author edits and deletes; owners and moderators delete others’ messages; members neither', () => {
    expect(messagePermissions(m, 'a', 'member')).toEqual({ canEdit: true, canDelete: true });
    expect(messagePermissions(m, 'b', 'owner')).toEqual({ canEdit: false, canDelete: true });
    expect(messagePermissions(m, 'b', 'moderator')).toEqual({ canEdit: false, canDelete: true });
    expect(messagePermissions(m, 'b', 'member')).toEqual({ canEdit: false, canDelete: false });
  });

  it('nothing for a tombstone or when signed out', () => {
    expect(messagePermissions({ ...m, deletedAt: author.createdAt }, 'a', 'owner')).toEqual({ canEdit: false, canDelete: false });
    expect(messagePermissions(m, undefined, 'owner')).toEqual({ canEdit: false, canDelete: false });
  });
});
