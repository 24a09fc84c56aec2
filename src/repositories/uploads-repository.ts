/** Stored files (see `uploads` in db/schema.ts for who may read what). SQL only. */
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { uploads, users, rooms, type UploadRow } from '../db/schema.js';

export type NewUpload = typeof uploads.$inferInsert;

export interface ReadableUpload {
  upload: UploadRow;
  allowed: boolean;
}

export function createUploadsRepository(db: Executor) {
  return {
    async insert(row: NewUpload): Promise<UploadRow> {
      const [stored] = await db.insert(uploads).values(row).returning();
      return stored!;
    },

    /** Bytes the user keeps stored (every row not yet swept counts). */
    async usage(ownerId: string): Promise<number> {
      const [row] = await db
        .select({ total: sql<string | number | null>`sum(${uploads.size} + ${uploads.thumbSize})` })
        .from(uploads)
        .where(eq(uploads.ownerId, ownerId));
      return Number(row?.total ?? 0);
    },

    /**
     * The upload and whether `readerId` (null: anonymous) may read it, in one statement: the
     * rule of db/schema.ts `uploads`. Membership is required in public rooms too: what a
     * non-member cannot page through, they cannot fetch either.
     */
    async readable(id: string, readerId: string | null): Promise<ReadableUpload | undefined> {
      const reader = readerId ?? '00000000-0000-0000-0000-000000000000';
      const [row] = await db
        .select({
          upload: uploads,
          allowed: sql<boolean>`CASE
            WHEN ${readerId === null} THEN false
            WHEN ${uploads.purpose} <> 'attachment' THEN ${uploads.releasedAt} IS NULL
            WHEN ${uploads.claimedAt} IS NULL THEN ${uploads.ownerId} = ${reader}::uuid
            ELSE EXISTS (
              SELECT 1 FROM message_attachments ma
              JOIN messages m ON m.id = ma.message_id AND m.deleted_at IS NULL
              JOIN room_members rm ON rm.room_id = m.room_id AND rm.user_id = ${reader}::uuid
              WHERE ma.upload_id = "uploads"."id")
          END`,
        })
        .from(uploads)
        .where(eq(uploads.id, id));
      return row ? { upload: row.upload, allowed: Boolean(row.allowed) } : undefined;
    },

    /** The user's unclaimed attachments among `ids` (what a send may attach). */
    async claimable(ownerId: string, ids: string[]): Promise<UploadRow[]> {
      if (!ids.length) return [];
      return db
        .select()
        .from(uploads)
        .where(and(inArray(uploads.id, ids), eq(uploads.ownerId, ownerId), eq(uploads.purpose, 'attachment'), isNull(uploads.claimedAt)));
    },

    /** Sets the user's avatar to `upload` (or none), releasing the previous one; returns the new row. */
    async setAvatar(userId: string, upload: UploadRow | null, url: string | null) {
      const now = new Date();
      await db
        .update(uploads)
        .set({ releasedAt: now })
        .where(and(eq(uploads.ownerId, userId), eq(uploads.purpose, 'avatar'), isNull(uploads.releasedAt), upload ? sql`${uploads.id} <> ${upload.id}::uuid` : sql`true`));
      const [user] = await db.update(users).set({ avatarUrl: url }).where(eq(users.id, userId)).returning();
      return user!;
    },

    /** Sets a room's image (or none), releasing the previous one. */
    async setRoomImage(roomId: string, upload: UploadRow | null, url: string | null, previousUrl: string | null) {
      const previousId = previousUrl?.split('/').pop();
      if (previousId && previousId !== upload?.id && /^[0-9a-f-]{36}$/.test(previousId)) {
        await db
          .update(uploads)
          .set({ releasedAt: new Date() })
          .where(and(eq(uploads.id, previousId), eq(uploads.purpose, 'room_image'), isNull(uploads.releasedAt)));
      }
      const [room] = await db.update(rooms).set({ imageUrl: url }).where(eq(rooms.id, roomId)).returning();
      return room!;
    },

    /**
     * Deletes and returns (at most `limit`) rows whose files may go: unclaimed attachments older
     * than `unclaimedBefore`; attachments whose message is gone, or was deleted before
     * `deletedBefore`; avatars and room images released before it. The condition is on the
     * deleted row itself, so a claim committed meanwhile keeps its upload (re-checked under lock).
     */
    async takeExpired(unclaimedBefore: Date, deletedBefore: Date, limit = 500): Promise<UploadRow[]> {
      const unclaimed = unclaimedBefore.toISOString();
      const deleted = deletedBefore.toISOString();
      const expired = sql`((u.purpose = 'attachment' AND u.claimed_at IS NULL AND u.created_at < ${unclaimed}::timestamptz)
        OR (u.purpose = 'attachment' AND u.claimed_at IS NOT NULL AND NOT EXISTS (
          SELECT 1 FROM message_attachments ma JOIN messages m ON m.id = ma.message_id
          WHERE ma.upload_id = u.id AND (m.deleted_at IS NULL OR m.deleted_at >= ${deleted}::timestamptz)))
        OR (u.purpose <> 'attachment' AND u.released_at < ${deleted}::timestamptz))`;
      const result = await db.execute(sql`
        DELETE FROM uploads u WHERE u.id IN (SELECT u.id FROM uploads u WHERE ${expired} LIMIT ${limit}::int) AND ${expired}
        RETURNING u.id, u.storage_key AS "storageKey", u.thumb_key AS "thumbKey"`);
      return (result as unknown as { rows: Pick<UploadRow, 'id' | 'storageKey' | 'thumbKey'>[] }).rows as UploadRow[];
    },
  };
}

export type UploadsRepository = ReturnType<typeof createUploadsRepository>;
