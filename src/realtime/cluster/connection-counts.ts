/**
 * WebSocket connection counts across instances, for the connection caps (connection-caps.ts).
 * Each instance keeps its own counts in one Redis hash (`conns:<instance>`, fields `u:<userId>` and
 * `ip:<address>`) whose expiry is its heartbeat: refreshed every beat, so the counts of an instance
 * that died vanish with it (INSTANCE_TTL_MS) instead of holding slots forever. A change that could
 * not be written (Redis down) marks the hash stale; it is rewritten whole from the local counts when
 * Redis is back. While Redis is unreachable each instance counts only its own.
 */
import type { LocalCounts, SharedCounts } from '../connection-caps.js';
import { INSTANCE_TTL_MS } from './peer-presence.js';
import type { RedisBus } from './redis-bus.js';

/** Adds `delta` to two fields, deletes a field that reaches 0, refreshes the expiry. */
const CHANGE = `
for i = 1, 2 do
  local n = redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[3])
  if n <= 0 then redis.call('HDEL', KEYS[1], ARGV[i]) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`;

const userField = (userId: string) => `u:${userId}`;
const ipField = (ip: string) => `ip:${ip}`;

export class ClusterConnectionCounts implements SharedCounts {
  private local: LocalCounts | null = null;
  private stale = true;

  constructor(private readonly bus: RedisBus) {}

  private keyOf(instance: string): string {
    return this.bus.key(`conns:${instance}`);
  }

  /** Where this instance's own counts come from (for rewrites). */
  useLocal(local: LocalCounts): void {
    this.local = local;
  }

  async elsewhere(userId: string, ip: string): Promise<{ user: number; ip: number }> {
    if (!this.bus.commandsUp) return { user: 0, ip: 0 };
    try {
      const others = (await this.bus.commands.smembers(this.bus.key('instances'))).filter((id) => id !== this.bus.instanceId);
      if (!others.length) return { user: 0, ip: 0 };
      const pipe = this.bus.commands.pipeline();
      for (const id of others) pipe.hmget(this.keyOf(id), userField(userId), ipField(ip));
      const res = (await pipe.exec()) ?? [];
      let user = 0;
      let atIp = 0;
      for (const [, value] of res) {
        const [u, i] = (value as (string | null)[] | null) ?? [];
        user += Number(u ?? 0);
        atIp += Number(i ?? 0);
      }
      return { user, ip: atIp };
    } catch (err) {
      this.bus.degraded(`reading connection counts failed: ${(err as Error).message}`);
      return { user: 0, ip: 0 };
    }
  }

  changed(userId: string, ip: string, delta: 1 | -1): void {
    if (this.stale || !this.bus.commandsUp) {
      this.stale = true;
      return;
    }
    this.bus.commands
      .eval(CHANGE, 1, this.keyOf(this.bus.instanceId), userField(userId), ipField(ip), delta, INSTANCE_TTL_MS)
      .catch((err: Error) => {
        this.stale = true;
        this.bus.degraded(`connection count update failed: ${err.message}`);
      });
  }

  /** Heartbeat: the hash lives on (or is rewritten whole when a change was missed). */
  async beat(): Promise<void> {
    if (!this.bus.commandsUp) return;
    if (this.stale) return this.rewrite();
    await this.bus.commands.pexpire(this.keyOf(this.bus.instanceId), INSTANCE_TTL_MS).catch(() => undefined);
  }

  /** Replaces our hash with the local counts (at start and after an outage). */
  async rewrite(): Promise<void> {
    if (!this.bus.commandsUp || !this.local) return;
    const key = this.keyOf(this.bus.instanceId);
    const fields: Record<string, number> = {};
    for (const [userId, n] of this.local.users) fields[userField(userId)] = n;
    for (const [ip, n] of this.local.ips) fields[ipField(ip)] = n;
    const tx = this.bus.commands.multi().del(key);
    if (Object.keys(fields).length) tx.hset(key, fields).pexpire(key, INSTANCE_TTL_MS);
    this.stale = false;
    await tx.exec().catch((err: Error) => {
      this.stale = true;
      this.bus.degraded(`connection count update failed: ${err.message}`);
    });
  }

  /** Shutting down: our counts go at once. */
  async remove(): Promise<void> {
    if (this.bus.commandsUp) await this.bus.commands.del(this.keyOf(this.bus.instanceId)).catch(() => undefined);
  }
}
