/**
 * A deliberately cheap WebSocket client for load generation: a plain TCP socket, a hand-written
 * upgrade, and a frame walker that only counts frames unless told to look at their payloads.
 * Counting mode never copies or decodes a payload (it skips the bytes), so one generator process
 * can hold thousands of receiving sockets without becoming the bottleneck.
 * Client frames are masked with a zero key (valid per RFC 6455: payload bytes stay as they are).
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';

const ZERO_MASK = Buffer.alloc(4);

/** A masked client text frame with a zero masking key. */
export function clientFrame(text, opcode = 0x1) {
  const payload = Buffer.from(text);
  const len = payload.length;
  const ext = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const header = Buffer.allocUnsafe(2 + ext + 4);
  header[0] = 0x80 | opcode;
  if (ext === 0) header[1] = 0x80 | len;
  else if (ext === 2) {
    header[1] = 0x80 | 126;
    header.writeUInt16BE(len, 2);
  } else {
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  ZERO_MASK.copy(header, 2 + ext);
  return Buffer.concat([header, payload]);
}

export class RawWs {
  /**
   * @param {{port:number, path:string, headers?:Record<string,string>, localAddress?:string,
   *   parse?:boolean, onText?:(buf:Buffer)=>void, onClose?:()=>void}} opts
   */
  constructor(opts) {
    this.opts = opts;
    this.parse = !!opts.parse;
    this.onText = opts.onText ?? null;
    this.frames = 0;
    this.bytes = 0;
    this.open = false;
    this.sock = null;
    this.rest = null; // unparsed bytes (a partial header, or a partial frame in parse mode)
    this.skip = 0; // payload bytes still to skip in counting mode
  }

  // Generous: on a loaded machine thousands of upgrades at once can take many seconds.
  connect(timeoutMs = 60_000) {
    const { port, path, headers = {}, localAddress } = this.opts;
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: '127.0.0.1', port, localAddress });
      this.sock = sock;
      sock.setNoDelay(true);
      let head = Buffer.alloc(0);
      let done = false;
      const timer = setTimeout(() => fail(new Error('upgrade timed out')), timeoutMs);
      const fail = (err) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        sock.destroy();
        reject(err);
      };
      sock.on('error', (err) => {
        if (!done) fail(err);
      });
      sock.on('close', () => {
        this.open = false;
        if (!done) fail(new Error('closed during upgrade'));
        else this.opts.onClose?.();
      });
      sock.on('connect', () => {
        let req = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n`;
        for (const [k, v] of Object.entries(headers)) req += `${k}: ${v}\r\n`;
        sock.write(`${req}\r\n`);
      });
      const onHead = (chunk) => {
        head = head.length ? Buffer.concat([head, chunk]) : chunk;
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          if (head.length > 16384) fail(new Error('upgrade response too large'));
          return;
        }
        const status = head.toString('latin1', 0, Math.min(end, 40));
        if (!status.startsWith('HTTP/1.1 101')) return fail(new Error(`upgrade refused: ${status.split('\r\n')[0]}`));
        done = true;
        clearTimeout(timer);
        this.open = true;
        sock.removeListener('data', onHead);
        sock.on('data', (c) => this.onData(c));
        resolve(this);
        const extra = head.subarray(end + 4);
        if (extra.length) this.onData(extra);
      };
      sock.on('data', onHead);
    });
  }

  send(text) {
    if (this.open) this.sock.write(clientFrame(text));
  }

  sendRaw(buf) {
    if (this.open) this.sock.write(buf);
  }

  /** Abrupt drop, as when a network path dies (no close handshake). */
  destroy() {
    this.open = false;
    this.sock?.destroy();
  }

  close() {
    if (!this.open) return this.destroy();
    this.sock.end(clientFrame('', 0x8));
    this.open = false;
    setTimeout(() => this.sock.destroy(), 1000).unref();
  }

  onData(chunk) {
    this.bytes += chunk.length;
    let buf = chunk;
    let i = 0;
    if (this.skip) {
      if (this.skip >= buf.length) {
        this.skip -= buf.length;
        return;
      }
      i = this.skip;
      this.skip = 0;
    }
    if (this.rest) {
      buf = Buffer.concat([this.rest, buf.subarray(i)]);
      i = 0;
      this.rest = null;
    }
    const n = buf.length;
    while (i < n) {
      if (n - i < 2) break;
      const b0 = buf[i];
      let len = buf[i + 1] & 0x7f;
      let h = 2;
      if (len === 126) {
        if (n - i < 4) break;
        len = buf.readUInt16BE(i + 2);
        h = 4;
      } else if (len === 127) {
        if (n - i < 10) break;
        len = Number(buf.readBigUInt64BE(i + 2));
        h = 10;
      }
      const opcode = b0 & 0x0f;
      const start = i + h;
      const end = start + len;
      const complete = end <= n;
      if (!complete && (this.parse || opcode >= 0x8 || len <= 2)) break; // need the whole frame
      if (opcode === 0x9) {
        this.sendRaw(clientFrame(buf.toString('latin1', start, end), 0xa));
      } else if (opcode === 0x8) {
        this.open = false;
        this.sock.end();
      } else if (opcode === 0x1 || opcode === 0x0) {
        this.frames++;
        if (len <= 2 && buf[start] === 0x32 /* '2': Engine.IO ping */) {
          this.frames--;
          this.send('3');
        } else if (this.parse && this.onText) this.onText(buf.subarray(start, end));
      }
      if (!complete) {
        this.skip = end - n;
        return;
      }
      i = end;
    }
    if (i < n) this.rest = Buffer.from(buf.subarray(i));
  }
}

/** The number after `"key":` in a JSON payload, without parsing the JSON. */
export function numberAfter(buf, key, from = 0) {
  const at = buf.indexOf(key, from);
  if (at < 0) return NaN;
  let j = at + key.length;
  let v = 0;
  for (; j < buf.length; j++) {
    const c = buf[j];
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
  }
  return v;
}

/** The timestamp a sender wrote as `@@<ms>@@` anywhere in the payload. */
export function stampOf(buf) {
  const at = buf.indexOf('@@');
  if (at < 0) return NaN;
  const end = buf.indexOf('@@', at + 2);
  if (end < 0) return NaN;
  return Number(buf.toString('latin1', at + 2, end));
}

/** A clock shared by every process of the machine (ms, sub-ms precision). */
export const now = () => performance.timeOrigin + performance.now();
