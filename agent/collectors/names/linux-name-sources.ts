// Linux name sources: dnsmasq's query log (tailed with a byte cursor) and systemd-resolved's
// monitor stream (`resolvectl monitor --json=short`, a long-running child read line by line).
// /proc gives addresses only; without either source, names are `unavailable` with the reason.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { NameSourceState } from '../../../policies/evidence.js';
import { bounded } from '../redact.js';
import { findDnsmasqLog } from './dnsmasq-config.js';
import { readNewLines, readable, type TailCursor } from './log-tail.js';
import type { NameObservation } from './name-observation.js';
import type { NameSources } from './name-sources.js';
import { newDnsmasqState, parseDnsmasqLog } from './parse-dnsmasq-log.js';
import { parseResolvedMonitorLine } from './parse-resolved-monitor.js';

const MAX_QUEUE = 20_000;

export interface LinuxNameSourceOptions {
  /** dnsmasq query log path; by default found in dnsmasq's configuration under fsRoot. */
  dnsmasqLog?: string;
  fsRoot?: string;
  /** The resolvectl binary (tests may point elsewhere); `false` to not start the monitor. */
  resolvectl?: string | false;
  env?: NodeJS.ProcessEnv;
}

export class LinuxNameSources implements NameSources {
  private dnsmasqPath: string | null = null;
  private dnsmasqState: NameSourceState;
  private dnsmasqCursor: TailCursor | null = null;
  private readonly dnsmasqParse = newDnsmasqState();
  private dnsmasqAnswers = 0;
  private resolvedState: NameSourceState;
  private resolvedAnswers = 0;
  private child: ChildProcess | null = null;
  private queue: NameObservation[] = [];

  constructor(options: LinuxNameSourceOptions = {}) {
    const location = options.dnsmasqLog !== undefined ? { path: options.dnsmasqLog } : findDnsmasqLog(options.fsRoot ?? '/');
    if ('path' in location) {
      const problem = readable(location.path);
      if (problem === null) {
        this.dnsmasqPath = location.path;
        this.dnsmasqState = { source: 'dnsmasq-log', state: 'read', answers: 0 };
      } else {
        this.dnsmasqState = { source: 'dnsmasq-log', state: 'unavailable', reason: bounded(`cannot read dnsmasq's query log ${location.path}: ${problem}`, 500) };
      }
    } else {
      this.dnsmasqState = { source: 'dnsmasq-log', state: 'unavailable', reason: location.unavailable };
    }
    this.resolvedState = { source: 'resolved-monitor', state: 'unavailable', reason: 'not started' };
    if (options.resolvectl !== false) this.startMonitor(options.resolvectl ?? 'resolvectl', options.env ?? process.env);
  }

  private startMonitor(binary: string, env: NodeJS.ProcessEnv): void {
    let child: ChildProcess;
    try {
      child = spawn(binary, ['monitor', '--json=short', '--no-pager'], { stdio: ['ignore', 'pipe', 'pipe'], env, shell: false });
    } catch (error) {
      this.resolvedState = { source: 'resolved-monitor', state: 'unavailable', reason: bounded(`cannot start ${binary}: ${(error as Error).message}`, 500) };
      return;
    }
    this.child = child;
    this.resolvedState = { source: 'resolved-monitor', state: 'read', answers: 0 };
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 2000) stderr += chunk.toString('utf8');
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'ENOENT' ? 'resolvectl is not installed (systemd-resolved >= 252 is needed for `resolvectl monitor`)' : `resolvectl monitor failed: ${error.message}`;
      this.resolvedState = { source: 'resolved-monitor', state: 'unavailable', reason: bounded(reason, 500) };
      this.child = null;
    });
    child.on('exit', (code) => {
      if (this.child !== child) return;
      this.child = null;
      const why = stderr.trim().split('\n')[0] || `exit ${code}`;
      this.resolvedState = {
        source: 'resolved-monitor',
        state: 'unavailable',
        reason: bounded(`resolvectl monitor stopped (${why}); it needs systemd-resolved >= 252 running as this host's resolver, and root`, 500),
      };
    });
    if (child.stdout) {
      const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
      lines.on('line', (line) => {
        const observation = parseResolvedMonitorLine(line, Date.now());
        if (observation === null) return;
        this.resolvedAnswers += 1;
        if (this.queue.length < MAX_QUEUE) this.queue.push(observation);
      });
    }
  }

  poll(now: Date): NameObservation[] {
    const out = this.queue;
    this.queue = [];
    if (this.dnsmasqPath !== null) {
      try {
        // Bounded per poll; what is left is read at the next poll.
        const read = readNewLines(this.dnsmasqPath, this.dnsmasqCursor);
        this.dnsmasqCursor = read.cursor;
        const answers = parseDnsmasqLog(read.text, now, this.dnsmasqParse);
        this.dnsmasqAnswers += answers.length;
        this.dnsmasqState = { source: 'dnsmasq-log', state: 'read', answers: Math.min(this.dnsmasqAnswers, 100_000_000) };
        out.push(...answers);
      } catch (error) {
        this.dnsmasqState = { source: 'dnsmasq-log', state: 'unavailable', reason: bounded(`cannot read ${this.dnsmasqPath}: ${(error as Error).message}`, 500) };
      }
    }
    if (this.resolvedState.state === 'read') this.resolvedState = { source: 'resolved-monitor', state: 'read', answers: Math.min(this.resolvedAnswers, 100_000_000) };
    return out;
  }

  /** Starts the dnsmasq cursor at the file's start instead of its end (tests, first run replay). */
  readFromStart(): void {
    if (this.dnsmasqPath !== null) this.dnsmasqCursor = { inode: -1, offset: 0 };
  }

  states(): NameSourceState[] {
    return [this.dnsmasqState, this.resolvedState];
  }

  stop(): void {
    const child = this.child;
    this.child = null;
    child?.kill();
  }
}
