// The agent pins the server certificate whose fingerprint came with its enrollment token:
// real HTTPS (a local CA made by `vigie server init`), the real CLI, the bundled agent.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer } from '../../server/start.js';
import { outboxReportIds, runAgent } from '../helpers/agent-process.js';
import { childEnv } from '../helpers/child-env.js';

const VIGIE = resolve(import.meta.dirname, '../../bin/vigie.mjs');

function vigie(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [VIGIE, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

async function initialisedDataDir(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigie-tls-'));
  const init = await vigie(['server', 'init', '--data-dir', dataDir, '--hostname', 'localhost']);
  if (init.code !== 0) throw new Error(`server init failed: ${init.stderr}`);
  return dataDir;
}

t.test('enrollment pins the certificate named by the token; another certificate is refused', async (t) => {
  const dataDir = await initialisedDataDir();
  let server = await startServer({ dataDir, host: '127.0.0.1', port: 0, logLevel: 'silent' });
  t.teardown(() => server.close());
  t.match(server.url, /^https:\/\//);
  const port = Number(new URL(server.url).port);

  const created = await vigie(['token', 'create', '--site', 'chi-vallee', '--role', 'telemaintenance-gateway', '--data-dir', dataDir, '--json']);
  t.equal(created.code, 0, created.stderr);
  const { token, server_fingerprint_sha256 } = JSON.parse(created.stdout) as { token: string; server_fingerprint_sha256: string };
  t.equal(token.split('~')[1], server_fingerprint_sha256, 'the token carries the fingerprint');

  const stateDir = mkdtempSync(join(tmpdir(), 'vigie-agent-'));
  // A wrong fingerprint: enrollment refused before the token is even sent.
  const wrongPin = `${token.split('~')[0]}~${'0'.repeat(64)}`;
  const refused = await runAgent(['enroll', '--server', server.url, '--token', wrongPin, '--state-dir', stateDir]);
  t.equal(refused.code, 1);
  t.match(refused.stderr, /does not match/);
  // No fingerprint at all: the local CA is not trusted by the system, so TLS verification fails.
  const unpinned = await runAgent(['enroll', '--server', server.url, '--token', token.split('~')[0]!, '--state-dir', stateDir]);
  t.equal(unpinned.code, 1);
  t.match(unpinned.stderr, /certificate|self.signed|verify/i);

  const enrolled = await runAgent(['enroll', '--server', server.url, '--token', token, '--state-dir', stateDir]);
  t.equal(enrolled.code, 0, enrolled.stderr);
  const identity = JSON.parse(readFileSync(join(stateDir, 'agent.json'), 'utf8')) as { server_pin: { fingerprint: string } };
  t.equal(identity.server_pin.fingerprint, server_fingerprint_sha256);
  const sent = await runAgent(['run', '--once', '--state-dir', stateDir]);
  t.equal(sent.code, 0, 'a report delivered over pinned HTTPS');

  // Someone else answers on the same address with another certificate (another local CA).
  await server.close();
  const impostorDir = await initialisedDataDir();
  server = await startServer({ dataDir: impostorDir, host: '127.0.0.1', port, logLevel: 'silent' });
  const intercepted = await runAgent(['run', '--once', '--state-dir', stateDir]);
  t.equal(intercepted.code, 1);
  t.match(intercepted.stderr, /not the pinned one|certificate/);
  t.equal(outboxReportIds(stateDir).length, 1, 'the report is kept, not sent to the impostor');
  const impostorReports = await server.db.selectFrom('reports').select('report_id').execute();
  t.same(impostorReports, [], 'the impostor received nothing');
});
