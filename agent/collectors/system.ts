// The `system` section on Linux: OS product and version (INV-02), time sync (LOG-01), log
// forwarding (LOG-01, TMA-04), pending updates (INV-03), disk encryption (ENC-01) and VPN client
// profiles (NET-09). Privileges: `apt-get -s` and `chronyc` need none (chronyc talks to chronyd's
// socket; the unit's user must be in the _chrony group, or chronyd must allow cmdport 323 from
// localhost); `cryptsetup status` reads device-mapper tables (CAP_SYS_ADMIN): without it the
// LUKS cipher is null but the mapping is still seen in lsblk.
import { join } from 'node:path';
import type { EncryptedVolume, LogForwardTarget, OsProduct, SystemEvidence, TimeSync, Unavailable, UpdateState, VpnProfile } from '../../policies/evidence.js';
import { parseChronySources, parseChronyTracking } from './parse-chronyc.js';
import { parseJournalUploadConf, parseJournalUploadState, parseRsyslogConf, parseSyslogNgConf } from './parse-log-forwarding.js';
import { mountedVolumes, parseCryptsetupStatus, parseLsblk } from './parse-lsblk.js';
import { parseOsRelease } from './parse-os-release.js';
import { parseAptHistoryLastInstall, parseAptSimulate, parseDnf5AdvisoryList, parseDnfUpdateinfoInfo, parseDnfUpdateinfoList, parseReleaseDate, parseRpmInstallTimes } from './parse-updates.js';
import { bounded } from './redact.js';
import { listDir, messageOf, readOptional, runTool } from './tool.js';
import type { VpnState } from './vpn.js';
import { readUpdatesSeen, writeUpdatesSeen } from './updates-seen.js';

export interface SystemCollectOptions {
  fsRoot?: string;
  /** chronyd's command socket (`chronyc -h`); default: chronyc's own default. */
  chronySocket?: string;
  /** rsyslog impstats file (JSON format) from which the last shipped event is read. */
  rsyslogStatsFile?: string;
  /** The agent's state directory: first-seen dates of pending updates are kept there. */
  stateDir?: string;
  binaries?: { chronyc?: string; aptGet?: string; dnf?: string; dnf5?: string; rpm?: string; lsblk?: string; cryptsetup?: string; journalctl?: string };
  now?: () => Date;
}

export async function collectSystem(vpns: VpnState[] | Unavailable, options: SystemCollectOptions = {}): Promise<SystemEvidence> {
  const root = options.fsRoot ?? '/';
  const [os, time_sync, log_forwarding, updates, disk_encryption] = await Promise.all([
    guard(() => collectOs(root)),
    guard(() => collectTimeSync(options)),
    guard(() => collectLogForwarding(options)),
    guard(() => collectUpdates(options)),
    guard(() => collectDiskEncryption(options)),
  ]);
  return { os, time_sync, log_forwarding, updates, disk_encryption, vpn_profiles: vpnProfiles(vpns) };
}

async function guard<T>(f: () => Promise<T | Unavailable>): Promise<T | Unavailable> {
  try {
    return await f();
  } catch (error) {
    return { unavailable: messageOf(error) };
  }
}

async function collectOs(root: string): Promise<OsProduct | Unavailable> {
  const text = (await readOptional(root, 'etc/os-release')) ?? (await readOptional(root, 'usr/lib/os-release'));
  if (text === null) return { unavailable: 'no /etc/os-release or /usr/lib/os-release' };
  const os = parseOsRelease(text);
  return { product: os.product, version: os.version, build: null, edition: null, source: bounded(`/etc/os-release (${os.pretty ?? os.product})`, 200) };
}

