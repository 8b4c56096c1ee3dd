// Windows name sources, polled in the background (each poll runs wevtutil, so never on the
// sampler's synchronous path): the DNS Client operational channel (event 3008, with the calling
// PID) and Sysmon event 22 where Sysmon is deployed, each read from a saved EventRecordID cursor
// (state dir, so a restart neither replays nor loses events); Get-DnsClientCache once, as a seed.
// The DNS Client channel is off by default: then `unavailable` with the command that enables it.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NameSourceState } from '../../../policies/evidence.js';
import { runCommand, stderrSummary } from '../../run-command.js';
import { bounded } from '../redact.js';
import type { NameObservation } from './name-observation.js';
import type { NameSources } from './name-sources.js';
import { parseDnsClientCache } from './parse-dns-client-cache.js';
import { parseDnsClientEvents } from './parse-dns-client-events.js';

export const DNS_CLIENT_CHANNEL = 'Microsoft-Windows-DNS-Client/Operational';
export const SYSMON_CHANNEL = 'Microsoft-Windows-Sysmon/Operational';
const ENABLE_DNS_CLIENT = `wevtutil sl ${DNS_CLIENT_CHANNEL} /e:true (as administrator, or by GPO)`;
const BATCH = 5000;
const FIRST_READ = 2000;
const MAX_QUEUE = 50_000;
const TIMEOUT_MS = 20_000;

interface Cursors {
  dns_client: number | null;
  sysmon: number | null;
}

/** The wevtutil query for events after `cursor` (oldest first), or the newest FIRST_READ when there is none. */
export function wevtutilQuery(channel: string, eventId: number, cursor: number | null): string[] {
  const filter = cursor === null ? `*[System[(EventID=${eventId})]]` : `*[System[(EventID=${eventId}) and (EventRecordID>${cursor})]]`;
  return cursor === null ? ['qe', channel, `/q:${filter}`, '/f:xml', `/c:${FIRST_READ}`, '/rd:true'] : ['qe', channel, `/q:${filter}`, '/f:xml', `/c:${BATCH}`];
}

/** `wevtutil gl CHANNEL` prints `enabled: true|false` (the key is not localised). */
export function channelEnabled(text: string): boolean | null {
  const m = /^enabled:\s*(true|false)\s*$/im.exec(text);
  return m ? m[1]!.toLowerCase() === 'true' : null;
}

