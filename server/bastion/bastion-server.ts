// The SSH bastion: vendors log in as `<user>+<target>` with a registered key AND a TOTP code, and
// reach their device only inside an approved window, through the bastion's own connection to it,
// recorded and signed. A bare `<user>` login lists the user's grants and leaves.
//
// Order of the checks at login: throttle lock (shared with web logins) -> public key registered to
// the user, signature verified -> keyboard-interactive TOTP -> grant whose window contains now +
// posture gate -> the device reached with its credential and pinned host key. A failure of the
// first three refuses the authentication (and counts in the throttle); a failure of the last two
// lets the vendor in only to read one line saying why (then the connection closes): SSH has no
// other way to tell a logged-in user why there is no session.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import ssh2, { type AuthContext, type Connection, type ServerChannel } from 'ssh2';
import { appendAuditEvent } from '../auditlog/auditlog.js';
import type { ThrottlePolicy } from '../auth/throttle.js';
import { endBastionSession, insertBastionSession } from '../db/bastion-sessions.js';
import type { UserCredentials } from '../db/users.js';
import type { Database } from '../db/schema.js';
import type { SecretsKey } from '../secrets/secrets-key.js';
import { SERVER_ALGORITHMS } from './algorithms.js';
import type { BastionAuthority, GrantWindow, UpstreamTarget } from './authority.js';
import type { HostKey, RecordingKey } from './keys.js';
import { LiveSession } from './live-session.js';
import {
  checkTotp,
  findBastionUser,
  loginLockState,
  matchRegisteredKey,
  offeredFingerprint,
  parseLoginName,
  recordBastionLoginFailure,
  releaseBastionAttempt,
  reserveBastionAttempt,
  settleBastionFailure,
  verifyKeySignature,
  type LoginGuardDeps,
  type LoginName,
} from './login.js';
import { cutText, grantListing, refusalLine } from './messages.js';
import { SessionEventBus } from './session-events.js';
import { connectUpstream, UpstreamError, type UpstreamClient } from './upstream.js';
import { DEFAULT_WATCHDOG, Watchdog, type WatchdogSettings } from './watchdog.js';
import { applyRecordingRetention, RETENTION_SWEEP_MS } from './retention.js';

const { Server } = ssh2;

export interface BastionSettings {
  host: string;
  port: number;
  /** Folder of the recordings (default <dataDir>/recordings). */
  recordingsDir: string;
  retentionDays: number;
  watchdog: WatchdogSettings;
  /** A refused or listing connection is closed after this long if the client does nothing. */
  noticeLingerMs: number;
}

export const DEFAULT_RETENTION_DAYS = 365;

export interface BastionDeps {
  db: Database;
  authority: BastionAuthority;
  secretsKey: SecretsKey;
  hostKey: HostKey;
  recordingKey: RecordingKey;
  log: FastifyBaseLogger;
  now: () => Date;
  throttle?: ThrottlePolicy;
  /** Shared with the API's live stream (made here when absent). */
  events?: SessionEventBus;
  replica?: string;
}

/** Names this process in bastion_sessions.replica: host, pid and a random part (pids are reused). */
export function newReplicaId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

export interface RunningBastion {
  port: number;
  hostKeyFingerprint: string;
  events: SessionEventBus;
  /** Live sessions held by this process. */
  liveSessions(): readonly LiveSession[];
  replica: string;
  /** One watchdog tick now (its timer runs one every tickMs); tests with a long tickMs drive it to show what one read does. */
  tick(): void;
  close(): Promise<void>;
}

type Outcome =
  | { kind: 'session'; session: { sessionId: string; user: UserCredentials; grant: GrantWindow; target: UpstreamTarget; upstream: UpstreamClient } }
  | { kind: 'notice'; text: string; exitCode: number; stream: 'stdout' | 'stderr' };

const TOTP_PROMPT = 'Code TOTP Vigie / Vigie TOTP code: ';

