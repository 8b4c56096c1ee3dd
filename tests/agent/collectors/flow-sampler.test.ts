import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Value } from 'typebox/value';
import { OutboundObservation } from '../../../policies/evidence.js';
import { emptyWindow, FlowSampler, mergeSample, observationOf } from '../../../agent/collectors/flow-sampler.js';
import { collectNetwork } from '../../../agent/collectors/network.js';

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-flows-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
// 10.1.2.3 -> 192.0.2.10:443 (inode 1002) and 10.1.2.3 -> 203.0.113.5:22 (inode 1003), ESTABLISHED
const FLOW_A = '   1: 0302010A:C738 0A0200C0:01BB 01 00000000:00000000 00:00000000 00000000  1000        0 1002 1 0 20 4 30 10 -1\n';
const FLOW_B = '   2: 0302010A:C739 057100CB:0016 01 00000000:00000000 00:00000000 00000000  1000        0 1003 1 0 20 4 30 10 -1\n';

function fakeProc(t: { teardown(fn: () => void): void }): { root: string; setFlows: (lines: string) => void } {
  const root = tempDir(t);
  mkdirSync(join(root, 'net'));
  writeFileSync(join(root, 'net/udp'), HEADER);
  mkdirSync(join(root, '4242/fd'), { recursive: true });
  writeFileSync(join(root, '4242/comm'), 'curl\n');
  symlinkSync('socket:[1002]', join(root, '4242/fd/3'));
  mkdirSync(join(root, '5151/fd'), { recursive: true });
  writeFileSync(join(root, '5151/comm'), 'ssh\n');
  symlinkSync('socket:[1003]', join(root, '5151/fd/3'));
  return { root, setFlows: (lines) => writeFileSync(join(root, 'net/tcp'), HEADER + lines) };
}

function clock(start: string) {
  let now = Date.parse(start);
  return { now: () => new Date(now), advance: (seconds: number) => void (now += seconds * 1000) };
}

t.test('samples merge into flows with first and last seen over a rolling window', async (t) => {
  const proc = fakeProc(t);
  const time = clock('2026-11-22T10:00:00Z');
  const sampler = new FlowSampler({ procRoot: proc.root, intervalMs: 60_000, now: time.now });

  proc.setFlows(FLOW_A);
  sampler.sample(); // 10:00
  time.advance(60);
  proc.setFlows(FLOW_A + FLOW_B);
  // The owner of a socket already seen is remembered: its fd link is not needed again.
  rmSync(join(proc.root, '4242'), { recursive: true });
  sampler.sample(); // 10:01
  time.advance(60);
  proc.setFlows(FLOW_B);
  const observation = sampler.drain(); // 10:02

  t.ok(Value.Check(OutboundObservation, observation));
  t.same(observation, {
    method: 'socket table (/proc/net) sampled every 60 s; flows shorter than the interval can be missed',
    window_start: '2026-11-22T10:00:00.000Z',
    window_end: '2026-11-22T10:02:00.000Z',
    samples: 3,
    flows: [
      { protocol: 'tcp', remote_address: '192.0.2.10', remote_port: 443, remote_fqdn: null, process: 'curl', pid: 4242, first_seen: '2026-11-22T10:00:00.000Z', last_seen: '2026-11-22T10:01:00.000Z' },
      { protocol: 'tcp', remote_address: '203.0.113.5', remote_port: 22, remote_fqdn: null, process: 'ssh', pid: 5151, first_seen: '2026-11-22T10:01:00.000Z', last_seen: '2026-11-22T10:02:00.000Z' },
    ],
  });

  // The window rolls: the next report still covers everything seen in the last 24 h.
  time.advance(60);
  proc.setFlows('');
  const next = sampler.drain() as { window_start: string; window_end: string; flows: unknown[] };
  t.equal(next.window_start, '2026-11-22T10:00:00.000Z');
  t.equal(next.window_end, '2026-11-22T10:03:00.000Z');
  t.equal(next.flows.length, 2);
});

t.test('the window keeps exactly the last 24 hours', async (t) => {
  const proc = fakeProc(t);
  const time = clock('2026-11-22T10:00:00Z');
  const sampler = new FlowSampler({ procRoot: proc.root, intervalMs: 60_000, now: time.now });
  proc.setFlows(FLOW_A);
  sampler.sample(); // 10:00, flow A last seen
  proc.setFlows(FLOW_B);
  time.advance(3600);
  sampler.sample(); // 11:00, flow B
  time.advance(23 * 3600); // 10:00 the next day: A was last seen exactly 24 h ago
  const day = sampler.drain() as { window_start: string; flows: Array<{ remote_port: number }> };
  t.equal(day.window_start, '2026-11-22T10:00:00.000Z', 'exactly 24 h: nothing pruned yet (inclusive)');
  t.same(day.flows.map((f) => f.remote_port).sort(), [22, 443]);
  time.advance(1);
  const later = sampler.drain() as { window_start: string; flows: Array<{ remote_port: number }> };
  t.equal(later.window_start, '2026-11-22T10:00:01.000Z');
  t.same(later.flows.map((f) => f.remote_port), [22], 'a flow last seen more than 24 h ago leaves the window');
});

t.test('failed samples are counted and said; a window with no good sample is unavailable', async (t) => {
  const proc = fakeProc(t);
  const sampler = new FlowSampler({ procRoot: proc.root, intervalMs: 5000 });
  sampler.sample(); // no net/tcp yet: fails
  proc.setFlows(FLOW_A);
  t.match(sampler.drain(), { method: /sampled every 5 s, 1 failed sample\(s\)/, samples: 1 });

  const broken = new FlowSampler({ procRoot: tempDir(t), intervalMs: 5000 });
  t.match(broken.drain(), { unavailable: /no successful socket-table sample in the window: cannot read/ });
});

t.test('more distinct flows than the contract allows: unavailable, never a silently cut list', async (t) => {
  const window = emptyWindow('2026-11-22T10:00:00.000Z');
  const flows = Array.from({ length: 5001 }, (_, i) => ({
    protocol: 'tcp' as const,
    remote_address: `198.51.${Math.floor(i / 250)}.${i % 250}`,
    remote_port: 443,
    remote_fqdn: null,
    process: 'browser',
    pid: 10,
  }));
  mergeSample(window, flows, '2026-11-22T10:00:00.000Z');
  t.equal(window.flows.size, 5000, 'memory stays bounded');
  t.match(observationOf(window, 60_000), { unavailable: /more than 5000 distinct outbound flows/ });
});

t.test('live: a started sampler feeds collectNetwork; interval bounds are enforced', async (t) => {
  // A long interval: the timer cannot fire during the test, so exactly two samples are taken.
  const sampler = new FlowSampler({ intervalMs: 600_000 });
  sampler.start();
  t.teardown(() => sampler.stop());
  const evidence = await collectNetwork({ flowSampler: sampler });
  t.match(evidence.outbound, { method: /sampled every 600 s/, samples: 2 });
  t.throws(() => new FlowSampler({ intervalMs: 10 }), RangeError);
});
