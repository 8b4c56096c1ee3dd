import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Value } from 'typebox/value';
import { BackupEvidence } from '../../../policies/evidence.js';
import { collectBackups, collectSource, displayTarget, type BackupSourceConfig } from '../../../agent/collectors/backup.js';
import { parseBorgList } from '../../../agent/collectors/parse-borg.js';
import { parseResticSnapshots } from '../../../agent/collectors/parse-restic.js';
import { parseStatusFile, STATUS_FILE_FORMAT } from '../../../agent/collectors/parse-status-file.js';
import { stripProxyCredentials, stripUrlCredentials } from '../../../agent/collectors/redact.js';

const dir = mkdtempSync(join(tmpdir(), 'vigie-backup-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const data = join(dir, 'data');
mkdirSync(data);
writeFileSync(join(data, 'dossier.txt'), 'not a real patient\n');

/** Seconds between an ISO time and now. */
const ageSeconds = (iso: string | null) => (iso === null ? Infinity : (Date.now() - Date.parse(iso)) / 1000);

t.test('restic: a snapshot taken now, a missing repository, a wrong password', async (t) => {
  const repo = join(dir, 'restic-repo');
  const passwordFile = join(dir, 'restic-pass');
  writeFileSync(passwordFile, 'correct horse\n');
  const env = { ...process.env, RESTIC_PASSWORD_FILE: passwordFile, RESTIC_CACHE_DIR: join(dir, 'restic-cache') };
  execFileSync('restic', ['-q', 'init', '-r', repo], { env });
  execFileSync('restic', ['-q', '-r', repo, 'backup', data], { env });

  const ok = await collectSource({ tool: 'restic', repository: repo, passwordFile });
  t.match(ok, { tool: 'restic', target: repo, snapshot_count: 1 });
  if (!('last_success_at' in ok)) throw new Error(JSON.stringify(ok));
  t.ok(ageSeconds(ok.last_success_at) >= 0 && ageSeconds(ok.last_success_at) < 120, `snapshot is seconds old (${ok.last_success_at})`);
  t.match(ok.last_success_at, /Z$/, 'UTC ISO');

  const missing = await collectSource({ tool: 'restic', repository: join(dir, 'no-such-repo'), passwordFile });
  t.match(missing, { tool: 'restic', unavailable: /restic snapshots failed \(exit 1\): .*unable to open config file/ });

  const wrongFile = join(dir, 'wrong-pass');
  writeFileSync(wrongFile, 'wrong\n');
  const wrong = await collectSource({ tool: 'restic', repository: repo, passwordFile: wrongFile });
  t.match(wrong, { tool: 'restic', unavailable: /wrong password/ });

  const notInstalled = await collectSource({ tool: 'restic', repository: repo }, { binaries: { restic: join(dir, 'no-restic') } });
  t.match(notInstalled, { unavailable: /not installed/ });
});

t.test('borg: an archive created now is reported with its UTC time', async (t) => {
  const repo = join(dir, 'borg-repo');
  const passphraseFile = join(dir, 'borg-pass');
  writeFileSync(passphraseFile, 'borg secret\n');
  // A zone far from UTC for the test's own borg calls: the collector must still read UTC.
  const env = { ...process.env, BORG_BASE_DIR: join(dir, 'borg-base'), BORG_PASSPHRASE: 'borg secret', TZ: 'Pacific/Kiritimati' };
  execFileSync('borg', ['init', '--encryption=repokey', repo], { env, stdio: 'ignore' });
  const before = Date.now();
  execFileSync('borg', ['create', `${repo}::first`, data], { env });

  const collectorEnv: NodeJS.ProcessEnv = { ...process.env, BORG_BASE_DIR: join(dir, 'borg-base'), TZ: 'Pacific/Kiritimati' };
  delete collectorEnv.BORG_PASSPHRASE;
  const ok = await collectSource({ tool: 'borg', repository: repo, passphraseFile }, { env: collectorEnv });
  t.match(ok, { tool: 'borg', target: repo, snapshot_count: 1 });
  if (!('last_success_at' in ok) || ok.last_success_at === null) throw new Error(JSON.stringify(ok));
  // borg keeps whole seconds: the archive time is within [before - 1 s, now].
  const at = Date.parse(ok.last_success_at);
  t.ok(at >= before - 1000 && at <= Date.now(), `archive time ${ok.last_success_at} is now, in UTC (a 14 h zone error would show)`);

  const wrongFile = join(dir, 'borg-wrong');
  writeFileSync(wrongFile, 'nope\n');
  const wrong = await collectSource({ tool: 'borg', repository: repo, passphraseFile: wrongFile }, { env: collectorEnv });
  t.match(wrong, { tool: 'borg', unavailable: /passphrase .* is incorrect/ });

  const missing = await collectSource({ tool: 'borg', repository: join(dir, 'no-borg'), passphraseFile }, { env: collectorEnv });
  t.match(missing, { tool: 'borg', unavailable: /does not exist/ });

  const missingPassFile = await collectSource({ tool: 'borg', repository: repo, passphraseFile: join(dir, 'none') }, { env: collectorEnv });
  t.match(missingPassFile, { unavailable: /cannot read passphrase file .*: no such file/ });
});

t.test('status file: valid, malformed, oversized, zone-less, future, missing', async (t) => {
  const path = join(dir, 'status.json');
  const now = new Date();
  const valid = {
    format: STATUS_FILE_FORMAT,
    tool_name: 'pg_dump to nas01',
    target: 'sftp://backup:hunter2@nas01.chu.local/dpi',
    last_success_at: new Date(now.getTime() - 3600_000).toISOString().replace('Z', '+00:00'),
    snapshot_count: 14,
  };
  writeFileSync(path, JSON.stringify(valid));
  t.same(await collectSource({ tool: 'status-file', path }), {
    tool: 'status-file',
    target: 'sftp://backup@nas01.chu.local/dpi (pg_dump to nas01)',
    last_success_at: new Date(now.getTime() - 3600_000).toISOString(),
    snapshot_count: 14,
  });

  const cases: Array<[string, string, RegExp]> = [
    ['malformed', '{"format": "vigie-backup-status/1", ', /not valid JSON/],
    ['oversized', JSON.stringify({ ...valid, tool_name: 'x'.repeat(70_000) }), /larger than 65536 bytes/],
    ['unknown field', JSON.stringify({ ...valid, password: 'x' }), /does not match vigie-backup-status\/1/],
    ['zone-less', JSON.stringify({ ...valid, last_success_at: '2026-11-22T02:00:00' }), /not an RFC 3339 time with a zone/],
    ['future', JSON.stringify({ ...valid, last_success_at: new Date(now.getTime() + 3600_000).toISOString() }), /in the future/],
  ];
  for (const [name, text, reason] of cases) {
    writeFileSync(path, text);
    t.match(await collectSource({ tool: 'status-file', path }), { tool: 'status-file', target: path, unavailable: reason }, name);
  }
  t.match(await collectSource({ tool: 'status-file', path: join(dir, 'absent.json') }), { unavailable: /no such file/ });
  writeFileSync(path, JSON.stringify({ ...valid, last_success_at: null, snapshot_count: undefined }));
  t.match(await collectSource({ tool: 'status-file', path }), { last_success_at: null, snapshot_count: 0 }, 'no success yet');
});

t.test('status files declare offline copies and restore tests (BKP-02, BKP-04), times in UTC', async (t) => {
  const now = new Date('2026-11-22T12:00:00Z');
  const base = { format: STATUS_FILE_FORMAT, tool_name: 'tape job', target: 'LTO library', last_success_at: '2026-11-21T23:00:00+01:00' };
  const a = join(dir, 'declared-a.json');
  const b = join(dir, 'declared-b.json');
  writeFileSync(
    a,
    JSON.stringify({
      ...base,
      offline_copies: [
        { kind: 'offline', target: 'LTO set B', location: 'Bâtiment C', last_copy_at: '2026-11-20T18:00:00+01:00', media_connected: false, retention_days: null },
        { kind: 'immutable', target: 's3:https://key:secret@s3.hds.example/bucket', location: null, last_copy_at: null, media_connected: null, retention_days: 30 },
      ],
    }),
  );
  writeFileSync(b, JSON.stringify({ ...base, restore_tests: [{ tested_at: '2026-10-02T10:00:00Z', scope: 'DPI database', result: 'success', record: 'TICKET-4521' }] }));
  const evidence = await collectBackups([{ tool: 'status-file', path: a }, { tool: 'status-file', path: b }], { now: () => now });
  t.ok(Value.Check(BackupEvidence, evidence), JSON.stringify([...Value.Errors(BackupEvidence, evidence)].slice(0, 2)));
  t.same(evidence.offline_copies, [
    { kind: 'offline', target: 'LTO set B', location: 'Bâtiment C', last_copy_at: '2026-11-20T17:00:00.000Z', media_connected: false, retention_days: null },
    { kind: 'immutable', target: 's3:https://key@s3.hds.example/bucket', location: null, last_copy_at: null, media_connected: null, retention_days: 30 },
  ]);
  t.same(evidence.restore_tests, [{ tested_at: '2026-10-02T10:00:00.000Z', scope: 'DPI database', result: 'success', record: 'TICKET-4521' }]);

  t.match(evidence.monitoring, { unavailable: `backup monitoring not declared: the backup status file (${a}, ${b}) has no "monitoring"` }, 'one field declared does not make the others');

  // Nothing declared: unavailable saying what is not configured (never an empty, reassuring list).
  const plain = join(dir, 'plain.json');
  writeFileSync(plain, JSON.stringify(base));
  const none = await collectBackups([{ tool: 'status-file', path: plain }], { now: () => now });
  t.same(none.offline_copies, { unavailable: `offline or immutable copies not declared: the backup status file (${plain}) has no "offline_copies"` });
  t.same(none.restore_tests, { unavailable: `restore tests not declared: the backup status file (${plain}) has no "restore_tests"` });
  const noFile = await collectBackups([], { now: () => now });
  for (const field of ['offline_copies', 'repositories', 'restore_tests', 'console', 'monitoring', 'destinations', 'removable_targets'] as const) {
    t.match(noFile[field], { unavailable: /not declared: no backup status file \(vigie-backup-status\/1\) is configured in the agent config/ }, field);
  }
  t.ok(Value.Check(BackupEvidence, noFile));
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{"format":');
  t.match((await collectBackups([{ tool: 'status-file', path: broken }], { now: () => now })).console, { unavailable: /a backup status file could not be read/ });

  // A declared time in the future or without a zone makes the whole file untrustworthy.
  writeFileSync(plain, JSON.stringify({ ...base, restore_tests: [{ tested_at: '2026-12-01T10:00:00Z', scope: 'x', result: 'success', record: null }] }));
  t.match(await collectSource({ tool: 'status-file', path: plain }, { now: () => now }), { unavailable: /restore_tests\[0\]\.tested_at .* is in the future/ });
  writeFileSync(plain, JSON.stringify({ ...base, offline_copies: [{ kind: 'offline', target: 't', location: null, last_copy_at: '2026-11-20 10:00', media_connected: true, retention_days: null }] }));
  t.match(await collectSource({ tool: 'status-file', path: plain }, { now: () => now }), { unavailable: /does not match vigie-backup-status\/1 \(\/offline_copies\/0\/last_copy_at: must match format "date-time"\)/ });
});

t.test('collectBackups keeps order, validates against the contract, bounds the source count', async (t) => {
  const sources: BackupSourceConfig[] = [
    { tool: 'status-file', path: join(dir, 'absent.json') },
    { tool: 'restic', repository: 'rest:https://user:pa55@127.0.0.1:1/repo', passwordFile: join(dir, 'absent') },
  ];
  const evidence = await collectBackups(sources);
  t.ok(Value.Check(BackupEvidence, evidence));
  t.equal(evidence.sources.length, 2);
  t.equal(evidence.sources[1]?.target, 'rest:https://user@127.0.0.1:1/repo');
  t.notMatch(JSON.stringify(evidence), /pa55/, 'no password anywhere, reasons included');
  await t.rejects(collectBackups(Array.from({ length: 65 }, () => sources[0] as BackupSourceConfig)), /at most 64/);
});

t.test('parsers on captured outputs', async (t) => {
  const now = new Date('2026-11-22T15:00:00Z');
  const restic =
    '[{"time":"2026-11-22T14:09:25.467254877+01:00","tree":"d0e8","paths":["/srv"],"hostname":"vm","username":"root","id":"73","short_id":"73"},' +
    '{"time":"2026-11-21T02:00:00Z","paths":["/srv"],"hostname":"vm","id":"74"}]';
  t.same(parseResticSnapshots(restic, now), {
    last_success_at: '2026-11-22T13:09:25.467Z',
    snapshot_count: 2,
    hosts: new Map([['vm', { last_snapshot_at: '2026-11-22T13:09:25.467Z', snapshot_count: 2 }]]),
  });
  t.same(parseResticSnapshots('null', now), { last_success_at: null, snapshot_count: 0 });
  t.same(parseResticSnapshots('[]', now), { last_success_at: null, snapshot_count: 0, hosts: new Map() });
  t.throws(() => parseResticSnapshots('[{"time":"2026-11-22 14:09"}]', now), /no valid zoned "time"/);
  t.throws(() => parseResticSnapshots('{"a":1}', now), /not a JSON array/);
  t.throws(() => parseResticSnapshots('[{"time":"2026-11-23T14:09:25Z"}]', now), /in the future/);

  const borg = JSON.stringify({
    archives: [
      { name: 'a1', start: '2026-11-22T14:09:30.000000', time: '2026-11-22T14:09:30.000000' },
      { name: 'a2.checkpoint', start: '2026-11-22T14:30:00.000000', time: '2026-11-22T14:30:00.000000' },
      { name: 'a0', start: '2026-11-20T01:00:00.000000', time: '2026-11-20T01:00:00.000000' },
    ],
    repository: { location: '/srv/borg' },
  });
  t.same(parseBorgList(borg, now), { last_success_at: '2026-11-22T14:09:30.000Z', snapshot_count: 2, hosts: new Map() }, 'checkpoints are not successes');
  const borgHosts = JSON.stringify({
    archives: [
      { name: 'pacs-1', start: '2026-11-22T01:00:00.000000', hostname: 'srv-pacs' },
      { name: 'pacs-2', start: '2026-11-22T02:00:00.000000', hostname: 'srv-pacs' },
      { name: 'pacs-3.checkpoint', start: '2026-11-22T03:00:00.000000', hostname: 'srv-pacs' },
    ],
  });
  t.same(parseBorgList(borgHosts, now).hosts, new Map([['srv-pacs', { last_snapshot_at: '2026-11-22T02:00:00.000Z', snapshot_count: 2 }]]), 'per host, checkpoints left out');
  t.same(parseBorgList('{"archives":[]}', now), { last_success_at: null, snapshot_count: 0, hosts: new Map() });
  t.throws(() => parseBorgList('{"repository":{}}', now), /no "archives" array/);
  t.throws(() => parseBorgList('{"archives":[{"name":"x"}]}', now), /no valid "start" time/);
  t.throws(() => parseBorgList('not json', now), /not JSON/);
  t.throws(() => parseStatusFile('[]', now), /does not match/);
});

t.test('credentials are removed from targets, user names kept', async (t) => {
  t.equal(stripUrlCredentials('rest:https://user:pass@backup.chu.local:8000/host1', true), 'rest:https://user@backup.chu.local:8000/host1');
  t.equal(stripUrlCredentials('rest:https://user:pass@backup.chu.local:8000/host1'), 'rest:https://backup.chu.local:8000/host1');
  t.equal(stripUrlCredentials('ssh://borg@nas:22/./repo', true), 'ssh://borg@nas:22/./repo');
  t.equal(stripUrlCredentials('sftp:backup@nas:/srv/restic', true), 'sftp:backup@nas:/srv/restic', 'scp-like forms carry no password');
  t.equal(stripUrlCredentials('s3:https://s3.example/bucket'), 's3:https://s3.example/bucket');
  t.equal(stripUrlCredentials('https://a:b@host/p@q'), 'https://host/p@q', 'an @ in the path is not userinfo');
  t.equal(stripProxyCredentials('u:p@proxy:3128'), 'proxy:3128');
  t.equal(displayTarget({ tool: 'borg', repository: 'ssh://borg:pw@nas/./repo' }), 'ssh://borg@nas/./repo');
});

t.test('a backup server reports the hosts its repositories hold (restic hostname, borg {hostname})', async (t) => {
  const repo = join(dir, 'restic-fleet');
  const passwordFile = join(dir, 'restic-fleet-pass');
  writeFileSync(passwordFile, 'fleet pass\n');
  const env = { ...process.env, RESTIC_PASSWORD_FILE: passwordFile, RESTIC_CACHE_DIR: join(dir, 'restic-cache') };
  execFileSync('restic', ['-q', 'init', '-r', repo], { env });
  for (const host of ['srv-dpi.chu.local', 'srv-dpi.chu.local', 'pc-accueil']) execFileSync('restic', ['-q', '-r', repo, 'backup', '--host', host, data], { env });

  const borgRepo = join(dir, 'borg-fleet');
  const borgEnv = { ...process.env, BORG_BASE_DIR: join(dir, 'borg-base'), BORG_PASSPHRASE: 'borg fleet' };
  execFileSync('borg', ['init', '--encryption=repokey', borgRepo], { env: borgEnv, stdio: 'ignore' });
  execFileSync('borg', ['create', `${borgRepo}::one`, data], { env: borgEnv });
  const passphraseFile = join(dir, 'borg-fleet-pass');
  writeFileSync(passphraseFile, 'borg fleet\n');

  const evidence = await collectBackups(
    [
      { tool: 'restic', repository: repo, passwordFile, reportHostsCovered: true },
      { tool: 'borg', repository: borgRepo, passphraseFile, reportHostsCovered: true },
      // A source not asked to report hosts adds none.
      { tool: 'restic', repository: repo, passwordFile },
    ],
    { env: { ...process.env, BORG_BASE_DIR: join(dir, 'borg-base'), RESTIC_CACHE_DIR: join(dir, 'restic-cache') } },
  );
  t.ok(Value.Check(BackupEvidence, evidence), 'valid against the contract');
  const covered = evidence.hosts_covered;
  if (covered === undefined || 'unavailable' in covered) throw new Error(JSON.stringify(evidence));
  const byName = (tool: string) => Object.fromEntries(covered.filter((c) => c.tool === tool).map((c) => [c.hostname, c.snapshot_count]));
  t.same(byName('restic'), { 'srv-dpi.chu.local': 2, 'pc-accueil': 1 });
  // borg records the name of the machine that made the archive: this one.
  const thisHost = execFileSync('hostname').toString().trim();
  t.same(byName('borg'), { [thisHost]: 1 }, 'borg names the host each archive was made on');
  for (const c of covered) t.ok(ageSeconds(c.last_snapshot_at) >= 0 && ageSeconds(c.last_snapshot_at) < 300, `${c.hostname}: recent UTC time`);

  const plain = await collectBackups([{ tool: 'restic', repository: repo, passwordFile }]);
  t.equal(plain.hosts_covered, undefined, 'an ordinary host reports no coverage');
});