export async function startBastion(deps: BastionDeps, settings: BastionSettings): Promise<RunningBastion> {
  const replica = deps.replica ?? newReplicaId();
  const events = deps.events ?? new SessionEventBus();
  const live = new Set<LiveSession>();
  const log = deps.log.child({ component: 'bastion' });
  const watchdog = new Watchdog(deps.db, deps.authority, deps.now, settings.watchdog, log);
  const guard: LoginGuardDeps = { db: deps.db, secretsKey: deps.secretsKey, log, ...(deps.throttle === undefined ? {} : { throttle: deps.throttle }) };

  const server = new Server({ hostKeys: [deps.hostKey.privateKey], algorithms: SERVER_ALGORITHMS, ident: 'Vigie' }, (client, info) => {
    const sourceIp = info.ip;
    let login: LoginName | null = null;
    let user: UserCredentials | undefined;
    let keyAccepted = false;
    let keyFingerprint: string | null = null;
    let keyAttempted = false;
    let outcome: Outcome | null = null;
    let authenticated = false;
    let sessionOpened = false;

    client.on('error', (error) => log.debug({ err: error, source_ip: sourceIp }, 'bastion client connection error'));
    client.on('close', () => {
      // Keys offered and none registered: one failure for the connection (OpenSSH offers each of its keys in turn).
      if (!authenticated && keyAttempted && !keyAccepted && login !== null) {
        void recordBastionLoginFailure(guard, login.username, sourceIp, 'unregistered_key', deps.now()).catch(() => undefined);
      }
      // Authenticated with a session prepared, but gone before it started: release the device, close the row.
      if (outcome?.kind === 'session' && !sessionOpened) {
        outcome.session.upstream.end();
        void endBastionSession(deps.db, outcome.session.sessionId, {
          ended_at: deps.now(), end_reason: 'client_closed', bytes_from_client: 0, bytes_to_client: 0, manifest_sha256: null, signed_sha256: null, retain_until: deps.now(),
        }).catch(() => undefined);
      }
    });

    client.on('authentication', (ctx: AuthContext) => {
      void authenticate(ctx).catch((error: unknown) => {
        log.error({ err: error }, 'bastion authentication failed unexpectedly');
        ctx.reject([], false);
      });
    });

    async function authenticate(ctx: AuthContext): Promise<void> {
      const parsed = parseLoginName(ctx.username);
      if (parsed === null || (login !== null && (login.username !== parsed.username || login.target !== parsed.target))) {
        return ctx.reject(['publickey']);
      }
      login = parsed;
      const now = deps.now();
      const lock = await loginLockState(guard, parsed.username, sourceIp, now);
      if (lock.locked) {
        await appendAuditEvent(deps.db, {
          actor: { type: 'user', id: parsed.username },
          action: 'bastion.login_failed',
          target: `user:${parsed.username}`,
          details: { reason: 'locked', source_ip: sourceIp, locked_until: lock.until },
          at: now,
        });
        return ctx.reject([]);
      }
      user ??= await findBastionUser(deps.db, parsed.username);
      if (ctx.method === 'publickey') {
        keyAttempted = true;
        if (user === undefined) return ctx.reject(['publickey']);
        const offered = { algo: ctx.key.algo, data: ctx.key.data };
        const registered = matchRegisteredKey(offered, await deps.authority.registeredKeys(user.user_id));
        if (registered === null) return ctx.reject(['publickey']);
        // Without a signature the client only asks whether the key would do (RFC 4252 7): say yes.
        if (ctx.signature === undefined || ctx.blob === undefined) return ctx.accept();
        if (!verifyKeySignature(offered, ctx.blob, ctx.signature, ctx.hashAlgo)) {
          await recordBastionLoginFailure(guard, parsed.username, sourceIp, 'bad_key_signature', now, { key_fingerprint: offeredFingerprint(offered) });
          return ctx.reject(['publickey']);
        }
        keyAccepted = true;
        keyFingerprint = registered.fingerprint;
        // Partial success: the key is right, the TOTP code is still owed.
        return ctx.reject(['keyboard-interactive'], true);
      }
      if (ctx.method === 'keyboard-interactive') {
        if (!keyAccepted || user === undefined) return ctx.reject(['publickey']);
        const authUser = user;
        const answers = await new Promise<string[] | Error>((resolve) => {
          ctx.prompt([{ prompt: TOTP_PROMPT, echo: false }], '', '', (responses: string[] | Error) => resolve(responses));
        });
        if (answers instanceof Error) return;
        const code = answers[0] ?? '';
        const reservation = await reserveBastionAttempt(guard, parsed.username, sourceIp, deps.now());
        if (!reservation.admitted) return ctx.reject([]);
        const checked = await checkTotp(guard, authUser, code, deps.now());
        if (checked !== 'ok') {
          await settleBastionFailure(guard, parsed.username, sourceIp, checked === 'wrong' ? 'wrong_totp' : `totp_${checked}`, deps.now(), {
            key_fingerprint: keyFingerprint,
          });
          return ctx.reject(['keyboard-interactive']);
        }
        await releaseBastionAttempt(guard, parsed.username, sourceIp, deps.now());
        outcome = await decide(authUser, parsed, sourceIp, keyFingerprint);
        authenticated = true;
        return ctx.accept();
      }
      return ctx.reject(keyAccepted ? ['keyboard-interactive'] : ['publickey']);
    }

    client.on('ready', () => {
      const settled = outcome;
      if (settled === null || user === undefined || login === null) return client.end();
      if (settled.kind === 'notice') return serveNotice(client, settled, settings.noticeLingerMs);
      // Synchronously: the client's channel requests may follow at once, and need their listeners.
      try {
        openSession(client, user, settled.session, sourceIp);
        sessionOpened = true;
      } catch (error) {
        log.error({ err: error }, 'bastion session could not start');
        client.end();
      }
    });
  });

  async function decide(user: UserCredentials, login: LoginName, sourceIp: string, keyFingerprint: string | null): Promise<Outcome> {
    const now = deps.now();
    if (login.target === null) {
      const { grants, hidden } = await deps.authority.currentGrants(user.user_id, now);
      await appendAuditEvent(deps.db, {
        actor: { type: 'user', id: user.username },
        action: 'bastion.grants_listed',
        target: `user:${user.username}`,
        details: { source_ip: sourceIp, grants: grants.length, unusable_now: grants.filter((grant) => grant.blocked !== null).length, not_listed: hidden },
        at: now,
      });
      return { kind: 'notice', text: grantListing(user.username, grants, now), exitCode: 0, stream: 'stdout' };
    }
    const refuse = async (reason: string, text: string, details: Record<string, unknown>): Promise<Outcome> => {
      await appendAuditEvent(deps.db, {
        actor: { type: 'user', id: user.username },
        action: 'bastion.session_refused',
        target: `target:${login.target}`,
        details: { reason, source_ip: sourceIp, key_fingerprint: keyFingerprint, ...details },
        at: now,
      });
      return { kind: 'notice', text: `${text}\n`, exitCode: 1, stream: 'stderr' };
    };
    const decision = await deps.authority.decideConnect(user.user_id, login.target, now);
    if (!decision.allowed) {
      return refuse(decision.reason, refusalLine(login.target, decision.reason, decision.message, decision.nextWindow), {
        next_window: decision.nextWindow === null ? null : { not_before: decision.nextWindow.notBefore, not_after: decision.nextWindow.notAfter },
      });
    }
    const sessionId = randomUUID();
    // Strict recording: a session that cannot be recorded never reaches the device.
    try {
      mkdirSync(settings.recordingsDir, { recursive: true, mode: 0o700 });
      // Not recursive: a recursive mkdir reports ENOENT where the file system says EROFS or ENOSPC.
      mkdirSync(join(settings.recordingsDir, sessionId), { mode: 0o700 });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
      log.error({ code, recordings_dir: settings.recordingsDir }, 'bastion recording folder cannot be created: session refused');
      return refuse('recording_unavailable', refusalLine(login.target, 'recording_unavailable', cutText('recording_failed'), null), { grant_id: decision.grant.grantId, recording_error: code });
    }
    try {
      const credential = await deps.authority.deviceCredential(decision.target.targetId);
      const upstream = await connectUpstream(decision.target, credential);
      try {
        await insertBastionSession(deps.db, {
          session_id: sessionId,
          grant_id: decision.grant.grantId,
          request_id: decision.grant.requestId,
          user_id: user.user_id,
          username: user.username,
          target_id: decision.target.targetId,
          target_name: decision.target.name,
          source_ip: sourceIp,
          replica,
          started_at: now,
          not_after: new Date(decision.grant.notAfter),
          recording_dir: sessionId,
          input_recorded: decision.target.recordInput,
        });
      } catch (error) {
        upstream.end();
        throw error;
      }
      return { kind: 'session', session: { sessionId, user, grant: decision.grant, target: decision.target, upstream } };
    } catch (error) {
      // No session row: the empty recording folder goes too.
      rmSync(join(settings.recordingsDir, sessionId), { recursive: true, force: true });
      if (!(error instanceof UpstreamError)) throw error;
      const message =
        error.reason === 'host_key_mismatch'
          ? "la clé d'hôte de l'équipement a changé, connexion refusée / the device's host key changed, connection refused"
          : error.reason === 'auth_failed'
            ? "l'équipement refuse l'identifiant de Vigie / the device refused Vigie's credential"
            : "l'équipement est injoignable / the device cannot be reached";
      if (error.reason === 'host_key_mismatch') {
        await appendAuditEvent(deps.db, {
          actor: { type: 'system', id: 'bastion' },
          action: 'bastion.host_key_mismatch',
          target: `target:${decision.target.name}`,
          details: { pinned: decision.target.hostKeyFingerprint, presented: error.presentedFingerprint, user: user.username, source_ip: sourceIp },
          at: now,
        });
      }
      return refuse(`upstream_${error.reason}`, refusalLine(login.target, `upstream_${error.reason}`, message, null), {
        grant_id: decision.grant.grantId,
      });
    }
  }

  function openSession(client: Connection, user: UserCredentials, session: Extract<Outcome, { kind: 'session' }>['session'], sourceIp: string): void {
    const { sessionId } = session;
    const now = deps.now();
    const liveSession = new LiveSession(
      { db: deps.db, authority: deps.authority, recordingKey: deps.recordingKey, now: deps.now, log, events, retentionDays: settings.retentionDays },
      {
        sessionId,
        username: user.username,
        userId: user.user_id,
        sourceIp,
        grant: session.grant,
        target: session.target,
        recordingDir: join(settings.recordingsDir, sessionId),
        downstream: client,
        upstream: session.upstream,
      },
      (ended) => {
        live.delete(ended);
        watchdog.remove(ended);
      },
    );
    live.add(liveSession);
    watchdog.add(liveSession);
    void deps.authority.sessionStarted(session.grant.grantId, sessionId, now).catch((error: unknown) => log.error({ err: error }, 'grant not marked active'));
    void appendAuditEvent(deps.db, {
      actor: { type: 'user', id: user.username },
      action: 'bastion.session_started',
      target: `target:${session.target.name}`,
      details: {
        bastion_session: sessionId,
        grant_id: session.grant.grantId,
        request_id: session.grant.requestId,
        source_ip: sourceIp,
        not_after: session.grant.notAfter,
        replica,
        input_recorded: session.target.recordInput,
      },
      at: now,
    }).catch((error: unknown) => log.error({ err: error }, 'bastion audit event not written'));
    // The watchdog's first tick says any warning already due.
    watchdog.tick();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error: Error) => log.error({ err: error }, 'bastion listener error'));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : settings.port;
  log.info({ port, host_key: deps.hostKey.fingerprint }, 'bastion listening');
  const sweep = () =>
    void applyRecordingRetention(deps.db, settings.recordingsDir, deps.now(), settings.retentionDays)
      .then((deleted) => deleted > 0 && log.info({ deleted }, 'bastion recordings past their retention deleted'))
      .catch((error: unknown) => log.error({ err: error }, 'bastion recording retention failed'));
  sweep();
  const retention = setInterval(sweep, RETENTION_SWEEP_MS);
  retention.unref();

  let closing: Promise<void> | null = null;
  return {
    port,
    hostKeyFingerprint: deps.hostKey.fingerprint,
    events,
    replica,
    liveSessions: () => [...live],
    tick: () => watchdog.tick(),
    close() {
      closing ??= (async () => {
        watchdog.stop();
        clearInterval(retention);
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await Promise.all([...live].map((session) => session.end('server_stopped')));
      })();
      return closing;
    },
  };
}

