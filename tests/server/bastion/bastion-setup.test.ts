// Setting the bastion up, as an administrator and a vendor meet it: `vigie server init` prints the
// SSH host key fingerprint vendors pin (and the real OpenSSH client sees that very key);
// `vigie server start` listens on --ssh-port, or runs no bastion with --no-ssh; the bastion offers
// modern algorithms only (curve25519, ed25519, AES-GCM / chacha20-poly1305): a client limited to
// older ones cannot even negotiate.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { AccessAuthority } from '../../../server/bastion/access-authority.js';
import { bastionKeyPaths } from '../../../server/bastion/keys.js';
import { runCli } from '../../../server/cli/run.js';
import { openSecretsKey } from '../../../server/secrets/secrets-key.js';
import { childEnv } from '../../helpers/child-env.js';
import { freePort, requireSshd, sshKeygen } from '../../helpers/sshd.js';
import { testPacks } from '../access/helpers.js';
import { openTestDatabase } from '../fixture.js';
import { clientOptions, collectRun, startTestBastion } from './harness.js';

requireSshd('bastion-setup.test.ts');

const BIN = fileURLToPath(new URL('../../../bin/vigie.mjs', import.meta.url));

function tempDir(t: Test, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { stdout: (s) => void out.push(s), stderr: (s) => void err.push(s), env: {} });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** `vigie server start ARGS` as a real process until its output matches `ready`; then SIGTERM. */
async function serverStartOutput(t: Test, args: string[], ready: RegExp, check: (out: string) => Promise<void>): Promise<string> {
  const child = spawn(process.execPath, [BIN, 'server', 'start', ...args], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  // A bound, not a speed claim: at load 15 a cold start (tsx compiling the server) said nothing in 60 s.
  const deadline = Date.now() + 180_000;
  while (!ready.test(out) && child.exitCode === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  if (!ready.test(out)) throw new Error(`vigie server start did not say ${ready}: ${out}`);
  await check(out);
  child.kill('SIGTERM');
  await exited;
  return out;
}

t.test('vigie server init prints the host key fingerprint vendors pin; the OpenSSH client sees that key; server start honours --ssh-port and --no-ssh', async (t) => {
  const dataDir = tempDir(t, 'vigie-bastion-init-');
  const first = await cli(['server', 'init', '--data-dir', dataDir, '--hostname', 'localhost']);
  t.equal(first.code, 0, first.err);
  const printed = /fingerprint \(vendors pin it\): (SHA256:[A-Za-z0-9+/]{43})/.exec(first.out)?.[1];
  t.ok(printed, first.out);
  const paths = bastionKeyPaths(dataDir);
  t.equal(statSync(paths.hostKey).mode & 0o777, 0o600);
  t.equal(statSync(paths.recordingKey).mode & 0o777, 0o600);
  const again = await cli(['server', 'init', '--data-dir', dataDir, '--force', '--hostname', 'localhost']);
  t.equal(again.code, 0, again.err);
  t.match(again.out, /SSH bastion host key already present, kept/);
  t.ok(again.out.includes(printed!), 'the same fingerprint: the key is never replaced');

  const sshPort = await freePort();
  await serverStartOutput(t, ['--data-dir', dataDir, '--port', '0', '--ssh-port', String(sshPort), '--ssh-host', '127.0.0.1'], /SSH bastion listening/, async (out) => {
    t.match(out, new RegExp(`SSH bastion listening on port ${sshPort} \\(host key ${printed!.replace(/[+/]/g, '\\$&')}\\)`));
    // What a vendor's client sees on first connection is the printed fingerprint.
    const scan = spawnSync('sh', ['-c', `ssh-keyscan -T 10 -t ed25519 -p ${sshPort} 127.0.0.1 2>/dev/null | ssh-keygen -lf -`], { encoding: 'utf8', timeout: 30_000 });
    t.match(scan.stdout, new RegExp(`256 ${printed!.replace(/[+/]/g, '\\$&')} .*\\(ED25519\\)`), scan.stdout + scan.stderr);
    // docs/bastion.md, "Pinning the bastion's host key": the key line under [host]:port in known_hosts,
    // `ssh-keygen -l -F` shows the fingerprint to compare, strict checking lets ssh through to authentication.
    const home = tempDir(t, 'vigie-vendor-home-');
    const keyLine = readFileSync(paths.hostPublicKey, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    const knownHosts = join(home, 'known_hosts');
    writeFileSync(knownHosts, `[127.0.0.1]:${sshPort} ${keyLine}\n`);
    const lookup = spawnSync('ssh-keygen', ['-l', '-F', `[127.0.0.1]:${sshPort}`, '-f', knownHosts], { encoding: 'utf8' });
    t.match(lookup.stdout, new RegExp(`ED25519 ${printed!.replace(/[+/]/g, '\\$&')}`), lookup.stdout + lookup.stderr);
    const vendorKey = sshKeygen(home, 'vendor_key');
    const pinnedSsh = (file: string) =>
      collectRun(
        spawn('ssh', ['-F', '/dev/null', '-o', `UserKnownHostsFile=${file}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-i', vendorKey.privateKeyFile, '-p', String(sshPort), 'jdupont+irm-01@127.0.0.1', 'true'], {
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home },
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
        30_000,
      );
    const pinned = await pinnedSsh(knownHosts);
    t.match(pinned.stderr, /Permission denied/, 'the pinned key matched: ssh went on to authenticate (this key is registered nowhere)');
    t.notMatch(pinned.stderr, /Host key verification failed/);
    // Another key pinned under that name: ssh refuses before sending anything.
    const wrong = join(home, 'known_hosts_wrong');
    writeFileSync(wrong, `[127.0.0.1]:${sshPort} ${vendorKey.publicKey.split(/\s+/).slice(0, 2).join(' ')}\n`);
    const mismatch = await pinnedSsh(wrong);
    t.equal(mismatch.code, 255);
    t.match(mismatch.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED/);
  });
  t.notOk(await listening(sshPort), 'the bastion stopped with the server');

  await serverStartOutput(t, ['--data-dir', dataDir, '--port', '0', '--ssh-port', String(sshPort), '--ssh-host', '127.0.0.1', '--no-ssh'], /Vigie server listening/, async (out) => {
    t.notMatch(out, /SSH bastion/, 'no bastion, and nothing said about one');
    t.notOk(await listening(sshPort), '--no-ssh: nothing listens on the SSH port');
  });
});

t.test('modern algorithms only: curve25519, ed25519, AEAD ciphers; older ones cannot negotiate', async (t) => {
  const { db, dataDir } = await openTestDatabase(t, 'sqlite');
  const secretsKey = openSecretsKey({ dataDir, secretsKeyFile: null });
  const authority = new AccessAuthority({ db, secretsKey, packs: testPacks(), overlays: new Map() });
  const bastion = await startTestBastion(t, { db, dataDir, authority });
  const key = sshKeygen(bastion.clientDir, 'nobody_key');
  // Asynchronously: the bastion runs in this process and must keep answering.
  const attempt = async (extra: string[]) => {
    const child = spawn('ssh', ['-v', ...extra, ...clientOptions(bastion, key.privateKeyFile), '-o', 'BatchMode=yes', '-p', String(bastion.running.port), 'nobody@127.0.0.1', 'true'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: bastion.clientDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run = await collectRun(child, 30_000);
    return { status: run.code, stderr: run.stderr };
  };

  // The client's defaults: what is negotiated is the modern set (then authentication fails: nobody is registered).
  let run = await attempt([]);
  t.match(run.stderr, /kex: algorithm: curve25519-sha256/);
  t.match(run.stderr, /kex: host key algorithm: ssh-ed25519/);
  t.match(run.stderr, /kex: server->client cipher: (chacha20-poly1305@openssh\.com|aes(128|256)-gcm@openssh\.com)/);
  t.match(run.stderr, /Permission denied/);
  for (const cipher of ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'chacha20-poly1305@openssh.com']) {
    run = await attempt(['-o', `Ciphers=${cipher}`]);
    t.match(run.stderr, new RegExp(`kex: client->server cipher: ${cipher.replace(/[.@]/g, '\\$&')}`), cipher);
  }

  const refused: [string[], RegExp][] = [
    [['-o', 'KexAlgorithms=diffie-hellman-group14-sha256,diffie-hellman-group-exchange-sha256,ecdh-sha2-nistp256'], /no matching key exchange method found/],
    [['-o', 'KexAlgorithms=diffie-hellman-group14-sha1'], /no matching key exchange method found/],
    [['-o', 'Ciphers=aes128-ctr,aes256-ctr,aes128-cbc'], /no matching cipher found/],
    [['-o', 'HostKeyAlgorithms=rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256'], /no matching host key type found/],
  ];
  for (const [options, expected] of refused) {
    run = await attempt(options);
    t.equal(run.status, 255, options.join(' '));
    t.match(run.stderr, expected, options.join(' '));
    t.notMatch(run.stderr, /Permission denied/, 'refused before authentication');
  }
});
