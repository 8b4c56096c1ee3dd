// A real OpenSSH server for tests: its own config, Ed25519 host key, authorized key and a free port
// on loopback, run in the foreground (-D -e) as root (Debian's /usr/sbin/sshd). The "device" of the
// bastion tests: the bastion logs in to it as root with the device key.
// sshd running as root records every login in wtmp/btmp/lastlog (and utmp): it runs in a mount
// namespace of its own where /var/log (and /run/utmp) are the test's directory, so no test writes
// to the machine's login records.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SSHD = '/usr/sbin/sshd';

/** What the real-sshd tests need and this machine lacks (empty: nothing). CI has it all (.ci/run installs openssh-server and runs as root). */
export function sshdPrerequisitesMissing(): string[] {
  const missing: string[] = [];
  if (!existsSync(SSHD)) missing.push(`${SSHD} (apt-get install openssh-server; scripts/ensure-system-tools.sh)`);
  for (const tool of ['ssh', 'scp', 'sftp', 'ssh-keygen', 'ssh-keyscan', 'unshare']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).status !== 0) missing.push(`${tool} in PATH`);
  }
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    missing.push(`root (uid ${typeof process.getuid === 'function' ? process.getuid() : '?'}): the test sshd runs as root to log in as the device user, in a mount namespace of its own`);
  }
  return missing;
}

/**
 * Fail the test file at once, saying what is missing, when the real sshd cannot run here. These
 * tests never skip: a machine without sshd or root must not pass them silently.
 */
export function requireSshd(what: string): void {
  const missing = sshdPrerequisitesMissing();
  if (missing.length > 0) throw new Error(`${what} needs a real OpenSSH server, client and root; missing here: ${missing.join('; ')}`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface KeyPair {
  privateKeyFile: string;
  privateKey: string;
  publicKey: string;
  fingerprint: string;
}

/** An OpenSSH Ed25519 key pair made by ssh-keygen. */
export function sshKeygen(dir: string, name: string): KeyPair {
  const file = join(dir, name);
  const result = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ssh-keygen failed: ${result.stderr}`);
  const publicKey = readFileSync(`${file}.pub`, 'utf8').trim();
  return { privateKeyFile: file, privateKey: readFileSync(file, 'utf8'), publicKey, fingerprint: fingerprintOfPublicKey(publicKey) };
}

export function fingerprintOfPublicKey(line: string): string {
  const blob = Buffer.from(line.split(/\s+/)[1] ?? '', 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export interface TestSshd {
  port: number;
  dir: string;
  user: string;
  deviceKey: KeyPair;
  hostKey: KeyPair;
  /** The /var/log sshd sees: its wtmp records the test's logins, not the machine's. */
  logDir: string;
  /** Replace the host key (the bastion's pin no longer matches) and restart. */
  rotateHostKey(): Promise<void>;
  stop(): Promise<void>;
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sshd exited (${child.exitCode}): ${stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`sshd did not listen on ${port}: ${stderr()}`);
}

export async function startSshd(): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-sshd-'));
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const deviceKey = sshKeygen(dir, 'device_key');
  let hostKey = sshKeygen(dir, 'ssh_host_ed25519_key');
  writeFileSync(join(dir, 'authorized_keys'), `${deviceKey.publicKey}\n`, { mode: 0o600 });
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey.privateKeyFile}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'AllowTcpForwarding yes',
      'X11Forwarding no',
      'PrintMotd no',
      // Like Debian's default (LANG, LC_*), plus FOO: proves the bastion, not the device, filters it.
      'AcceptEnv LANG LC_* FOO',
      'Subsystem sftp internal-sftp',
      'LogLevel ERROR',
      'MaxSessions 100',
      'MaxStartups 200',
      '',
    ].join('\n'),
  );
  let child: ChildProcess;
  let stderr = '';
  const logDir = join(dir, 'var-log');
  mkdirSync(logDir);
  for (const file of ['wtmp', 'btmp', 'lastlog']) writeFileSync(join(logDir, file), '');
  writeFileSync(join(dir, 'utmp'), '');
  // unshare execs sh, which execs sshd: the child's pid is sshd's, and SIGTERM reaches it.
  const inOwnLogs =
    'mount --bind "$1" /var/log || exit 97; if [ -e /run/utmp ]; then mount --bind "$2" /run/utmp || exit 97; fi; shift 2; exec "$@"';
  const launch = async () => {
    stderr = '';
    child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', inOwnLogs, 'sh', logDir, join(dir, 'utmp'), SSHD, '-D', '-e', '-f', config], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (data: Buffer) => {
      stderr = (stderr + data.toString()).slice(-4000);
    });
    await waitForPort(port, child, () => stderr);
  };
  const halt = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  await launch();
  return {
    port,
    dir,
    logDir,
    user: 'root',
    deviceKey,
    get hostKey() {
      return hostKey;
    },
    async rotateHostKey() {
      await halt();
      rmSync(hostKey.privateKeyFile);
      rmSync(`${hostKey.privateKeyFile}.pub`);
      hostKey = sshKeygen(dir, 'ssh_host_ed25519_key');
      await launch();
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
