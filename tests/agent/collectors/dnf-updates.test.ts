// Pending security updates on RPM hosts (dnf 4): the advisory list and each advisory's date, on
// fixtures in dnf's own printed shape (tests/fixtures/dnf, provenance in its README), then through
// the collector with stand-in dnf and rpm binaries on a host without apt-get.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { Value } from 'typebox/value';
import { parseDnfUpdateinfoInfo, parseDnfUpdateinfoList, parseRpmInstallTimes } from '../../../agent/collectors/parse-updates.js';
import { collectSystem } from '../../../agent/collectors/system.js';
import { UpdateState } from '../../../policies/evidence.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/dnf/', import.meta.url));
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

t.test('dnf updateinfo list: advisory, severity, package and version-release.arch', async (t) => {
  const pending = parseDnfUpdateinfoList(`Last metadata expiration check: 0:41:07 ago on lun. 07 déc. 2026 03:12:44.\n${fixture('updateinfo-list-security.txt')}`);
  t.equal(pending.length, 9);
  t.same(pending[0], { advisory: 'RHSA-2026:10412', severity: 'Important/Sec.', package: 'glibc', version: '2.34-125.el9_6.3.x86_64' });
  t.same(pending.find((p) => p.package === 'openssh-server'), { advisory: 'RHSA-2026:11201', severity: 'Critical/Sec.', package: 'openssh-server', version: '8.7p1-45.el9_6.1.x86_64' });
  t.same(parseDnfUpdateinfoList(''), []);
  t.same(parseDnfUpdateinfoList('Error: Cache-only enabled but no cache for \'baseos\'\n'), [], 'an error message is not an advisory');
});

t.test('dnf updateinfo info: "Updated" dates per advisory, in the host local time', async (t) => {
  const advisories = parseDnfUpdateinfoInfo(fixture('updateinfo-info-security.txt'));
  t.same(advisories.map((a) => a.id), ['RHSA-2026:10412', 'RHSA-2026:10977', 'RHSA-2026:11201', 'RHSA-2026:11230', 'RHSA-2026:11231']);
  t.equal(advisories[0]!.issued?.getTime(), new Date('2026-10-02T09:14:27').getTime());
  t.same(parseDnfUpdateinfoInfo('  Update ID : FEDORA-2026-1a2b3c\n     Issued : 2026-11-02 10:00:00Z\n').map((a) => a.issued?.toISOString()), ['2026-11-02T10:00:00.000Z'], 'Issued with a zone');
  // Truncated output: the last advisory lost its date line, so its date is unknown (null), not guessed.
  const cut = fixture('updateinfo-info-security.txt').split('Updated : 2026-09-15')[0]!;
  t.equal(parseDnfUpdateinfoInfo(cut).at(-1)?.issued, null);
  t.same(parseDnfUpdateinfoInfo('    Updated : 2026-10-02 09:14:27\n'), [], 'a date with no advisory is ignored');
  t.equal(parseDnfUpdateinfoInfo('  Update ID : RHSA-1\n    Updated : yesterday\n')[0]?.issued, null, 'an unreadable date is null');
});

t.test('rpm install times: the newest, (none) lines skipped', async (t) => {
  t.equal(parseRpmInstallTimes(fixture('rpm-installtime.txt'))?.toISOString(), new Date(1764925123 * 1000).toISOString());
  t.equal(parseRpmInstallTimes(''), null);
});

t.test('collector: no apt-get, dnf answers from its cache; dates joined per package', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-dnf-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const script = (name: string, body: string) => {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  };
  const dnf = script('dnf', `case "$4" in list) cat '${join(FIXTURES, 'updateinfo-list-security.txt')}';; info) cat '${join(FIXTURES, 'updateinfo-info-security.txt')}';; *) exit 2;; esac`);
  const rpm = script('rpm', `cat '${join(FIXTURES, 'rpm-installtime.txt')}'`);
  const stateDir = join(dir, 'state');
  const evidence = await collectSystem({ unavailable: 'not read in this test' }, { fsRoot: dir, stateDir, binaries: { aptGet: join(dir, 'no-apt-get'), dnf, rpm } });
  const updates = evidence.updates;
  if ('unavailable' in updates) throw new Error(updates.unavailable);
  t.ok(Value.Check(UpdateState, updates), 'valid against the contract');
  t.equal(updates.manager, 'dnf');
  t.equal(updates.pending.length, 8, 'kernel listed under two advisories is one pending package');
  const kernel = updates.pending.find((p) => p.package === 'kernel');
  t.equal(kernel?.published_at, new Date('2026-09-15T10:00:00').toISOString(), 'the older of its two advisories dates it');
  t.equal(updates.pending.find((p) => p.package === 'python3-urllib3')?.published_at, null, 'no date in the info output: null');
  t.ok(updates.pending.every((p) => p.security && p.first_seen_at !== null));
  t.equal(updates.last_install_at, new Date(1764925123 * 1000).toISOString());

  const noDnf = await collectSystem({ unavailable: 'x' }, { fsRoot: dir, binaries: { aptGet: join(dir, 'no-apt-get'), dnf: join(dir, 'no-dnf') } });
  t.same(noDnf.updates, { unavailable: 'neither apt-get nor dnf is installed: pending updates cannot be read' });
  const failing = script('dnf-fail', `echo "Error: Cache-only enabled but no cache for 'baseos'" >&2; exit 1`);
  const noCache = await collectSystem({ unavailable: 'x' }, { fsRoot: dir, binaries: { aptGet: join(dir, 'no-apt-get'), dnf: failing } });
  t.match(noCache.updates, { unavailable: /dnf updateinfo list: .*no cache for 'baseos'/ });
});