async function collectTimeSync(options: SystemCollectOptions): Promise<TimeSync | Unavailable> {
  const chronyc = options.binaries?.chronyc ?? 'chronyc';
  const host = options.chronySocket ? ['-h', options.chronySocket] : [];
  const tracking = await runTool(chronyc, [...host, '-n', '-c', 'tracking']);
  if ('missing' in tracking) {
    // No chrony: systemd-timesyncd answers through timedated on D-Bus.
    const td = await runTool('timedatectl', ['show', '-p', 'NTPSynchronized', '-p', 'NTP']);
    if ('stdout' in td) {
      return { unavailable: `chrony is not installed; timedatectl says ${td.stdout.trim().replace(/\n/g, ', ')} but gives no offset or source` };
    }
    return { unavailable: 'no time synchronisation daemon could be asked (chronyc not installed, timedatectl unavailable)' };
  }
  if ('error' in tracking) return { unavailable: `chronyc tracking: ${tracking.error}` };
  if (/Cannot talk to daemon|506/.test(tracking.stdout)) return { unavailable: 'chronyd is not running (chronyc cannot talk to it)' };
  const t = parseChronyTracking(tracking.stdout);
  const sources = await runTool(chronyc, [...host, '-n', '-c', 'sources']);
  const list = 'stdout' in sources ? parseChronySources(sources.stdout) : [];
  return {
    daemon: 'chrony',
    synchronized: t.synchronized,
    configured_sources: list.map((s) => bounded(s.name, 253)).slice(0, 32),
    current_source: t.reference ? bounded(t.reference, 253) : null,
    offset_seconds: t.synchronized ? t.offset_seconds : null,
  };
}

async function collectLogForwarding(options: SystemCollectOptions): Promise<LogForwardTarget[] | Unavailable> {
  const root = options.fsRoot ?? '/';
  const targets: LogForwardTarget[] = [];
  const rsyslogFiles = ['etc/rsyslog.conf', ...(await listDir(root, 'etc/rsyslog.d', (n) => n.endsWith('.conf'))).map((f) => `etc/rsyslog.d/${f}`)];
  const rsyslogShipped = options.rsyslogStatsFile ? await rsyslogLastShipped(options.rsyslogStatsFile) : null;
  for (const file of rsyslogFiles) {
    const text = await readOptional(root, file);
    if (text === null) continue;
    for (const t of parseRsyslogConf(text)) {
      targets.push({
        ...t,
        last_shipped_at: rsyslogShipped && 'at' in rsyslogShipped ? rsyslogShipped.at : null,
        last_shipped_unavailable:
          rsyslogShipped === null
            ? 'rsyslog keeps no record of deliveries unless impstats is enabled (agent option rsyslog_stats_file)'
            : 'at' in rsyslogShipped
              ? null
              : rsyslogShipped.unavailable,
      });
    }
  }
  const ngFiles = ['etc/syslog-ng/syslog-ng.conf', ...(await listDir(root, 'etc/syslog-ng/conf.d', (n) => n.endsWith('.conf'))).map((f) => `etc/syslog-ng/conf.d/${f}`)];
  for (const file of ngFiles) {
    const text = await readOptional(root, file);
    if (text === null) continue;
    for (const t of parseSyslogNgConf(text)) targets.push({ ...t, last_shipped_at: null, last_shipped_unavailable: 'syslog-ng keeps no record of the last delivered event readable by the agent' });
  }
  const upload = await readOptional(root, 'etc/systemd/journal-upload.conf');
  const target = upload === null ? null : parseJournalUploadConf(upload);
  if (target) {
    const shipped = await journalUploadLastShipped(root, options);
    targets.push({ ...target, last_shipped_at: 'at' in shipped ? shipped.at : null, last_shipped_unavailable: 'at' in shipped ? null : shipped.unavailable });
  }
  return targets.slice(0, 16);
}

/** rsyslog impstats (JSON) file: the last delivery it proves, read from its last 4 MiB. */
async function rsyslogLastShipped(path: string): Promise<{ at: string } | Unavailable> {
  const { readFile } = await import('node:fs/promises');
  let text: string;
  try {
    const data = await readFile(path);
    text = data.subarray(Math.max(0, data.length - 4 * 1024 * 1024)).toString('utf8');
  } catch (error) {
    return { unavailable: `rsyslog stats file unreadable: ${messageOf(error)}` };
  }
  return rsyslogLastDelivery(text);
}

/**
 * The time of the latest impstats record proving a delivery: an omfwd record ("TCP-host-port",
 * origin "omfwd") whose `bytes.sent` grew since its previous record, or an omrelp action whose
 * `processed` grew while its `failed` did not. The omfwd action's own `processed` is NOT proof:
 * measured with rsyslog 8.2302 and its collector down, it counts the messages it failed to send
 * (tests/fixtures/rsyslog/impstats-collector-down.txt: processed 1, failed 1, bytes.sent 0).
 */
