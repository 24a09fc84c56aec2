/**
 * Scenario "reactions" (`npm run bench -- --only=reactions`): a reaction storm beside plain
 * fan-out in the same run. One room of `members` members; `receivers` of them subscribed, `actors`
 * of them first send messages at `rate`/s (fan-out), then toggle reactions on the 20 newest
 * messages at the same rate (every toggle is an event of the room log: stored in the writer's
 * lane, then broadcast to every subscriber). Reports committed events/s, deliveries/s and
 * actor->subscriber p50/p99 for both phases. The load runs in its own process on the generator core.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { GEN_CPU, pinned, ROOT } from './lib/setup.mjs';

export async function reactionStorm({ rt, cfg, log }) {
  const { people, roomIds } = rt;
  const actors = people.slice(0, cfg.actors).map((p) => ({ token: p.token, userId: p.userId }));
  const receivers = people.slice(cfg.actors, cfg.actors + cfg.receivers).map((p) => p.token);
  const input = JSON.stringify({ port: rt.srv.port, roomId: roomIds[0], receivers, actors, rate: cfg.rate, ms: cfg.ms, warmMs: cfg.warmMs, samplers: cfg.samplers });
  const script = path.join(ROOT, 'bench/reactions-load.mjs');
  // The input (a thousand tokens) goes over stdin: too big for argv.
  const [cmd, args] = pinned(GEN_CPU, [process.execPath, script]);
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.end(input);
  let text = '';
  child.stdout.on('data', (c) => (text += c));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`reactions load process exited with ${code}`);
  const result = JSON.parse(text.trim().split('\n').at(-1));
  for (const kind of ['messages', 'reactions']) {
    const r = result[kind];
    log(`reactions: ${kind === 'messages' ? 'plain fan-out' : 'reaction storm'} offered ${r.offeredPerSec}/s -> committed ${r.committedPerSec}/s, ${r.deliveriesPerSec} deliveries/s, p50 ${r.p50} p99 ${r.p99} ms (${r.samples} samples)`);
  }
  return { members: people.length, ...cfg, ...result };
}
