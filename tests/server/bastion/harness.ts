// End-to-end set-up of the bastion tests: a real database, a real sshd (the device), the bastion
// listening on a free loopback port, vendor users with TOTP and registered keys, and the real
// OpenSSH client (ssh, scp, sftp) driven with -F /dev/null, a throwaway HOME and known_hosts, and
// an askpass script that answers the keyboard-interactive TOTP prompt.
//
// The bastion's clock is the real one plus an offset the test moves: each login advances it by one
// TOTP step (a code is accepted once per step, as for web logins), and window tests jump it close
// to a window's end instead of waiting.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import pino from 'pino';
import { totpCode, newTotpSecret } from '../../../server/auth/totp.js';
import { sealTotpSecret } from '../../../server/auth/totp-at-rest.js';
import type { BastionAuthority } from '../../../server/bastion/authority.js';
import { DEFAULT_BASTION_SETTINGS, startBastion, type BastionSettings, type RunningBastion } from '../../../server/bastion/bastion-server.js';
import { initBastionKeys, loadHostKey, loadRecordingKey, type RecordingKey } from '../../../server/bastion/keys.js';
import type { SessionEventBus } from '../../../server/bastion/session-events.js';
import type { Database } from '../../../server/db/schema.js';
import { insertUser } from '../../../server/db/users.js';
import { openSecretsKey, type SecretsKey } from '../../../server/secrets/secrets-key.js';
import { sshKeygen, type KeyPair } from '../../helpers/sshd.js';

export const SSH_STEP_MS = 30_000;