export function rsyslogLastDelivery(text: string): { at: string } | Unavailable {
  const previous = new Map<string, { sent: number; processed: number; failed: number }>();
  let last: string | null = null;
  let forwarders = 0;
  for (const line of text.split('\n')) {
    const brace = line.indexOf('{');
    if (brace < 0) continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line.slice(brace)) as Record<string, unknown>;
    } catch {
      continue;
    }
    const name = typeof record.name === 'string' ? record.name : null;
    if (name === null) continue;
    const omfwd = record.origin === 'omfwd' && typeof record['bytes.sent'] === 'number';
    const omrelp = record.origin === 'core.action' && /omrelp/i.test(name) && typeof record.processed === 'number' && typeof record.failed === 'number';
    if (!omfwd && !omrelp) continue;
    forwarders += 1;
    const now = { sent: omfwd ? (record['bytes.sent'] as number) : 0, processed: omrelp ? (record.processed as number) : 0, failed: omrelp ? (record.failed as number) : 0 };
    const before = previous.get(name);
    const delivered = before !== undefined && (omfwd ? now.sent > before.sent : now.processed > before.processed && now.failed === before.failed);
    const when = impstatsTime(line.slice(0, brace));
    if (delivered && when) last = when;
    previous.set(name, now);
  }
  if (last) return { at: last };
  return { unavailable: forwarders === 0 ? 'rsyslog stats show no forwarding action (omfwd, omrelp)' : 'rsyslog stats show no delivery by a forwarding action (nothing sent, or the collector refused it)' };
}

/** impstats log.file lines start with a ctime-like date: "Mon Dec  7 00:10:00 2026: ..." (local time). */
function impstatsTime(prefix: string): string | null {
  const m = /(\w{3})\s+(\w{3})\s+(\d{1,2})\s+(\d{2}:\d{2}:\d{2})\s+(\d{4})/.exec(prefix) ?? null;
  if (m) {
    const d = new Date(`${m[2]} ${m[3]} ${m[5]} ${m[4]}`);
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }
  const iso = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)/.exec(prefix)?.[0];
  return iso ? new Date(iso).toISOString() : null;
}

async function journalUploadLastShipped(root: string, options: SystemCollectOptions): Promise<{ at: string } | Unavailable> {
  const state = await readOptional(root, 'var/lib/systemd/journal-upload/state');
  if (state === null) return { unavailable: 'systemd-journal-upload has no state file yet: nothing shipped' };
  const cursor = parseJournalUploadState(state);
  if (!cursor) return { unavailable: 'journal-upload state file has no LAST_CURSOR' };
  const run = await runTool(options.binaries?.journalctl ?? 'journalctl', ['--cursor', cursor, '-n', '1', '-o', 'json', '--no-pager']);
  if (!('stdout' in run)) return { unavailable: `journalctl: ${'error' in run ? run.error : run.reason}` };
  const first = run.stdout.split('\n').find((l) => l.startsWith('{'));
  const usec = first ? (JSON.parse(first) as { __REALTIME_TIMESTAMP?: string }).__REALTIME_TIMESTAMP : undefined;
  if (!usec || !/^\d+$/.test(usec)) return { unavailable: 'the last uploaded journal entry was not found' };
  return { at: new Date(Number(BigInt(usec) / 1000n)).toISOString() };
}

const MAX_PENDING = 2000;

async function collectUpdates(options: SystemCollectOptions): Promise<UpdateState | Unavailable> {
  const root = options.fsRoot ?? '/';
  const now = (options.now ?? (() => new Date()))();
  const pendingRun = await aptPending(root, options);
  if ('noApt' in pendingRun) return collectDnfUpdates(options, now);
  if ('unavailable' in pendingRun) return pendingRun;
  const pending = pendingRun.pending;
  let indexDate: Date | null = null;
  for (const f of await listDir(root, 'var/lib/apt/lists', (n) => n.endsWith('Release'))) {
    const text = await readOptional(root, `var/lib/apt/lists/${f}`).catch(() => null);
    const d = text ? parseReleaseDate(text) : null;
    if (d && (!indexDate || d > indexDate)) indexDate = d;
  }
  const history = await readOptional(root, 'var/log/apt/history.log').catch(() => null);
  const lastInstall = history ? parseAptHistoryLastInstall(history) : null;
  // Debian and Ubuntu archives publish no date per update: the agent remembers when it first saw each one.
  const seen = options.stateDir ? readUpdatesSeen(options.stateDir) : new Map<string, string>();
  const current = new Map<string, string>();
  const list = pending.slice(0, MAX_PENDING).map((p) => {
    const key = `${p.package} ${p.version}`;
    const first = seen.get(key) ?? now.toISOString();
    current.set(key, first);
    return { package: bounded(p.package, 128), version: bounded(p.version, 128), security: p.security, published_at: null, first_seen_at: options.stateDir ? first : null };
  });
  if (options.stateDir) writeUpdatesSeen(options.stateDir, current);
  return {
    manager: 'apt',
    pending: list,
    complete: pending.length <= MAX_PENDING,
    last_install_at: lastInstall ? lastInstall.toISOString() : null,
    index_date: indexDate ? indexDate.toISOString() : null,
  };
}