/** A refused or listing connection: the first session channel gets the text and the exit code; nothing else is served. */
function serveNotice(client: Connection, notice: Extract<Outcome, { kind: 'notice' }>, lingerMs: number): void {
  const timer = setTimeout(() => client.end(), lingerMs);
  timer.unref();
  client.on('close', () => clearTimeout(timer));
  client.on('tcpip', (_accept, reject) => reject());
  client.on('request', (_accept, reject) => reject?.());
  client.on('session', (accept) => {
    const session = accept();
    session.on('pty', (acceptPty) => acceptPty?.());
    session.on('env', (acceptEnv) => acceptEnv?.());
    const answer = (channel: ServerChannel | undefined) => {
      if (channel === undefined) return;
      if (notice.stream === 'stdout') channel.write(notice.text.replace(/\n/g, '\r\n'));
      else channel.stderr.write(notice.text.replace(/\n/g, '\r\n'));
      channel.exit(notice.exitCode);
      channel.end();
      setTimeout(() => client.end(), 200).unref();
    };
    session.on('shell', (acceptShell) => answer(acceptShell()));
    session.on('exec', (acceptExec) => answer(acceptExec()));
    session.on('subsystem', (_acceptSub, reject) => reject());
  });
}

export const DEFAULT_BASTION_SETTINGS = (dataDir: string): BastionSettings => ({
  host: '0.0.0.0',
  port: 2222,
  recordingsDir: join(dataDir, 'recordings'),
  retentionDays: DEFAULT_RETENTION_DAYS,
  watchdog: DEFAULT_WATCHDOG,
  noticeLingerMs: 10_000,
});
