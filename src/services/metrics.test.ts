import { describe, expect, it } from 'vitest';
import type { Hub } from '../realtime/hub.js';
import { Metrics } from './metrics.js';

// The hub as the gauges and counters read it: no connections, nothing delivered.
const hub = { registry: { all: () => [] }, stats: { deliveries: 0, droppedEphemeral: 0, tooSlowCloses: 0 } } as unknown as Hub;

const valueOf = (text: string, name: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
};

describe('Metrics: cross-instance ordering waits', () => {
  it('mirror the room feeds\' live counts at every scrape, the summed wait in seconds', async () => {
    const ordering = { waited: 3, waitedMs: 1500 };
    const metrics = new Metrics({ hub, bus: null, ordering, uploadBytes: () => 0 });
    let text = await metrics.text();
    expect(valueOf(text, 'rtchat_ordering_waits_total')).toBe(3);
    expect(valueOf(text, 'rtchat_ordering_wait_seconds_total')).toBe(1.5);
    ordering.waited = 5;
    ordering.waitedMs = 1750;
    text = await metrics.text();
    expect(valueOf(text, 'rtchat_ordering_waits_total')).toBe(5);
    expect(valueOf(text, 'rtchat_ordering_wait_seconds_total')).toBe(1.75);
  });

  it('are absent on a single instance (no bus, nothing to wait for)', async () => {
    const text = await new Metrics({ hub, bus: null, uploadBytes: () => 0 }).text();
    expect(text).not.toContain('rtchat_ordering');
  });
});
