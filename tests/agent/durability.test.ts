// The agent loses no report: SIGKILL in the middle of a send, a server killed in the middle of an
// ingest, a server down across many cycles, an outbox pushed past its bound, a full disk.
// Real processes throughout: the bundled agent, `vigie server start`, SQLite on disk.
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createEnrollmentToken } from '../../server/auth/tokens.js';
import { openDatabase } from '../../server/db/database.js';
import { freePort, outboxReportIds, runAgent, spawnAgent, startServerProcess } from '../helpers/agent-process.js';

interface Fixture {
  dataDir: string;
  stateDir: string;
  port: number;
}

/** Enrols a fresh agent against a server process on a fixed port, then stops that server. */
async function enrolledAgent(t: Test, config?: object): Promise<Fixture & { configPath: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigie-dur-server-'));
  const stateDir = mkdtempSync(join(tmpdir(), 'vigie-dur-agent-'));
  const port = await freePort();
  const db = await openDatabase({ dataDir });
  const { token } = await createEnrollmentToken(db, { site: 'ch-plateau', role: 'server', ttlHours: 1 });
  await db.destroy();
  const server = await startServerProcess(dataDir, port);
  const enrolled = await runAgent(['enroll', '--server', server.url, '--token', token, '--state-dir', stateDir]);
  await server.stop();
  t.equal(enrolled.code, 0, enrolled.stderr);
  const configPath = join(stateDir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config ?? {}));
  return { dataDir, stateDir, port, configPath };
}

function storedReportIds(dataDir: string): string[] {
  const db = new Database(join(dataDir, 'vigie.sqlite'), { readonly: true });
  try {
    return db.prepare('select report_id from reports order by collected_at, report_id').all().map((r) => (r as { report_id: string }).report_id);
  } finally {
    db.close();
  }
}

function storedReport(dataDir: string, reportId: string): Record<string, unknown> {
  const db = new Database(join(dataDir, 'vigie.sqlite'), { readonly: true });
  try {
    const row = db.prepare('select body from reports where report_id = ?').get(reportId) as { body: string };
    return JSON.parse(row.body) as Record<string, unknown>;
  } finally {
    db.close();
  }
}

const runOnce = (f: { stateDir: string; configPath: string }) =>
  runAgent(['run', '--once', '--state-dir', f.stateDir, '--config', f.configPath]);

t.test('server down across many cycles: every report arrives once, oldest first', async (t) => {
  const f = await enrolledAgent(t);
  for (let i = 0; i < 6; i++) {
    const offline = await runOnce(f);
    t.equal(offline.code, 1, 'a cycle without server exits 1 but keeps the report');
    t.notMatch(offline.stderr, /at .*\(.*:\d+:\d+\)/, 'no stack trace: a clear error, no crash');
  }
  const waiting = outboxReportIds(f.stateDir);
  t.equal(waiting.length, 6);
  const status = JSON.parse((await runAgent(['status', '--state-dir', f.stateDir])).stdout) as Record<string, unknown>;
  t.equal(status.outbox_depth, 6);
  t.equal(status.consecutive_failures, 6);
  t.match(String((status.last_error as { message: string }).message), /cannot reach/);

  const server = await startServerProcess(f.dataDir, f.port);
  t.teardown(() => server.stop());
  const back = await runOnce(f);
  t.equal(back.code, 0, back.stderr);
  const stored = storedReportIds(f.dataDir);
  t.equal(stored.length, 7);
  t.same(stored.slice(0, 6), waiting, 'the kept reports, in collection order');
  t.equal(new Set(stored).size, stored.length, 'none stored twice');
  t.same(outboxReportIds(f.stateDir), []);
});