/**
 * `apt-get -s upgrade` resolves dependencies (seconds of CPU): its answer is kept while neither
 * the package database nor the indexes change (their modification times), in memory and in the
 * state directory.
 */
let aptMemo: { key: string; pending: ReturnType<typeof parseAptSimulate> } | null = null;

async function aptPending(root: string, options: SystemCollectOptions): Promise<{ pending: ReturnType<typeof parseAptSimulate> } | Unavailable | { noApt: true }> {
  const { stat, readFile, writeFile, rename, rm } = await import('node:fs/promises');
  const mtime = async (p: string) => (await stat(join(root, p)).catch(() => null))?.mtimeMs ?? 0;
  const key = `${await mtime('var/lib/dpkg/status')}|${await mtime('var/lib/apt/lists')}|${options.binaries?.aptGet ?? 'apt-get'}`;
  if (aptMemo?.key === key) return { pending: aptMemo.pending };
  const cacheFile = options.stateDir ? join(options.stateDir, 'apt-pending.json') : null;
  if (cacheFile) {
    const cached = await readFile(cacheFile, 'utf8').then((t) => JSON.parse(t) as { key?: unknown; pending?: unknown }, () => null);
    if (cached && cached.key === key && Array.isArray(cached.pending)) {
      aptMemo = { key, pending: cached.pending as ReturnType<typeof parseAptSimulate> };
      return { pending: aptMemo.pending };
    }
  }
  const apt = await runTool(options.binaries?.aptGet ?? 'apt-get', ['-s', '-o', 'Debug::NoLocking=1', '-o', 'APT::Get::Show-User-Simulation-Note=false', 'upgrade'], { timeoutMs: 120_000 });
  if ('missing' in apt) return { noApt: true };
  if ('error' in apt) return { unavailable: apt.error };
  const pending = parseAptSimulate(apt.stdout);
  aptMemo = { key, pending };
  if (cacheFile) {
    await writeFile(`${cacheFile}.tmp`, JSON.stringify({ key, pending }), { mode: 0o600 }).then(() => rename(`${cacheFile}.tmp`, cacheFile)).catch(() => rm(`${cacheFile}.tmp`, { force: true }).catch(() => undefined));
  }
  return { pending };
}

/**
 * RPM hosts (RHEL, Rocky, Alma, Fedora; dnf5 when installed, else dnf 4): the security advisories pending for installed
 * packages and each one's date, from the metadata cache only (-C: no download, no lock; the
 * distribution's dnf-makecache timer keeps it fresh). Needs no privilege beyond reading the cache.
 */
async function collectDnfUpdates(options: SystemCollectOptions, now: Date): Promise<UpdateState | Unavailable> {
  // dnf5 (Fedora 41+, RHEL 10) prints the advisories with their dates as JSON in one call.
  const dnf5 = await runTool(options.binaries?.dnf5 ?? 'dnf5', ['-q', '-C', 'advisory', 'list', '--security', '--updates', '--json'], { timeoutMs: 120_000 });
  if ('error' in dnf5) return { unavailable: `dnf5 advisory list: ${dnf5.error}` };
  let pending: { advisory: string; package: string; version: string }[];
  const issued = new Map<string, string>();
  if ('stdout' in dnf5) {
    let advisories: ReturnType<typeof parseDnf5AdvisoryList>;
    try {
      advisories = parseDnf5AdvisoryList(dnf5.stdout);
    } catch (error) {
      return { unavailable: messageOf(error) };
    }
    pending = advisories;
    for (const p of advisories) if (p.issued) issued.set(p.advisory, p.issued.toISOString());
  } else {
    const dnf = options.binaries?.dnf ?? 'dnf';
    const list = await runTool(dnf, ['-q', '-C', 'updateinfo', 'list', '--security', '--updates'], { timeoutMs: 120_000 });
    if ('missing' in list) return { unavailable: 'neither apt-get nor dnf is installed: pending updates cannot be read' };
    if ('error' in list) return { unavailable: `dnf updateinfo list: ${list.error}` };
    pending = parseDnfUpdateinfoList(list.stdout);
    if (pending.length > 0) await dnf4Dates(dnf, issued);
  }
  return dnfState(pending, issued, options, now);
}

