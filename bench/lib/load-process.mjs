/**
 * Shared by the scenarios that run their load in a process of their own on the generator core
 * (reactions, uploads): starting it, and the subscribed sockets it holds.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import WebSocket from 'ws';
import { GEN_CPU, pinned, ROOT, track } from './setup.mjs';

/**
 * Runs `bench/<script>` pinned to the generator core (or `cpu`) with `input` (JSON, over stdin: too
 * big for argv); resolves its last stdout line, parsed.
 */
export async function runLoadProcess(script, input, what, cpu = GEN_CPU) {
  const [cmd, args] = pinned(cpu, [process.execPath, path.join(ROOT, 'bench', script)]);
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  track(child, what, cpu);
  child.stdin.end(JSON.stringify(input));
  let text = '';
  child.stdout.on('data', (c) => (text += c));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${what} load process exited with ${code}`);
  return JSON.parse(text.trim().split('\n').at(-1));
}

/** A socket to RtChat on 127.0.0.1:`port`, subscribed to `roomId`; `onFrame` sees every other text frame. */
export function connectSubscribed(port, roomId, token, onFrame) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    ws.on('error', reject);
    ws.on('message', (data) => {
      const text = data.toString();
      if (text.startsWith('{"type":"ready"')) ws.send(JSON.stringify({ type: 'subscribe', roomId }));
      else if (text.startsWith('{"type":"subscribed"')) resolve(ws);
      else onFrame(text);
    });
  });
}
