import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Value } from 'typebox/value';
import { Report, SCHEMA_VERSION } from '../../policies/evidence.js';
import { BackupSourceConfig, collectEvidence, collectHostInfo } from '../../agent/collect.js';

const dir = mkdtempSync(join(tmpdir(), 'vigie-collect-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('one live cycle on this machine gives a report the contract accepts', async (t) => {
  const statusPath = join(dir, 'status.json');
  writeFileSync(
    statusPath,
    JSON.stringify({ format: 'vigie-backup-status/1', tool_name: 'rsync', target: 'nas01:/b', last_success_at: new Date().toISOString() }),
  );
  const [evidence, host] = await Promise.all([collectEvidence({ backupSources: [{ tool: 'status-file', path: statusPath }] }), collectHostInfo()]);
  const report = {
    schema_version: SCHEMA_VERSION,
    report_id: randomUUID(),
    agent_version: '0.1.0',
    collected_at: new Date().toISOString(),
    host: { host_id: 'test-host', role: 'server', site: 'chu-test', ...host },
    ...evidence,
  };
  t.ok(Value.Check(Report, report), JSON.stringify([...Value.Errors(Report, report)].slice(0, 3)));
  t.equal(host.os.platform, 'linux');
  t.equal(host.hostname, hostname());
  t.match(evidence.wifi, { hardware_present: false });
  t.match(evidence.backups, { sources: [{ tool: 'status-file', snapshot_count: 1 }] });
  t.ok(Array.isArray((evidence.network as { listeners: unknown }).listeners), 'listeners observed');
});

t.test('a collector that throws becomes "collector crashed" for its section only', async (t) => {
  const tooMany = Array.from({ length: 65 }, () => ({ tool: 'status-file', path: '/nonexistent' }) as const);
  const evidence = await collectEvidence({ backupSources: tooMany, sshd: { binary: join(dir, 'no-sshd') } });
  t.same(evidence.backups, { unavailable: 'collector crashed: at most 64 backup sources, got 65' });
  t.match(evidence.mfa, { sshd: { installed: false, settings: null }, pam: { services: [{ service: 'sshd' }, { service: 'sudo' }, { service: 'login' }] } });
  t.notOk('unavailable' in evidence.network, 'other sections still collected');
});

t.test('BackupSourceConfig is strict: unknown fields and unknown tools are refused', async (t) => {
  t.ok(Value.Check(BackupSourceConfig, { tool: 'restic', repository: '/srv/restic', passwordFile: '/etc/vigie/restic.pass' }));
  t.ok(Value.Check(BackupSourceConfig, { tool: 'borg', repository: 'ssh://borg@nas/./repo' }));
  t.notOk(Value.Check(BackupSourceConfig, { tool: 'restic', repository: '/srv/restic', password: 'inline' }));
  t.notOk(Value.Check(BackupSourceConfig, { tool: 'veeam', path: '/x' }));
  t.notOk(Value.Check(BackupSourceConfig, { tool: 'status-file', path: '' }));
});

t.test('macOS: PAM stacks are read but no PAM-based lockout is claimed', async (t) => {
  const evidence = await collectEvidence({ platform: 'darwin', backupSources: [], sshd: { binary: join(dir, 'no-sshd') } });
  t.match(evidence.mfa, { pam: { services: Array } });
  t.notOk('lockout' in (evidence.mfa as object), 'pwpolicy, not PAM, locks macOS accounts');
  t.match(evidence.wifi, { unavailable: /this host: darwin/ });
});
