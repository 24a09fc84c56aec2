/**
 * The fan-out limit row: what Node on one core can do at all for a broadcast, with no auth and no
 * storage. Speaks the same generator protocol as baseline-ws.mjs (every text frame received from
 * any client goes to every client), with the best techniques we know:
 * - the HTTP server only does the handshake; after `101` the raw `net` socket is ours and we own
 *   the framing (parse masked client frames, write unmasked server frames);
 * - a frame's bytes are built ONCE per event, not once per socket;
 * - every frame of one event-loop turn is concatenated into ONE Buffer at the end of the turn
 *   (setImmediate), and that same Buffer is written to every socket: one write per socket per turn;
 * - a socket more than MAX_BUFFERED bytes behind is dropped (as RtChat closes a slow consumer).
 * With PAD_TO=n, a text frame shorter than n bytes is padded with trailing spaces (still the same
 * JSON) to n: the scenario sets it to the size of RtChat's message frame, so this row carries the
 * same bytes per delivery as RtChat does, not the generator's short echo.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_PAYLOAD = 64 * 1024;
const MAX_BUFFERED = 16 * 1024 * 1024;
const port = Number(process.env.PORT ?? 0);
const padTo = Number(process.env.PAD_TO ?? 0);

const sockets = new Set();
let turn = [];
let turnBytes = 0;

/** An unmasked server frame (FIN set) around `payload`. */
function serverFrame(payload, opcode = 0x1) {
  const len = payload.length;
  const ext = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const frame = Buffer.allocUnsafe(2 + ext + len);
  frame[0] = 0x80 | opcode;
  if (ext === 0) frame[1] = len;
  else if (ext === 2) {
    frame[1] = 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(len), 2);
  }
  payload.copy(frame, 2 + ext);
  return frame;
}

function flush() {
  const buf = turn.length === 1 ? turn[0] : Buffer.concat(turn, turnBytes);
  turn = [];
  turnBytes = 0;
  for (const s of sockets) {
    if (s.writableLength > MAX_BUFFERED) s.destroy();
    else s.write(buf);
  }
}

function padded(payload) {
  return payload.length >= padTo ? payload : Buffer.concat([payload, Buffer.alloc(padTo - payload.length, 0x20)]);
}

function broadcast(frame) {
  if (!turn.length) setImmediate(flush);
  turn.push(frame);
  turnBytes += frame.length;
}

/** Walks the masked client frames in `chunk` (plus what was left over from the last one). */
function reader(socket) {
  let rest = null;
  return (chunk) => {
    const buf = rest ? Buffer.concat([rest, chunk]) : chunk;
    rest = null;
    let i = 0;
    while (buf.length - i >= 2) {
      const b0 = buf[i];
      const b1 = buf[i + 1];
      let len = b1 & 0x7f;
      let h = 2;
      if (len === 126) {
        if (buf.length - i < 4) break;
        len = buf.readUInt16BE(i + 2);
        h = 4;
      } else if (len === 127) {
        if (buf.length - i < 10) break;
        len = Number(buf.readBigUInt64BE(i + 2));
        h = 10;
      }
      if (!(b1 & 0x80) || len > MAX_PAYLOAD) return socket.destroy(); // clients must mask; bounded size
      if (buf.length - i < h + 4 + len) break;
      const mask = buf.subarray(i + h, i + h + 4);
      const payload = Buffer.from(buf.subarray(i + h + 4, i + h + 4 + len));
      for (let k = 0; k < len; k++) payload[k] ^= mask[k & 3];
      i += h + 4 + len;
      const opcode = b0 & 0x0f;
      if (opcode === 0x1 || opcode === 0x2) broadcast(serverFrame(opcode === 0x1 ? padded(payload) : payload, opcode));
      else if (opcode === 0x9) socket.write(serverFrame(payload, 0xa));
      else if (opcode === 0x8) {
        socket.end(serverFrame(Buffer.alloc(0), 0x8));
        sockets.delete(socket);
        return;
      }
    }
    if (i < buf.length) rest = Buffer.from(buf.subarray(i));
  };
}

const http = createServer((req, res) => res.writeHead(426).end());
http.on('upgrade', (req, socket, head) => {
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || req.headers.upgrade?.toLowerCase() !== 'websocket') return socket.destroy();
  const accept = createHash('sha1').update(key + GUID).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  socket.setNoDelay(true);
  sockets.add(socket);
  const onData = reader(socket);
  socket.on('data', onData);
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => sockets.delete(socket));
  if (head.length) onData(head);
});
http.listen(port, '127.0.0.1', () => process.send?.({ listening: http.address().port }));
process.on('SIGTERM', () => process.exit(0));