/** dnf 4 prints the dates only in `updateinfo info`. */
async function dnf4Dates(dnf: string, issued: Map<string, string>): Promise<void> {
  const info = await runTool(dnf, ['-q', '-C', 'updateinfo', 'info', '--security', '--updates'], { timeoutMs: 120_000 });
  // Without the dates the list still stands; each date is then null (INV-03 says unknown for it).
  if ('stdout' in info) for (const a of parseDnfUpdateinfoInfo(info.stdout)) if (a.issued) issued.set(a.id, a.issued.toISOString());
}

async function dnfState(pending: { advisory: string; package: string; version: string }[], issued: Map<string, string>, options: SystemCollectOptions, now: Date): Promise<UpdateState> {
  const installs = await runTool(options.binaries?.rpm ?? 'rpm', ['-qa', '--qf', '%{INSTALLTIME}\\n']);
  const lastInstall = 'stdout' in installs ? parseRpmInstallTimes(installs.stdout) : null;
  const seen = options.stateDir ? readUpdatesSeen(options.stateDir) : new Map<string, string>();
  const current = new Map<string, string>();
  // One entry per package version; several advisories for one package: the oldest date counts.
  const byPackage = new Map<string, { package: string; version: string; published_at: string | null }>();
  for (const p of pending) {
    const key = `${p.package} ${p.version}`;
    const date = issued.get(p.advisory) ?? null;
    const entry = byPackage.get(key);
    if (entry === undefined) byPackage.set(key, { package: p.package, version: p.version, published_at: date });
    else if (date !== null && (entry.published_at === null || date < entry.published_at)) entry.published_at = date;
  }
  const entries = [...byPackage.entries()];
  const out = entries.slice(0, MAX_PENDING).map(([key, p]) => {
    const first = seen.get(key) ?? now.toISOString();
    current.set(key, first);
    return { package: bounded(p.package, 128), version: bounded(p.version, 128), security: true, published_at: p.published_at, first_seen_at: options.stateDir ? first : null };
  });
  if (options.stateDir) writeUpdatesSeen(options.stateDir, current);
  return { manager: 'dnf', pending: out, complete: entries.length <= MAX_PENDING, last_install_at: lastInstall ? lastInstall.toISOString() : null, index_date: null };
}

async function collectDiskEncryption(options: SystemCollectOptions): Promise<EncryptedVolume[] | Unavailable> {
  const run = await runTool(options.binaries?.lsblk ?? 'lsblk', ['-J', '-o', 'NAME,TYPE,FSTYPE,MOUNTPOINT']);
  if (!('stdout' in run)) return { unavailable: `lsblk: ${'error' in run ? run.error : run.reason}` };
  const volumes = mountedVolumes(parseLsblk(run.stdout));
  if (volumes.length === 0) return { unavailable: 'lsblk shows no mounted block-device file system (container or network root)' };
  const out: EncryptedVolume[] = [];
  for (const v of volumes.slice(0, 32)) {
    if (!v.crypt) {
      out.push({ mount: v.mount, scheme: 'none', protection_on: false, cipher: null, key_bits: null, recovery_escrowed: null, suspended_since: null });
      continue;
    }
    const status = await runTool(options.binaries?.cryptsetup ?? 'cryptsetup', ['status', v.crypt]);
    const s = 'stdout' in status ? parseCryptsetupStatus(status.stdout) : null;
    out.push({
      mount: v.mount,
      scheme: 'luks',
      protection_on: s ? s.active : true,
      cipher: s?.cipher ?? null,
      key_bits: s?.key_bits ?? null,
      // LUKS has no escrow of its own: whether a recovery passphrase is kept elsewhere is not on the host.
      recovery_escrowed: null,
      suspended_since: null,
    });
  }
  return out;
}

function vpnProfiles(vpns: VpnState[] | Unavailable): VpnProfile[] | Unavailable {
  if ('unavailable' in vpns) return vpns;
  return vpns
    .filter((v) => v.role !== 'server')
    .slice(0, 16)
    .map((v) => ({
      name: v.name,
      kind: v.kind,
      // Up now is observed; whether it is brought up at boot by an enabled unit is not read here.
      always_on: v.up === true ? true : null,
      user_can_disable: null,
      factors: v.factors.slice(0, 8),
      endpoint: v.endpoint,
    }));
}


