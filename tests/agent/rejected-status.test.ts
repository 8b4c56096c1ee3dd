// End to end with real processes: a report the server refuses for good (here one dated in the
// future, issue 13 item 1) is kept in rejected/ with the reason and counted by `vigie-agent
// status`; the reports behind it are delivered.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Outbox } from '../../agent/outbox.js';
import { createEnrollmentToken } from '../../server/auth/tokens.js';
import { startServer } from '../../server/start.js';
import { childEnv } from '../helpers/child-env.js';
import { buildReport } from '../helpers/report-builder.js';

const AGENT = resolve(import.meta.dirname, '../../bin/vigie-agent.mjs');

function agent(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [AGENT, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

t.test('a report refused for good is set aside, counted in status, and does not block the others', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigie-server-'));
  const stateDir = mkdtempSync(join(tmpdir(), 'vigie-agent-'));
  t.teardown(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  });
  const server = await startServer({ dataDir, host: '127.0.0.1', port: 0, logLevel: 'silent' });
  t.teardown(() => server.close());
  const { token } = await createEnrollmentToken(server.db, { site: 'chi-vallee', role: 'server', ttlHours: 1 });
  const enrolled = await agent(['enroll', '--server', server.url, '--token', token, '--state-dir', stateDir]);
  t.equal(enrolled.code, 0, enrolled.stderr);
  const { host_id } = JSON.parse(enrolled.stdout) as { host_id: string };

  // A report from a host whose clock ran to 2099, waiting at the head of the outbox.
  const future = buildReport({ collected_at: '2099-01-01T00:00:00.000Z', host: { host_id, role: 'server', site: 'chi-vallee' } });
  new Outbox(stateDir).enqueue(future, new Date(Date.now() - 60_000));

  const run = await agent(['run', '--once', '--state-dir', stateDir]);
  t.equal(run.code, 0, run.stderr);
  const status = JSON.parse((await agent(['status', '--state-dir', stateDir])).stdout) as {
    outbox_depth: number;
    rejected_reports: number;
    last_rejected: { name: string; reason: string }[];
  };
  t.equal(status.outbox_depth, 0, 'the report collected in this cycle was delivered');
  t.equal(status.rejected_reports, 1);
  t.match(status.last_rejected[0]?.name, future.report_id);
  t.match(status.last_rejected[0]?.reason, /422 collected_at_in_future: collected_at \(2099-01-01T00:00:00.000Z\)/);
  const stored = await server.db.selectFrom('reports').select('report_id').execute();
  t.equal(stored.length, 1);
  t.not(stored[0]?.report_id, future.report_id);
});