export class TestClock {
  offsetMs: number;
  /** Starts at `startAt` (default: the real time), then runs at the real pace plus what tests add. */
  constructor(startAt?: Date) {
    this.offsetMs = startAt === undefined ? 0 : startAt.getTime() - Date.now();
  }
  readonly now = () => new Date(Date.now() + this.offsetMs);
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface Vendor {
  username: string;
  userId: string;
  totpSecret: string;
  key: KeyPair;
}

export async function addVendor(db: Database, secretsKey: SecretsKey, dir: string, username: string, now: Date): Promise<Vendor> {
  const user = await insertUser(db, { username, role: 'vendor', password_hash: 'x', password_must_change: false, now });
  const totpSecret = newTotpSecret();
  await db
    .updateTable('users')
    .set({ totp_secret: sealTotpSecret(secretsKey, user.user_id, 'totp_secret', totpSecret) })
    .where('user_id', '=', user.user_id)
    .execute();
  return { username, userId: user.user_id, totpSecret, key: sshKeygen(dir, `${username}_key`) };
}

export interface Bastion {
  running: RunningBastion;
  clock: TestClock;
  recordingKey: RecordingKey;
  recordingsDir: string;
  hostKeyLine: string;
  secretsKey: SecretsKey;
  clientDir: string;
}

export async function startTestBastion(
  t: Test,
  options: {
    db: Database;
    dataDir: string;
    authority: BastionAuthority;
    settings?: Partial<BastionSettings>;
    clock?: TestClock;
    logSink?: (line: string) => void;
    /** Shared with an app's API (live stream) when a test follows sessions from it. */
    events?: SessionEventBus;
    replica?: string;
  },
): Promise<Bastion> {
  const clock = options.clock ?? new TestClock();
  const secretsKey = openSecretsKey({ dataDir: options.dataDir, secretsKeyFile: null });
  const init = initBastionKeys(options.dataDir);
  const settings: BastionSettings = { ...DEFAULT_BASTION_SETTINGS(options.dataDir), host: '127.0.0.1', port: 0, ...options.settings };
  mkdirSync(settings.recordingsDir, { recursive: true });
  const running = await startBastion(
    {
      db: options.db,
      authority: options.authority,
      secretsKey,
      hostKey: loadHostKey(options.dataDir),
      recordingKey: loadRecordingKey(options.dataDir),
      log:
        options.logSink === undefined
          ? pino({ level: process.env.VIGIE_TEST_LOG ?? 'silent' })
          : pino({ level: 'debug' }, { write: (line: string) => options.logSink?.(line) }),
      now: clock.now,
      ...(options.events === undefined ? {} : { events: options.events }),
      ...(options.replica === undefined ? {} : { replica: options.replica }),
    },
    settings,
  );
  t.teardown(() => running.close());
  const clientDir = mkdtempSync(join(tmpdir(), 'vigie-ssh-client-'));
  t.teardown(() => rmSync(clientDir, { recursive: true, force: true }));
  const { readFileSync } = await import('node:fs');
  const hostKeyLine = readFileSync(init.paths.hostPublicKey, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  writeFileSync(join(clientDir, 'known_hosts'), `[127.0.0.1]:${running.port} ${hostKeyLine}\n`);
  return { running, clock, recordingKey: loadRecordingKey(options.dataDir), recordingsDir: settings.recordingsDir, hostKeyLine, secretsKey, clientDir };
}

export interface SshRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SshOptions {
  /** Extra environment for the client (e.g. SSH_AUTH_SOCK). */
  env?: NodeJS.ProcessEnv;
  /** Answer given to the TOTP prompt (default: the right code at the bastion's clock). */
  totp?: string;
  /** Extra ssh options before the destination (-L ..., -A, -o ...). */
  extra?: string[];
  /** Skip the clock step (a connection that will not reach the TOTP prompt). */
  noStep?: boolean;
  stdin?: string | Buffer;
  timeoutMs?: number;
  /** Use this private key instead of the vendor's. */
  keyFile?: string;
}

/** The client's environment: a throwaway HOME and an askpass script answering the TOTP prompt (the clock steps once). */
export function askpassFor(bastion: Bastion, vendor: Vendor, options: SshOptions): { env: NodeJS.ProcessEnv; home: string } {
  if (options.noStep !== true) bastion.clock.advance(SSH_STEP_MS);
  const code = options.totp ?? totpCode(vendor.totpSecret, bastion.clock.now());
  const home = mkdtempSync(join(bastion.clientDir, 'home-'));
  const askpass = join(home, 'askpass.sh');
  writeFileSync(askpass, `#!/bin/sh\necho '${code.replace(/'/g, '')}'\n`);
  chmodSync(askpass, 0o700);
  return {
    home,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      SSH_ASKPASS: askpass,
      SSH_ASKPASS_REQUIRE: 'force',
      DISPLAY: ':0',
      LANG: 'C.UTF-8',
      ...options.env,
    },
  };
}

/** Options every client run gets: no user config, pinned bastion host key, only the given key, TOTP by askpass. */
export function clientOptions(bastion: Bastion, keyFile: string): string[] {
  return [
    '-F', '/dev/null',
    '-o', `UserKnownHostsFile=${join(bastion.clientDir, 'known_hosts')}`,
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'IdentityAgent=none',
    '-i', keyFile,
    '-o', 'PreferredAuthentications=publickey,keyboard-interactive',
    '-o', 'KbdInteractiveAuthentication=yes',
    '-o', 'PasswordAuthentication=no',
    '-o', 'NumberOfPasswordPrompts=1',
    '-o', 'ConnectTimeout=10',
    '-o', 'ServerAliveInterval=0',
  ];
}

function collect(child: ChildProcess, timeoutMs: number): Promise<SshRun> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr?.on('data', (data: Buffer) => (stderr += data.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** `ssh -p PORT <login>@127.0.0.1 [command]` to completion. */
export function ssh(bastion: Bastion, vendor: Vendor, login: string, command: string[] = [], options: SshOptions = {}): Promise<SshRun> {
  const child = spawnSsh(bastion, vendor, login, command, options);
  if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  else child.stdin?.end();
  return collect(child, options.timeoutMs ?? 30_000);
}

export function spawnSsh(bastion: Bastion, vendor: Vendor, login: string, command: string[] = [], options: SshOptions = {}): ChildProcess {
  const { env } = askpassFor(bastion, vendor, options);
  // Extra options first: for -o, ssh keeps the first value given.
  const args = [...(options.extra ?? []), ...clientOptions(bastion, options.keyFile ?? vendor.key.privateKeyFile), '-p', String(bastion.running.port), `${login}@127.0.0.1`, ...command];
  return spawn('ssh', args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** scp or sftp through the bastion (their -P port option differs from ssh's -p). */
export function fileTool(bastion: Bastion, vendor: Vendor, tool: 'scp' | 'sftp', args: string[], options: SshOptions = {}): Promise<SshRun> {
  const { env } = askpassFor(bastion, vendor, options);
  const child = spawn(tool, [...clientOptions(bastion, vendor.key.privateKeyFile), '-P', String(bastion.running.port), ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  else child.stdin?.end();
  return collect(child, options.timeoutMs ?? 30_000);
}

export function collectRun(child: ChildProcess, timeoutMs = 30_000): Promise<SshRun> {
  return collect(child, timeoutMs);
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}
