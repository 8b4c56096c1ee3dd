// One vendor connection through the bastion under a grant, once authenticated and connected to the
// device: its channels (default deny), their recordings, the audit events of what asciicast cannot
// show, and its end (one reason, the first), sealed and recorded.
import { mkdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { basename, join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Connection, PseudoTtyInfo, ServerChannel, Session } from 'ssh2';
import { appendAuditEvent } from '../auditlog/auditlog.js';
import { endBastionSession } from '../db/bastion-sessions.js';
import type { Database } from '../db/schema.js';
import { AsciicastWriter } from './asciicast-writer.js';
import type { BastionAuthority, GrantWindow, UpstreamTarget } from './authority.js';
import { sealRecording, type ManifestFile, type SealResult } from './manifest.js';
import { persistWithRetry } from './persist-with-retry.js';
import { cutLine, warningLine, windowText } from './messages.js';
import type { RecordingKey } from './keys.js';
import { SftpObserver, type SftpOperation } from './sftp-observer.js';
import type { UpstreamClient } from './upstream.js';
import type { SessionEventBus } from './session-events.js';

type ClientChannel = Duplex & {
  stderr: Duplex;
  setWindow(rows: number, cols: number, height: number, width: number): void;
  signal(name: string): void;
  close(): void;
};

export interface LiveSessionDeps {
  db: Database;
  authority: BastionAuthority;
  recordingKey: RecordingKey;
  now: () => Date;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  events: SessionEventBus;
  retentionDays: number;
}

export interface LiveSessionInit {
  sessionId: string;
  username: string;
  userId: string;
  sourceIp: string;
  grant: GrantWindow;
  target: UpstreamTarget;
  recordingDir: string;
  downstream: Connection;
  upstream: UpstreamClient;
}

/** LANG and LC_* only, with plain values: anything else could change how the device's shell behaves. */
const ENV_NAME = /^(LANG|LC_[A-Z]{1,20})$/;
const ENV_VALUE = /^[A-Za-z0-9_.@:-]{0,100}$/;
const LOOPBACK_DESTINATIONS = new Set(['localhost', '127.0.0.1', '::1']);
export const WARNING_MINUTES = [15, 5, 1] as const;
/** After a cut, the vendor's connection stays this long at most so the cut line reaches the terminal (the device is already cut). */
export const CUT_GRACE_MS = 250;

interface ProxiedChannel {
  kind: 'shell' | 'exec' | 'sftp' | 'forward';
  down: ServerChannel | Duplex;
  up: ClientChannel | Duplex;
  recorder: AsciicastWriter | null;
}

/** Copy `from` into `to`, pausing `from` while `to` (or the recorder) is full. */
function relay(from: Duplex, to: NodeJS.WritableStream & { on(event: 'drain', listener: () => void): unknown }, tap: (data: Buffer) => void, recorder: () => AsciicastWriter | null): void {
  let waitingForSink = false;
  let waitingForRecorder = false;
  const resumeIfFree = () => {
    if (!waitingForSink && !waitingForRecorder) from.resume();
  };
  from.on('data', (data: Buffer) => {
    tap(data);
    if (!to.write(data)) {
      waitingForSink = true;
      from.pause();
    }
    const writer = recorder();
    if (writer !== null && writer.backedUp && !waitingForRecorder) {
      waitingForRecorder = true;
      from.pause();
      void writer.whenDrained().then(() => {
        waitingForRecorder = false;
        resumeIfFree();
      });
    }
  });
  to.on('drain', () => {
    waitingForSink = false;
    resumeIfFree();
  });
}

export class LiveSession {
  readonly id: string;
  readonly username: string;
  readonly userId: string;
  readonly grant: GrantWindow;
  readonly target: UpstreamTarget;
  readonly startedAt: Date;
  /** The window's end as last read (a reviewer may shorten it while the session runs). */
  notAfter: Date;
  /** Monotonic (performance.now()) time of the last byte either way: the idle timeout is a duration. */
  lastActivityMs: number;
  readonly warned = new Set<number>();
  private readonly channels = new Set<ProxiedChannel>();
  /** Every recorder of the session, open or closed: the seal waits for each and takes its file's hash. */
  private readonly recorders: AsciicastWriter[] = [];
  private channelCount = 0;
  private endReason: string | null = null;
  private ending: Promise<void> | null = null;
  bytesFromClient = 0;
  bytesToClient = 0;

  constructor(
    private readonly deps: LiveSessionDeps,
    private readonly init: LiveSessionInit,
    private readonly onEnded: (session: LiveSession) => void,
  ) {
    this.id = init.sessionId;
    this.username = init.username;
    this.userId = init.userId;
    this.grant = init.grant;
    this.target = init.target;
    this.startedAt = deps.now();
    this.notAfter = new Date(init.grant.notAfter);
    this.lastActivityMs = performance.now();
    mkdirSync(init.recordingDir, { recursive: true, mode: 0o700 });
    const { downstream, upstream } = init;
    downstream.on('session', (accept) => this.onSession(accept()));
    downstream.on('tcpip', (accept, reject, info) => void this.onDirectTcpip(accept, reject, info));
    downstream.on('request', (_accept, reject, name) => {
      reject?.();
      void this.audit('bastion.channel_refused', { channel: name });
    });
    downstream.on('openssh.streamlocal', (_accept, reject, info) => {
      reject();
      void this.audit('bastion.channel_refused', { channel: 'direct-streamlocal@openssh.com', socket_path: String(info.socketPath).slice(0, 200) });
    });
    downstream.on('close', () => void this.end('client_closed'));
    downstream.on('error', () => void this.end('client_closed'));
    upstream.on('close', () => void this.end('upstream_closed'));
    upstream.on('error', () => void this.end('upstream_closed'));
  }

  get ended(): boolean {
    return this.endReason !== null;
  }

  private audit(action: string, details: Record<string, unknown>): Promise<void> {
    this.deps.events.publish(this.id, { type: 'audit', action, details, at: this.deps.now().toISOString() });
    return appendAuditEvent(this.deps.db, {
      actor: { type: 'user', id: this.username },
      action,
      target: `target:${this.target.name}`,
      details: { bastion_session: this.id, grant_id: this.grant.grantId, ...details },
      at: this.deps.now(),
    })
      .then(() => undefined)
      .catch((error: unknown) => this.deps.log.error({ err: error, action, session_id: this.id }, 'bastion audit event not written'));
  }

  private touch(): void {
    this.lastActivityMs = performance.now();
  }

  private newRecorder(kind: 'shell' | 'exec', pty: PseudoTtyInfo | null): AsciicastWriter {
    this.channelCount += 1;
    const file = join(this.init.recordingDir, `ch${this.channelCount}-${kind}.cast`);
    const recorder = new AsciicastWriter(
      file,
      {
        width: pty?.cols ?? 80,
        height: pty?.rows ?? 24,
        timestamp: Math.floor(this.deps.now().getTime() / 1000),
        title: `${this.username}+${this.target.name} ${kind} (${this.id})`,
        env: { TERM: pty?.term ?? 'none' },
      },
      (error) => {
        this.deps.log.error({ session_id: this.id, file, code: (error as NodeJS.ErrnoException).code }, 'bastion recording cannot be written: cutting the session');
        // Cut by the failing write itself (not by the watchdog): nothing more is relayed unrecorded.
        void this.end('recording_failed', { recording_error: (error as NodeJS.ErrnoException).code ?? error.message.slice(0, 200), recording_file: basename(file) });
      },
      () => this.deps.now().getTime(),
    );
    recorder.marker(`grant ${this.grant.grantId} request ${this.grant.requestId} window ${windowText(this.grant)}`);
    this.recorders.push(recorder);
    return recorder;
  }

  private onSession(session: Session): void {
    let pty: PseudoTtyInfo | null = null;
    const env: Record<string, string> = {};
    let proxied: ProxiedChannel | null = null;
    const refuse = (what: string, reject: (() => void) | undefined, details: Record<string, unknown> = {}) => {
      reject?.();
      void this.audit('bastion.channel_refused', { channel: what, ...details });
    };
    session.on('pty', (accept, _reject, info) => {
      pty = info;
      accept?.();
    });
    session.on('env', (accept, reject, info) => {
      if (ENV_NAME.test(info.key) && ENV_VALUE.test(info.val) && Object.keys(env).length < 20) {
        env[info.key] = info.val;
        accept?.();
      } else reject?.();
    });
    session.on('window-change', (accept, _reject, info) => {
      accept?.();
      if (pty !== null) pty = { ...pty, cols: info.cols, rows: info.rows, width: info.width, height: info.height };
      if (proxied !== null && 'setWindow' in proxied.up) proxied.up.setWindow(info.rows, info.cols, info.height, info.width);
      proxied?.recorder?.resize(info.cols, info.rows);
    });
    session.on('signal', (accept, _reject, info) => {
      accept?.();
      if (proxied !== null && 'signal' in proxied.up) proxied.up.signal(info.name);
    });
    session.on('x11', (_accept, reject) => refuse('x11', reject));
    session.on('auth-agent', (_accept, reject) => refuse('auth-agent', reject));
    // The vendor's channel is accepted at once, paused, and joined to the device's once that one is
    // open: ssh2 drops a request still unanswered when the client's EOF arrives (`ssh host cmd < /dev/null`).
    const join = (down: ServerChannel | undefined, what: string, open: (cb: (error: Error | undefined, up: ClientChannel) => void) => void, then: (down: ServerChannel, up: ClientChannel) => void) => {
      if (down === undefined) return;
      down.pause();
      open((error, up) => {
        if (error !== undefined && error !== null) {
          void this.audit('bastion.channel_failed', { channel: what, upstream_error: error.message.slice(0, 200) });
          down.stderr.write(`Vigie: ${what} impossible sur l'équipement / ${what} failed on the device\r\n`);
          down.exit(1);
          down.end();
          return;
        }
        if (this.ended) {
          up.close();
          down.end();
          return;
        }
        then(down, up);
        down.resume();
      });
    };
    session.on('shell', (accept, reject) => {
      if (this.ended || !this.target.channels.shell) return refuse('shell', reject);
      const opened = pty;
      join(accept(), 'shell', (cb) => this.init.upstream.shell(opened === null ? false : opened, { env }, (e, up) => cb(e, up as unknown as ClientChannel)), (down, up) => {
        proxied = this.proxyTerminal('shell', down, up, opened);
      });
    });
    session.on('exec', (accept, reject, info) => {
      const command = String(info.command).slice(0, 4000);
      if (this.ended || !this.target.channels.exec) return refuse('exec', reject, { command });
      void this.audit('bastion.exec', { command, pty: pty !== null });
      const opened = pty;
      join(accept(), 'exec', (cb) => this.init.upstream.exec(command, { env, pty: opened === null ? false : opened }, (e, up) => cb(e, up as unknown as ClientChannel)), (down, up) => {
        proxied = this.proxyTerminal('exec', down, up, opened);
      });
    });
    session.on('subsystem', (accept, reject, info) => {
      if (this.ended || info.name !== 'sftp' || !this.target.channels.sftp) return refuse(`subsystem:${String(info.name).slice(0, 50)}`, reject);
      join(accept(), 'sftp', (cb) => this.init.upstream.subsys('sftp', (e, up) => cb(e, up as unknown as ClientChannel)), (down, up) => {
        void this.audit('bastion.sftp_started', {});
        proxied = this.proxySftp(down, up);
      });
    });
  }

  private proxyTerminal(kind: 'shell' | 'exec', down: ServerChannel, up: ClientChannel, pty: PseudoTtyInfo | null): ProxiedChannel {
    const recorder = this.newRecorder(kind, pty);
    const channel: ProxiedChannel = { kind, down, up, recorder };
    this.channels.add(channel);
    const recordInput = this.target.recordInput;
    relay(down, up, (data) => {
      this.bytesFromClient += data.length;
      this.touch();
      if (recordInput) recorder.input(data);
    }, () => recorder);
    relay(up, down, (data) => {
      this.bytesToClient += data.length;
      this.touch();
      recorder.output(data);
      if (this.deps.events.following(this.id)) this.deps.events.publish(this.id, { type: 'output', data: data.toString('utf8'), at: this.deps.now().toISOString() });
    }, () => recorder);
    relay(up.stderr, down.stderr, (data) => {
      this.bytesToClient += data.length;
      this.touch();
      recorder.output(data);
    }, () => recorder);
    // Exit status and signal pass back as the device gave them.
    up.on('exit', (code: number | null, signal?: string, coreDumped?: boolean, description?: string) => {
      if (typeof code === 'number') down.exit(code);
      else if (typeof signal === 'string') down.exit(signal, coreDumped === true, description ?? '');
    });
    down.on('end', () => up.end());
    up.on('close', () => {
      down.end();
      this.closeChannel(channel);
    });
    down.on('close', () => {
      up.close();
      this.closeChannel(channel);
    });
    return channel;
  }

  private proxySftp(down: ServerChannel, up: ClientChannel): ProxiedChannel {
    const channel: ProxiedChannel = { kind: 'sftp', down, up, recorder: null };
    this.channels.add(channel);
    const observer = new SftpObserver((operation) => void this.audit('bastion.sftp', sftpDetails(operation)));
    relay(down, up, (data) => {
      this.bytesFromClient += data.length;
      this.touch();
      observer.clientData(data);
    }, () => null);
    relay(up, down, (data) => {
      this.bytesToClient += data.length;
      this.touch();
      observer.serverData(data);
    }, () => null);
    up.on('exit', (code: number | null, signal?: string, coreDumped?: boolean, description?: string) => {
      if (typeof code === 'number') down.exit(code);
      else if (typeof signal === 'string') down.exit(signal, coreDumped === true, description ?? '');
    });
    down.on('end', () => up.end());
    up.on('close', () => down.end());
    const finish = () => {
      if (!this.channels.has(channel)) return;
      observer.end();
      up.close();
      this.closeChannel(channel);
    };
    up.on('close', finish);
    down.on('close', finish);
    return channel;
  }

  private async onDirectTcpip(
    accept: () => ServerChannel,
    reject: () => void,
    info: { destIP: string; destPort: number; srcIP: string; srcPort: number },
  ): Promise<void> {
    const details = { dest_host: String(info.destIP).slice(0, 200), dest_port: info.destPort };
    const allowed = !this.ended && LOOPBACK_DESTINATIONS.has(info.destIP) && this.target.channels.forwardPorts.includes(info.destPort);
    if (!allowed) {
      reject();
      void this.audit('bastion.forward_refused', { kind: 'direct-tcpip', ...details });
      return;
    }
    this.init.upstream.forwardOut('127.0.0.1', 0, info.destIP, info.destPort, (error, up) => {
      if (error !== undefined && error !== null) {
        reject();
        void this.audit('bastion.forward_refused', { kind: 'direct-tcpip', ...details, upstream_error: error.message });
        return;
      }
      const down = accept();
      const channel: ProxiedChannel = { kind: 'forward', down, up, recorder: null };
      this.channels.add(channel);
      void this.audit('bastion.forward_opened', { kind: 'direct-tcpip', ...details });
      relay(down, up, (data) => {
        this.bytesFromClient += data.length;
        this.touch();
      }, () => null);
      relay(up, down, (data) => {
        this.bytesToClient += data.length;
        this.touch();
      }, () => null);
      down.on('end', () => up.end());
      up.on('end', () => down.end());
      const finish = () => {
        up.destroy();
        down.destroy();
        this.closeChannel(channel);
      };
      up.on('close', finish);
      down.on('close', finish);
    });
  }

  private closeChannel(channel: ProxiedChannel): void {
    if (!this.channels.delete(channel)) return;
    void channel.recorder?.close();
  }

  /** A line on every terminal of the session (stderr, so it never mixes into a command's output) and a marker in its recording. */
  notify(line: string): void {
    for (const channel of this.channels) {
      if (channel.kind !== 'shell' && channel.kind !== 'exec') continue;
      (channel.down as ServerChannel).stderr.write(`\r\n${line}\r\n`);
      channel.recorder?.marker(line);
    }
    this.deps.events.publish(this.id, { type: 'notice', text: line, at: this.deps.now().toISOString() });
  }

  warn(minutes: number): void {
    this.warned.add(minutes);
    this.notify(warningLine(minutes, this.notAfter.toISOString()));
    void this.audit('bastion.session_warned', { minutes_left: minutes, not_after: this.notAfter.toISOString() });
  }

  /** End the session (idempotent; the first reason stays): cut every channel, close both connections, seal the recording. */
  end(reason: string, details: Record<string, unknown> = {}): Promise<void> {
    if (this.ending !== null) return this.ending;
    this.endReason = reason;
    const cut = reason !== 'client_closed';
    this.ending = (async () => {
      // The device first: nothing more reaches it, nothing more comes from it.
      this.init.upstream.end();
      const closing: Promise<Error | null>[] = [];
      for (const channel of this.channels) {
        if (cut && (channel.kind === 'shell' || channel.kind === 'exec')) {
          const down = channel.down as ServerChannel;
          down.stderr.write(`\r\n${cutLine(reason)}\r\n`);
          down.exit(255);
          down.end();
        }
        if (channel.recorder !== null) void channel.recorder.close(`cut: ${reason}`);
      }
      this.channels.clear();
      // Every recorder, also those of channels closed earlier (their last write or fsync may still run).
      for (const recorder of this.recorders) closing.push(recorder.close());
      // Followers of the live view see the cut line the vendor sees.
      if (cut) this.deps.events.publish(this.id, { type: 'notice', text: cutLine(reason), at: this.deps.now().toISOString() });
      // The vendor's connection: a moment for the cut line to reach the terminal, never more than CUT_GRACE_MS.
      const downstream = this.init.downstream;
      if (cut) setTimeout(() => downstream.end(), CUT_GRACE_MS).unref();
      else downstream.end();
      const failures = (await Promise.all(closing)).filter((error) => error !== null);
      const written = (await Promise.all(this.recorders.map((recorder) => recorder.written()))).filter((file) => file !== null);
      await this.seal(reason, details, failures.length > 0, written);
      this.onEnded(this);
    })();
    return this.ending;
  }

  private async seal(reason: string, details: Record<string, unknown>, recordingIncomplete: boolean, written: ManifestFile[]): Promise<void> {
    const endedAt = this.deps.now();
    let sealed: SealResult | null = null;
    try {
      sealed = await sealRecording(
        this.init.recordingDir,
        {
          session_id: this.id,
          request_id: this.grant.requestId,
          grant_id: this.grant.grantId,
          user: this.username,
          target: this.target.name,
          source_ip: this.init.sourceIp,
          started_at: this.startedAt.toISOString(),
          ended_at: endedAt.toISOString(),
          end_reason: reason,
          input_recorded: this.target.recordInput,
        },
        this.deps.recordingKey,
        written,
      );
    } catch (error) {
      // A full disk may refuse the manifest too: the session row and the audit log still say so.
      this.deps.log.error({ session_id: this.id, code: (error as NodeJS.ErrnoException).code }, 'bastion recording could not be sealed');
    }
    const context = { session_id: this.id, end_reason: reason };
    // Both writes are retried in the background when the database is what failed (fail closed):
    // the end reason reaches the row and the audit log once it can be read again.
    await persistWithRetry(
      'bastion session end',
      () =>
        endBastionSession(this.deps.db, this.id, {
          ended_at: endedAt,
          end_reason: reason,
          bytes_from_client: this.bytesFromClient,
          bytes_to_client: this.bytesToClient,
          manifest_sha256: sealed?.manifestSha256 ?? null,
          signed_sha256: sealed?.signedSha256 ?? null,
          retain_until: new Date(endedAt.getTime() + this.deps.retentionDays * 86_400_000),
        }).then(() => undefined),
      this.deps.log,
      context,
    );
    const endedDetails = {
      bastion_session: this.id,
      grant_id: this.grant.grantId,
      end_reason: reason,
      ...details,
      started_at: this.startedAt.toISOString(),
      ended_at: endedAt.toISOString(),
      bytes_from_client: this.bytesFromClient,
      bytes_to_client: this.bytesToClient,
      recording_sealed: sealed !== null,
      recording_incomplete: recordingIncomplete,
      manifest_sha256: sealed?.manifestSha256 ?? null,
      signed_manifest_sha256: sealed?.signedSha256 ?? null,
      files: sealed?.manifest.files.length ?? 0,
    };
    this.deps.events.publish(this.id, { type: 'audit', action: 'bastion.session_ended', details: endedDetails, at: endedAt.toISOString() });
    await persistWithRetry(
      'bastion.session_ended audit event',
      () =>
        appendAuditEvent(this.deps.db, {
          actor: { type: 'user', id: this.username },
          action: 'bastion.session_ended',
          target: `target:${this.target.name}`,
          details: endedDetails,
          at: this.deps.now(),
        }).then(() => undefined),
      this.deps.log,
      context,
    );
    this.deps.events.publish(this.id, { type: 'ended', reason, at: endedAt.toISOString() });
  }
}

function sftpDetails(operation: SftpOperation): Record<string, unknown> {
  const path = operation.path.slice(0, 1000);
  switch (operation.op) {
    case 'upload':
    case 'download':
      return { op: operation.op, path, bytes: operation.bytes, flags: operation.flags };
    case 'rename':
    case 'symlink':
      return { op: operation.op, path, to: operation.to.slice(0, 1000) };
    case 'unparsable':
      return { op: 'unparsable', note: 'the SFTP stream could not be parsed further; bytes were relayed, later operations are not itemised' };
    default:
      return { op: operation.op, path };
  }
}
