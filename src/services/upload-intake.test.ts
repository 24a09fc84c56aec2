import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { receiveToTemp } from './upload-intake.js';

describe('receiveToTemp', () => {
  it('fails cleanly when the client goes away right after its first chunk: an error, no temp file left', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rtchat-intake-'));
    for (let round = 0; round < 20; round++) {
      // The source fails right after its first chunk: the file is still opening, or a write is in flight.
      const source = Readable.from(
        (async function* () {
          // One chunk past the sniffing size, written before the file has even opened.
          yield Buffer.alloc(round % 2 ? 64 * 1024 : 4 * 1024 * 1024, 1);
          throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
        })(),
      );
      await expect(receiveToTemp(source, dir, () => 64 * 1024 * 1024)).rejects.toThrow();
    }
    // Give any late file-system callback the chance to emit (it would fail the run as unhandled).
    await new Promise((r) => setTimeout(r, 200));
    expect(await readdir(dir)).toEqual([]);
  });
});
