/**
 * Caps on concurrent WebSocket connections per user and per client IP, checked before the upgrade
 * (429 RATE_LIMITED). With several instances the other instances' counts (Redis) are added.
 *
 * Invariants:
 * - A slot is reserved in the local counts synchronously, before anything is awaited, so parallel
 *   upgrades on one instance cannot overshoot. The other instances' counts are read at upgrade
 *   time: simultaneous upgrades on different instances may overshoot by a few.
 * - A reserved slot is released exactly once (`release` is idempotent); the caller ties it to the
 *   TCP socket's close (an upgrade that never completed), and the WebSocket session, once there is
 *   one, takes it over (`takeSlot`) and releases it when the WebSocket closes.
 * - Empty counts are deleted, so the maps hold only users and addresses with open connections.
 */
import type { Socket } from 'node:net';
import { AppError } from '../lib/errors.js';

/** What the other instances hold (cluster/connection-counts.ts); absent on one instance. */
export interface SharedCounts {
  /** Connections other live instances hold for this user and address (0 when unknown: Redis down). */
  elsewhere(userId: string, ip: string): Promise<{ user: number; ip: number }>;
  /** This instance's count for the user and the address changed by `delta`. */
  changed(userId: string, ip: string, delta: 1 | -1): void;
}

export interface LocalCounts {
  readonly users: ReadonlyMap<string, number>;
  readonly ips: ReadonlyMap<string, number>;
}

export interface Slot {
  release(): void;
}

export class ConnectionCaps implements LocalCounts {
  readonly users = new Map<string, number>();
  readonly ips = new Map<string, number>();

  constructor(
    private readonly limits: { perUser: number; perIp: number },
    private readonly shared?: SharedCounts,
  ) {}

  /** Reserves a connection for the user from the address, or rejects with 429 RATE_LIMITED. */
  async reserve(userId: string, ip: string): Promise<Slot> {
    this.add(userId, ip, 1);
    try {
      const elsewhere = this.shared ? await this.shared.elsewhere(userId, ip) : { user: 0, ip: 0 };
      if ((this.users.get(userId) ?? 0) + elsewhere.user > this.limits.perUser) {
        throw new AppError(429, 'RATE_LIMITED', `At most ${this.limits.perUser} connections per user at a time; close one first`);
      }
      if ((this.ips.get(ip) ?? 0) + elsewhere.ip > this.limits.perIp) {
        throw new AppError(429, 'RATE_LIMITED', `At most ${this.limits.perIp} connections from one address at a time`);
      }
    } catch (err) {
      this.add(userId, ip, -1);
      throw err;
    }
    this.shared?.changed(userId, ip, 1);
    return new ReservedSlot(this, userId, ip);
  }

  /** Gives back what `reserve` took (ReservedSlot.release, once). */
  unreserve(userId: string, ip: string): void {
    this.add(userId, ip, -1);
    this.shared?.changed(userId, ip, -1);
  }

  private add(userId: string, ip: string, delta: 1 | -1): void {
    bump(this.users, userId, delta);
    bump(this.ips, ip, delta);
  }
}

class ReservedSlot implements Slot {
  private released = false;
  constructor(
    private readonly caps: ConnectionCaps,
    private readonly userId: string,
    private readonly ip: string,
  ) {}

  release(): void {
    if (this.released) return;
    this.released = true;
    this.caps.unreserve(this.userId, this.ip);
  }
}

/** The slot each TCP socket holds until its WebSocket session takes it, released by one shared listener. */
const held = new WeakMap<Socket, Slot>();
function releaseHeld(this: Socket): void {
  held.get(this)?.release();
  held.delete(this);
}

/** Ties the slot to the TCP socket: released when it closes (at once if it already has). */
export function releaseOnClose(tcp: Socket, slot: Slot): void {
  if (tcp.destroyed) return slot.release();
  held.set(tcp, slot);
  tcp.on('close', releaseHeld); // `on`, not `once`: once wraps the listener in two objects per socket
}

/**
 * Hands the TCP socket's slot over to its WebSocket session, which releases it when the WebSocket
 * closes: an open socket then keeps no map entry or 'close' listener of its own for it (with the
 * upgrade's response detached, ws's listener is the socket's only one and no listener array is
 * kept: ~240 bytes per idle connection). Undefined when the socket has closed already (its slot
 * was released then).
 */
export function takeSlot(tcp: Socket): Slot | undefined {
  const slot = held.get(tcp);
  if (!slot) return undefined;
  held.delete(tcp);
  tcp.removeListener('close', releaseHeld);
  return slot;
}

function bump(map: Map<string, number>, key: string, delta: number): void {
  const n = (map.get(key) ?? 0) + delta;
  if (n > 0) map.set(key, n);
  else map.delete(key);
}