export class WindowsNameSources implements NameSources {
  private queue: NameObservation[] = [];
  private cursors: Cursors;
  private dnsClient: NameSourceState = { source: 'dns-client-event', state: 'unavailable', reason: 'not read yet' };
  private sysmon: NameSourceState = { source: 'sysmon-dns', state: 'unavailable', reason: 'not read yet' };
  private cache: NameSourceState = { source: 'dns-client-cache', state: 'unavailable', reason: 'not read yet' };
  private counts = { dns: 0, sysmon: 0 };
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly stateDir: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.cursors = this.readCursors();
  }

  private get cursorFile(): string {
    return join(this.stateDir, 'dns-event-cursors.json');
  }

  private readCursors(): Cursors {
    try {
      const data = JSON.parse(readFileSync(this.cursorFile, 'utf8')) as Partial<Cursors>;
      const ok = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null);
      return { dns_client: ok(data.dns_client), sysmon: ok(data.sysmon) };
    } catch {
      return { dns_client: null, sysmon: null };
    }
  }

  private saveCursors(): void {
    const tmp = `${this.cursorFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.cursors), { mode: 0o600 });
    renameSync(tmp, this.cursorFile);
  }

  /** Polls every `intervalMs` in the background (unref'd), starting now. */
  start(intervalMs: number): void {
    if (this.timer) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
  }

  /** One read of every source; concurrent calls share the running one. */
  refresh(): Promise<void> {
    this.running ??= this.readAll().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async wevtutil(args: string[]): Promise<{ ok: true; text: string } | { ok: false; reason: string }> {
    const result = await runCommand('wevtutil', args, { timeoutMs: TIMEOUT_MS, maxOutputBytes: 32 * 1024 * 1024, env: this.env });
    if (!result.ok) return { ok: false, reason: result.reason };
    if (result.code !== 0) return { ok: false, reason: `wevtutil ${args[0]} ${args[1]} failed (exit ${result.code}): ${stderrSummary(`${result.stderr}\n${result.stdout}`) || 'no message'}` };
    return { ok: true, text: result.stdout };
  }

  private async readChannel(channel: string, eventId: number, key: keyof Cursors): Promise<NameSourceState | { read: number }> {
    const source = key === 'dns_client' ? 'dns-client-event' : 'sysmon-dns';
    const info = await this.wevtutil(['gl', channel]);
    if (!info.ok) {
      const reason = key === 'sysmon' ? `Sysmon is not installed or its channel cannot be read (${info.reason})` : info.reason;
      return { source, state: 'unavailable', reason: bounded(reason, 500) };
    }
    if (channelEnabled(info.text) === false) {
      const reason = key === 'dns_client' ? `the ${channel} channel is disabled: enable it with ${ENABLE_DNS_CLIENT}` : `the ${channel} channel is disabled`;
      return { source, state: 'unavailable', reason };
    }
    const events = await this.wevtutil(wevtutilQuery(channel, eventId, this.cursors[key]));
    if (!events.ok) return { source, state: 'unavailable', reason: bounded(events.reason, 500) };
    const read = parseDnsClientEvents(events.text);
    if (read.lastRecordId !== null && (this.cursors[key] === null || read.lastRecordId > (this.cursors[key] ?? 0))) this.cursors[key] = read.lastRecordId;
    for (const o of read.observations) if (this.queue.length < MAX_QUEUE) this.queue.push(o);
    return { read: read.observations.length };
  }

  private async readAll(): Promise<void> {
    const firstRun = this.cache.state === 'unavailable' && this.cache.reason === 'not read yet';
    const dns = await this.readChannel(DNS_CLIENT_CHANNEL, 3008, 'dns_client');
    if ('read' in dns) this.counts.dns += dns.read;
    this.dnsClient = 'read' in dns ? { source: 'dns-client-event', state: 'read', answers: this.counts.dns } : dns;
    const sysmon = await this.readChannel(SYSMON_CHANNEL, 22, 'sysmon');
    if ('read' in sysmon) this.counts.sysmon += sysmon.read;
    this.sysmon = 'read' in sysmon ? { source: 'sysmon-dns', state: 'read', answers: this.counts.sysmon } : sysmon;
    try {
      this.saveCursors();
    } catch {
      // An unwritable state dir costs a replay after restart, never a wrong name.
    }
    if (firstRun) await this.seedFromCache();
  }

  private async seedFromCache(): Promise<void> {
    const script = '[Console]::OutputEncoding = [Text.Encoding]::UTF8; Get-DnsClientCache | Select-Object Entry,RecordType,Status,Data | ConvertTo-Json -Compress';
    const result = await runCommand('powershell', ['-NoProfile', '-NonInteractive', '-Command', script], { timeoutMs: TIMEOUT_MS, maxOutputBytes: 16 * 1024 * 1024, env: this.env });
    if (!result.ok || result.code !== 0) {
      const reason = result.ok ? `Get-DnsClientCache failed (exit ${result.code}): ${stderrSummary(result.stderr) || 'no message'}` : result.reason;
      this.cache = { source: 'dns-client-cache', state: 'unavailable', reason: bounded(reason, 500) };
      return;
    }
    try {
      const seeds = parseDnsClientCache(result.stdout);
      for (const o of seeds) if (this.queue.length < MAX_QUEUE) this.queue.push(o);
      this.cache = { source: 'dns-client-cache', state: 'read', answers: seeds.length };
    } catch (error) {
      this.cache = { source: 'dns-client-cache', state: 'unavailable', reason: bounded(`Get-DnsClientCache output unreadable: ${(error as Error).message}`, 500) };
    }
  }

  poll(): NameObservation[] {
    const out = this.queue;
    this.queue = [];
    return out;
  }

  states(): NameSourceState[] {
    return [this.dnsClient, this.sysmon, this.cache];
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
