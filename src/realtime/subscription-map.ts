/**
 * A connection's subscriptions by room id (Connection.subs): the subset of Map that the real-time
 * code uses, stored as one key and value while there is a single subscription (the usual case) and
 * as a Map from the second one. An idle socket subscribed to one room then holds two fields, not a
 * Map and its hash table (~140 bytes per socket; see README, Performance).
 */
import type { Subscription } from './subscription.js';

export class SubscriptionMap {
  private key: string | null = null;
  private value: Subscription | null = null;
  private map: Map<string, Subscription> | null = null;

  get size(): number {
    return this.map ? this.map.size : this.key === null ? 0 : 1;
  }

  get(roomId: string): Subscription | undefined {
    if (this.map) return this.map.get(roomId);
    return this.key === roomId ? this.value! : undefined;
  }

  has(roomId: string): boolean {
    return this.map ? this.map.has(roomId) : this.key === roomId;
  }

  set(roomId: string, sub: Subscription): this {
    if (this.map) this.map.set(roomId, sub);
    else if (this.key === null || this.key === roomId) {
      this.key = roomId;
      this.value = sub;
    } else {
      this.map = new Map([[this.key, this.value!], [roomId, sub]]);
      this.key = null;
      this.value = null;
    }
    return this;
  }

  delete(roomId: string): boolean {
    if (this.map) return this.map.delete(roomId);
    if (this.key !== roomId) return false;
    this.key = null;
    this.value = null;
    return true;
  }

  clear(): void {
    this.key = null;
    this.value = null;
    this.map = null;
  }

  /** The room ids, in subscription order; a snapshot, so deleting while iterating is safe. */
  keys(): string[] {
    return this.map ? [...this.map.keys()] : this.key === null ? [] : [this.key];
  }
}
