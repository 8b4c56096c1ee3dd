// The agent as shipped: the single-file bundle (needs only Node) and the Node single executable
// (needs nothing) are built and actually run; the systemd unit keeps its hardening.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Compile } from 'typebox/compile';
import { Report } from '../../../policies/evidence.js';
import { childEnv } from '../../helpers/child-env.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const checkReport = Compile(Report);

t.test('the Node single executable runs collect and check without Node or sources beside it', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'vigie-sea-'));
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-agent-sea.mjs'), out], { stdio: 'ignore', timeout: 180_000, env: childEnv() });
  const executable = join(out, 'vigie-agent');
  const stateDir = mkdtempSync(join(tmpdir(), 'vigie-agent-'));
  const report: unknown = JSON.parse(execFileSync(executable, ['collect', '--json', '--role', 'server', '--state-dir', stateDir], { cwd: tmpdir() }).toString());
  t.ok(checkReport.Check(report), 'a schema-valid report');
  let checkOutput = '';
  try {
    checkOutput = execFileSync(executable, ['check', '--role', 'server', '--lang', 'en', '--state-dir', stateDir], { cwd: tmpdir() }).toString();
  } catch (error) {
    checkOutput = String((error as { stdout?: Buffer }).stdout ?? ''); // exit 1 when a rule fails
  }
  t.match(checkOutput, /pack server v\d+/, 'the shipped packs are found next to the executable');
});

t.test('the systemd unit is hardened and runs as a dedicated user', async (t) => {
  const unit = readFileSync(join(ROOT, 'agent/packaging/vigie-agent.service'), 'utf8');
  for (const line of [
    'User=vigie-agent',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ReadWritePaths=/var/lib/vigie-agent',
    'PrivateTmp=yes',
    'CapabilityBoundingSet=CAP_DAC_READ_SEARCH CAP_SYS_PTRACE CAP_NET_ADMIN',
    'UMask=0077',
  ]) {
    t.ok(unit.split('\n').includes(line), line);
  }
});
