// The long-running agent slows down when the server asks (Retry-After) or is away (exponential
// backoff with jitter), while it keeps collecting into its outbox.
import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backoffDelayMs } from '../../agent/scheduler.js';
import { writeIdentity } from '../../agent/state.js';
import { outboxReportIds, spawnAgent } from '../helpers/agent-process.js';

t.test('backoff: Retry-After is honoured, otherwise exponential with jitter, capped', async (t) => {
  const low = () => 0;
  const high = () => 0.999999;
  t.equal(backoffDelayMs(1, 120_000, low), 120_000, 'Retry-After: exactly what the server asked, at least');
  t.ok(backoffDelayMs(1, 120_000, high) <= 132_000, 'plus at most 10 % jitter');
  t.equal(backoffDelayMs(1, null, low), 15_000, 'first failure: between 15 and 30 s');
  t.ok(backoffDelayMs(1, null, high) < 30_000);
  t.equal(backoffDelayMs(2, null, low), 30_000);
  t.equal(backoffDelayMs(5, null, low), 240_000);
  t.equal(backoffDelayMs(50, null, low), 3 * 3600_000, 'capped at 6 h (half with jitter at its lowest)');
  t.ok(backoffDelayMs(50, null, high) <= 6 * 3600_000);
  t.equal(backoffDelayMs(1, 10 * 24 * 3600_000, low), 6 * 3600_000, 'an absurd Retry-After is capped too');
});

t.test('a server answering 503 + Retry-After is not hammered; reports wait in the outbox', async (t) => {
  let reportPosts = 0;
  let configGets = 0;
  const server = createServer((req, res) => {
    req.resume();
    if (req.url === '/api/v1/agent/config') {
      configGets++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ schedule: { cron: '* * * * * *', splay_seconds: 0 }, probes: [] }));
      return;
    }
    reportPosts++;
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '3600' });
    res.end(JSON.stringify({ error: { code: 'overloaded', message: 'try later' } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const stateDir = mkdtempSync(join(tmpdir(), 'vigie-agent-'));
  writeIdentity(stateDir, {
    server_url: `http://127.0.0.1:${port}/`,
    host_id: '11111111-2222-4333-8444-555555555555',
    credential: '11111111-2222-4333-8444-555555555555.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    site: 'chi-vallee',
    role: 'server',
    enrolled_at: new Date().toISOString(),
    server_pin: null,
  });
  const config = join(stateDir, 'config.json');
  writeFileSync(config, JSON.stringify({ schedule: { cron: '* * * * * *', splay_seconds: 0 } }));

  const { child, done } = spawnAgent(['run', '--state-dir', stateDir, '--config', config]);
  // Wait for a few cycles (bounded): how fast they come depends on the machine's load, not on the agent.
  const waitUntil = Date.now() + 90_000;
  while (outboxReportIds(stateDir).length < 4 && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 250));
  child.kill('SIGTERM');
  // Bounded: an agent that does not stop fails here with its log, not as a suite timeout.
  const killer = setTimeout(() => child.kill('SIGKILL'), 45_000);
  const exit = await done;
  clearTimeout(killer);
  t.equal(exit.signal, null, `the agent stopped on its own after SIGTERM (stderr: ${exit.stderr.slice(-2000)})`);
  t.equal(exit.code, 0, 'SIGTERM stops the agent cleanly');
  const spooled = outboxReportIds(stateDir).length;
  t.ok(spooled >= 4, `collection went on at every tick while delivery waited (${spooled} reports spooled)`);
  t.equal(reportPosts, 1, 'one delivery attempt, then silence for the hour the server asked');
  t.equal(configGets, 1, 'and no configuration request while backing off either');
});