t.test('SIGKILL of the agent while the server has committed but not yet answered', async (t) => {
  const f = await enrolledAgent(t);
  const server = await startServerProcess(f.dataDir, f.port);
  t.teardown(() => server.stop());

  // A loopback relay that forwards to the server but holds the answer back, like a network
  // that drops the acknowledgement: the agent never learns that its report was committed.
  const relayPort = await freePort();
  let forwarded = 0;
  const held: IncomingMessage[] = [];
  const relay = createServer((req, res) => {
    const upstream = httpRequest({ host: '127.0.0.1', port: f.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      if (req.url !== '/api/v1/reports') {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        return;
      }
      forwarded++;
      held.push(answer); // the report's answer is never passed on
    });
    req.pipe(upstream);
  });
  await new Promise<void>((r) => relay.listen(relayPort, '127.0.0.1', () => r()));
  t.teardown(() => {
    relay.closeAllConnections();
    relay.close();
  });
  const identityPath = join(f.stateDir, 'agent.json');
  const identity = JSON.parse(readFileSync(identityPath, 'utf8')) as { server_url: string };
  writeFileSync(identityPath, JSON.stringify({ ...identity, server_url: `http://127.0.0.1:${relayPort}/` }), { mode: 0o600 });

  const { child, done } = spawnAgent(['run', '--once', '--state-dir', f.stateDir, '--config', f.configPath]);
  const deadline = Date.now() + 30_000;
  while (forwarded === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.equal(forwarded, 1, 'the server received and answered the report');
  child.kill('SIGKILL');
  const killed = await done;
  t.equal(killed.signal, 'SIGKILL');
  const kept = outboxReportIds(f.stateDir);
  t.equal(kept.length, 1, 'unacknowledged: still in the outbox');
  t.same(storedReportIds(f.dataDir), kept, 'and already committed by the server');

  writeFileSync(identityPath, JSON.stringify(identity), { mode: 0o600 });
  const again = await runOnce(f);
  t.equal(again.code, 0, again.stderr);
  const stored = storedReportIds(f.dataDir);
  t.equal(stored.length, 2, 'the replay was a no-op; only the new report was added');
  t.equal(new Set(stored).size, 2);
  t.same(outboxReportIds(f.stateDir), []);
});

t.test('SIGKILL at random points of cycles never corrupts the outbox', async (t) => {
  const f = await enrolledAgent(t);
  // Deterministic "random" kill delays spread over collection, spooling and sending.
  const delays = [150, 300, 450, 600, 750, 900];
  for (const delay of delays) {
    const { child, done } = spawnAgent(['run', '--once', '--state-dir', f.stateDir, '--config', f.configPath]);
    setTimeout(() => child.kill('SIGKILL'), delay);
    await done;
  }
  const kept = outboxReportIds(f.stateDir); // throws if any entry is not complete JSON
  const server = await startServerProcess(f.dataDir, f.port);
  t.teardown(() => server.stop());
  const back = await runOnce(f);
  t.equal(back.code, 0, back.stderr);
  const stored = storedReportIds(f.dataDir);
  t.ok(kept.every((id) => stored.includes(id)), 'every spooled report was delivered');
  t.equal(stored.length, kept.length + 1);
  t.equal(new Set(stored).size, stored.length);
});

t.test('the server killed in the middle of an ingest backlog loses nothing and stores nothing twice', async (t) => {
  const f = await enrolledAgent(t);
  for (let i = 0; i < 8; i++) await runOnce(f);
  const backlog = outboxReportIds(f.stateDir);
  t.equal(backlog.length, 8);

  let server = await startServerProcess(f.dataDir, f.port);
  const { done } = spawnAgent(['run', '--once', '--state-dir', f.stateDir, '--config', f.configPath]);
  const deadline = Date.now() + 30_000;
  while (storedReportIds(f.dataDir).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await server.stop('SIGKILL');
  const interrupted = await done;
  const afterKill = storedReportIds(f.dataDir);
  t.ok(afterKill.length >= 2, `server committed ${afterKill.length} before dying`);
  if (afterKill.length < 9) t.equal(interrupted.code, 1, 'the agent saw the server go and kept the rest');

  server = await startServerProcess(f.dataDir, f.port);
  t.teardown(() => server.stop());
  const back = await runOnce(f);
  t.equal(back.code, 0, back.stderr);
  const stored = storedReportIds(f.dataDir);
  t.ok(backlog.every((id) => stored.includes(id)), 'every report of the backlog is stored');
  t.equal(new Set(stored).size, stored.length, 'none twice');
  t.same(outboxReportIds(f.stateDir), []);
});

t.test('an outbox past its bound evicts the oldest and the next report says how many', async (t) => {
  const f = await enrolledAgent(t, { outbox: { max_bytes: 48 * 1024, max_age_days: 30 } });
  const cycles = 10;
  for (let i = 0; i < cycles; i++) await runOnce(f);
  const kept = outboxReportIds(f.stateDir);
  const status = JSON.parse((await runAgent(['status', '--state-dir', f.stateDir])).stdout) as { dropped_reports: number };
  t.ok(kept.length < cycles, `bounded: ${kept.length} kept of ${cycles}`);
  t.equal(status.dropped_reports + kept.length, cycles, 'kept + counted as dropped = produced');

  const server = await startServerProcess(f.dataDir, f.port);
  t.teardown(() => server.stop());
  const back = await runOnce(f);
  t.equal(back.code, 0, back.stderr);
  const stored = storedReportIds(f.dataDir);
  const final = JSON.parse((await runAgent(['status', '--state-dir', f.stateDir])).stdout) as { dropped_reports: number };
  t.equal(stored.length + final.dropped_reports, cycles + 1, 'stored + counted as dropped = produced');
  const newest = storedReport(f.dataDir, stored[stored.length - 1]!);
  t.equal(newest.dropped_reports, final.dropped_reports, 'the server is told how many were dropped');
});

t.test('a full disk gives a clear error, no crash loop, and a readable outbox (mounts a small tmpfs: needs root)', async (t) => {
  const f = await enrolledAgent(t);
  const small = mkdtempSync(join(tmpdir(), 'vigie-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', small]);
  t.teardown(() => execFileSync('umount', ['-l', small]));
  mkdirSync(join(small, 'state'), { mode: 0o700 });
  const stateDir = join(small, 'state');
  writeFileSync(join(stateDir, 'agent.json'), readFileSync(join(f.stateDir, 'agent.json')), { mode: 0o600 });
  const g = { stateDir, configPath: f.configPath };

  let sawFull = false;
  for (let i = 0; i < 20 && !sawFull; i++) {
    const run = await runOnce(g);
    t.equal(run.code, 1, 'server down: exit 1 every time, never a crash');
    t.notMatch(run.stderr, /Uncaught|at .*\(.*:\d+:\d+\)\n\s+at /, 'no uncaught exception');
    sawFull = /not spooled: .*ENOSPC/.test(run.stderr);
  }
  t.ok(sawFull, 'the disk filled up and the agent said so');
  const kept = outboxReportIds(stateDir); // every entry is complete JSON
  t.ok(kept.length > 0);
  t.same(readdirSync(join(stateDir, 'outbox')).filter((n) => n.endsWith('.tmp')), [], 'no temp file left behind');

  const server = await startServerProcess(f.dataDir, f.port);
  t.teardown(() => server.stop());
  const back = await runOnce(g);
  t.equal(back.code, 0, back.stderr);
  const stored = storedReportIds(f.dataDir);
  t.ok(kept.every((id) => stored.includes(id)), 'what was spooled before the disk filled is delivered');
  t.same(outboxReportIds(stateDir), [], 'delivery freed the space');
});
