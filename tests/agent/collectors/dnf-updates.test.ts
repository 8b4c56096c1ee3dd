// Pending security updates on RPM hosts (dnf 4): the advisory list and each advisory's date, on
// fixtures in dnf's own printed shape (tests/fixtures/dnf, provenance in its README), then through
// the collector with stand-in dnf and rpm binaries on a host without apt-get.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { Value } from 'typebox/value';
import { parseDnf5AdvisoryList, parseDnfUpdateinfoInfo, parseDnfUpdateinfoList, parseRpmInstallTimes } from '../../../agent/collectors/parse-updates.js';
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
  const evidence = await collectSystem({ unavailable: 'not read in this test' }, { fsRoot: dir, stateDir, binaries: { aptGet: join(dir, 'no-apt-get'), dnf5: join(dir, 'no-dnf5'), dnf, rpm } });
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

  const noDnf = await collectSystem({ unavailable: 'x' }, { fsRoot: dir, binaries: { aptGet: join(dir, 'no-apt-get'), dnf5: join(dir, 'no-dnf5'), dnf: join(dir, 'no-dnf') } });
  t.same(noDnf.updates, { unavailable: 'neither apt-get nor dnf is installed: pending updates cannot be read' });
  const failing = script('dnf-fail', `echo "Error: Cache-only enabled but no cache for 'baseos'" >&2; exit 1`);
  const noCache = await collectSystem({ unavailable: 'x' }, { fsRoot: dir, binaries: { aptGet: join(dir, 'no-apt-get'), dnf5: join(dir, 'no-dnf5'), dnf: failing } });
  t.match(noCache.updates, { unavailable: /dnf updateinfo list: .*no cache for 'baseos'/ });
});

t.test('dnf5: advisory list --json, dates in UTC, non-security entries ignored, malformed refused', async (t) => {
  const advisories = parseDnf5AdvisoryList(fixture('dnf5-advisory-list-security.json'));
  t.same(advisories.map((a) => [a.advisory, a.package, a.version, a.issued?.toISOString()]), [
    ['FEDORA-2026-4c1d7e2a90', 'openssl-libs', '1:3.2.4-3.fc42.x86_64', '2026-11-18T14:02:31.000Z'],
    ['FEDORA-2026-4c1d7e2a90', 'openssl', '1:3.2.4-3.fc42.x86_64', '2026-11-18T14:02:31.000Z'],
    ['FEDORA-2026-b81f0c3d55', 'curl', '8.11.1-5.fc42.x86_64', '2026-10-29T08:45:10.000Z'],
    ['FEDORA-2026-0a9e61f7c2', 'sudo', '1.9.15-8.p5.fc42.x86_64', '2026-09-30T21:17:44.000Z'],
  ]);
  t.equal(advisories[3]!.severity, 'None', 'an empty severity is said so');
  t.same(parseDnf5AdvisoryList('[]'), []);
  t.same(parseDnf5AdvisoryList('[{"name":"FEDORA-2026-1","type":"bugfix","severity":"","nevra":"bash-5.2.37-1.fc42.x86_64","buildtime":"2026-11-01 10:00:00"}]'), [], 'a bugfix advisory is not a security update');
  t.equal(parseDnf5AdvisoryList('[{"name":"F-1","type":"security","severity":"Low","nevra":"a-1-1.x86_64","buildtime":"unrepresentable"}]')[0]?.issued, null, 'an unreadable date is null');
  // dnf5 >= 5.3.0 prints buildtime as UNIX seconds (commit 6168b1de9): the same instants.
  const integers = parseDnf5AdvisoryList(fixture('dnf5-5.3-advisory-list-security.json'));
  t.same(integers.map((a) => [a.advisory, a.package, a.issued?.toISOString()]), [
    ['FEDORA-2026-4c1d7e2a90', 'openssl-libs', '2026-11-18T14:02:31.000Z'],
    ['FEDORA-2026-4c1d7e2a90', 'openssl', '2026-11-18T14:02:31.000Z'],
    ['FEDORA-2026-b81f0c3d55', 'curl', '2026-10-29T08:45:10.000Z'],
    ['FEDORA-2026-0a9e61f7c2', 'sudo', '2026-09-30T21:17:44.000Z'],
  ]);
  const one = (buildtime: string) => parseDnf5AdvisoryList(`[{"name":"F-1","type":"security","severity":"Low","nevra":"a-1-1.x86_64","buildtime":${buildtime}}]`)[0]?.issued ?? null;
  t.equal(one('0'), null, 'buildtime 0 (no date in updateinfo) is no date, not 1970');
  t.equal(one('-5'), null, 'a negative buildtime is no date');
  t.equal(one('1795010551.5'), null, 'a fractional buildtime is not dnf5 output');
  t.equal(one('"1795010551"'), null, 'digits in a string are neither shape');
  t.equal(one('"2026-11-18T14:02:31Z"'), null, 'an ISO string is neither shape');
  t.equal(one('1'), null, 'a 1970 date is no real advisory date');
  const text = fixture('dnf5-advisory-list-security.json');
  t.throws(() => parseDnf5AdvisoryList(text.slice(0, Math.floor(text.length * 0.6))), /not JSON \(truncated output\?\)/);
  t.throws(() => parseDnf5AdvisoryList('{"name":"x"}'), /not a JSON array/);
  t.throws(() => parseDnf5AdvisoryList('[{"name":"x","type":"security"}]'), /unexpected entry/);
});

t.test('collector: dnf5 answers first, with the dates in the same call; dnf5 failing is unavailable', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-dnf5-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const script = (name: string, body: string) => {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  };
  const dnf5 = script('dnf5', `[ "$*" = "-q -C advisory list --security --updates --json" ] && exec cat '${join(FIXTURES, 'dnf5-advisory-list-security.json')}'; echo "Unknown argument" >&2; exit 2`);
  const rpm = script('rpm', `cat '${join(FIXTURES, 'rpm-installtime.txt')}'`);
  const dnf4 = script('dnf', 'echo "dnf 4 must not be asked when dnf5 answers" >&2; exit 3');
  const evidence = await collectSystem({ unavailable: 'not read in this test' }, { fsRoot: dir, binaries: { aptGet: join(dir, 'no-apt-get'), dnf5, dnf: dnf4, rpm } });
  const updates = evidence.updates;
  if ('unavailable' in updates) throw new Error(updates.unavailable);
  t.ok(Value.Check(UpdateState, updates));
  t.same(updates.pending.map((p) => [p.package, p.published_at]), [
    ['openssl-libs', '2026-11-18T14:02:31.000Z'],
    ['openssl', '2026-11-18T14:02:31.000Z'],
    ['curl', '2026-10-29T08:45:10.000Z'],
    ['sudo', '2026-09-30T21:17:44.000Z'],
  ]);
  t.equal(updates.manager, 'dnf');
  const broken = script('dnf5-broken', 'echo "Cache-only enabled but no cache for repository fedora" >&2; exit 1');
  const failed = await collectSystem({ unavailable: 'x' }, { fsRoot: dir, binaries: { aptGet: join(dir, 'no-apt-get'), dnf5: broken, dnf: dnf4, rpm } });
  t.match(failed.updates, { unavailable: /^dnf5 advisory list: .*Cache-only enabled but no cache/ });
});
