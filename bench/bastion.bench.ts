// The SSH bastion, measured in one run against a real sshd on loopback (the baseline):
//  1. throughput of a payload through `ssh -T ... "cat > /dev/null"` (aes128-gcm@openssh.com), directly
//     to sshd and through the bastion with recording on and off, as ratios; CPU per MiB of the
//     bastion (this process), of sshd (its per-connection children, read from the master's cutime)
//     and of the ssh client (this process's reaped children); from these, the best ratio the CPU
//     allows when the cores are saturated (see the end of docs/bastion.md); the event-loop delay of
//     the bastion during the transfers and the seals that end them;
//  2. time from TCP connect (ssh started) to the shell prompt, directly and through the bastion;
//  3. revoke-to-cut and window-end-to-cut latencies;
//  4. N concurrent interactive sessions typing: event-loop delay p99 and RSS of the bastion.
// The payload is base64 text (random bytes recorded as asciicast input cost about 4x more CPU:
// each invalid UTF-8 byte becomes an escaped replacement character). Default run is short (16 MiB payload, 3 rounds, 20 sessions for 5 s: well under a minute);
// `npm run bench -- bastion --full` is the issue's run (64 MiB, 5 rounds, 50 sessions for 10 s).
// Client, bastion and sshd share the same 2 cores: the through-bastion figures pay for three
// encryptions (client->bastion, bastion->sshd) and the bastion's JavaScript, all on those cores.
// Run: npm run bench -- bastion   (root: it starts sshd)
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import pino from 'pino';
import { newTotpSecret, totpCode } from '../server/auth/totp.js';
import { sealTotpSecret } from '../server/auth/totp-at-rest.js';
import { DEFAULT_BASTION_SETTINGS, startBastion } from '../server/bastion/bastion-server.js';
import { initBastionKeys, loadHostKey, loadRecordingKey } from '../server/bastion/keys.js';
import { openDatabase } from '../server/db/database.js';
import { insertUser } from '../server/db/users.js';
import { openSecretsKey } from '../server/secrets/secrets-key.js';
import { sshKeygen, startSshd } from '../tests/helpers/sshd.js';
import { MemoryAuthority } from '../tests/server/bastion/memory-authority.js';

const full = process.argv.includes('--full');
const PAYLOAD_MIB = full ? 64 : 16;
const ROUNDS = full ? 5 : 3;
const SESSIONS = full ? 50 : 20;
const TYPING_SECONDS = full ? 10 : 5;
const CUT_SAMPLES = full ? 5 : 3;
const CLK_TCK = 100;

const work = mkdtempSync(join(tmpdir(), 'vigie-bench-bastion-'));
const sshd = await startSshd();
const db = await openDatabase({ dataDir: join(work, 'data') });
const secretsKey = openSecretsKey({ dataDir: join(work, 'data'), secretsKeyFile: null });
initBastionKeys(join(work, 'data'));
let offsetMs = 0;
const now = () => new Date(Date.now() + offsetMs);
const authority = new MemoryAuthority();
const settings = { ...DEFAULT_BASTION_SETTINGS(join(work, 'data')), host: '127.0.0.1', port: 0 };
const bastion = await startBastion(
  { db, authority, secretsKey, hostKey: loadHostKey(join(work, 'data')), recordingKey: loadRecordingKey(join(work, 'data')), log: pino({ level: 'silent' }), now },
  settings,
);
const knownHosts = join(work, 'known_hosts');
writeFileSync(
  knownHosts,
  `[127.0.0.1]:${bastion.port} ${readFileSync(join(work, 'data', 'bastion', 'ssh_host_ed25519_key.pub'), 'utf8').trim()}\n` +
    `[127.0.0.1]:${sshd.port} ${sshd.hostKey.publicKey}\n`,
);

interface Vendor { name: string; userId: string; secret: string; keyFile: string }
const target = (name: string, recordInput: boolean) => ({
  target: { targetId: name, name, host: '127.0.0.1', port: sshd.port, hostKeyFingerprint: sshd.hostKey.fingerprint, channels: { shell: true, exec: true, sftp: false, forwardPorts: [] }, recordInput },
  credential: { username: 'root', kind: 'key' as const, privateKey: sshd.deviceKey.privateKey },
  failingRules: [],
});
authority.targets.set('rec-on', target('rec-on', true));
authority.targets.set('rec-off', target('rec-off', false));
let grantCount = 0;
function grantFor(vendor: Vendor, targetName: string, untilMs = 6 * 3600_000) {
  grantCount += 1;
  const grant = { grantId: `g${grantCount}`, requestId: `r${grantCount}`, userId: vendor.userId, targetName, notBefore: new Date(now().getTime() - 60_000).toISOString(), notAfter: new Date(now().getTime() + untilMs).toISOString(), revoked: false };
  authority.grants.push(grant);
  return grant;
}
async function vendor(name: string): Promise<Vendor> {
  const user = await insertUser(db, { username: name, role: 'vendor', password_hash: 'x', password_must_change: false, now: now() });
  const secret = newTotpSecret();
  await db.updateTable('users').set({ totp_secret: sealTotpSecret(secretsKey, user.user_id, 'totp_secret', secret) }).where('user_id', '=', user.user_id).execute();
  const key = sshKeygen(work, `${name}_key`);
  authority.keys.set(user.user_id, [{ fingerprint: key.fingerprint, publicKey: key.publicKey }]);
  const v = { name, userId: user.user_id, secret, keyFile: key.privateKeyFile };
  grantFor(v, 'rec-on');
  grantFor(v, 'rec-off');
  return v;
}

const common = ['-F', '/dev/null', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none', '-o', 'PasswordAuthentication=no', '-o', 'NumberOfPasswordPrompts=1'];
function askpassEnv(code: string): NodeJS.ProcessEnv {
  const file = join(work, `askpass-${randomBytes(4).toString('hex')}.sh`);
  writeFileSync(file, `#!/bin/sh\necho ${code}\n`);
  chmodSync(file, 0o700);
  return { PATH: process.env.PATH, HOME: work, SSH_ASKPASS: file, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' };
}
/** Arguments and environment for one ssh through the bastion (one fresh TOTP step: the clock moves 30 s). */
function viaBastion(v: Vendor, targetName: string): { args: string[]; env: NodeJS.ProcessEnv } {
  offsetMs += 30_000;
  return { args: [...common, '-i', v.keyFile, '-o', 'PreferredAuthentications=publickey,keyboard-interactive', '-p', String(bastion.port), `${v.name}+${targetName}@127.0.0.1`], env: askpassEnv(totpCode(v.secret, now())) };
}
function direct(): { args: string[]; env: NodeJS.ProcessEnv } {
  return { args: [...common, '-i', sshd.deviceKey.privateKeyFile, '-o', 'PreferredAuthentications=publickey', '-p', String(sshd.port), 'root@127.0.0.1'], env: { PATH: process.env.PATH, HOME: work } };
}

/** CPU seconds of this process's reaped children: the ssh clients (sshd's master is not reaped before the end). */
function reapedChildrenCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) / CLK_TCK;
}

function sshdChildrenCpuSeconds(): number {
  const pid = Number(readFileSync(join(sshd.dir, 'sshd.pid'), 'utf8').trim());
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // After ") ": state is field 3; cutime and cstime are fields 16 and 17 (1-based in proc(5)).
  return (Number(fields[13]) + Number(fields[14])) / CLK_TCK;
}

/** The device measures its own transfer: nanoseconds from the start of `cat` to the end of its input (GNU date). */
const DEVICE_TIMED_CAT = 't0=$(date +%s%N); cat > /dev/null; t1=$(date +%s%N); echo $((t1 - t0))';
const loadAverage = () => loadavg().map((value) => value.toFixed(2)).join(' ');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const fmt = (n: number, digits = 1) => n.toFixed(digits);

const payload = join(work, 'payload.bin');
// Text, as a vendor pasting or cat-ing a file sends it (base64 of random bytes: incompressible, all printable).
writeFileSync(payload, randomBytes((PAYLOAD_MIB * 1024 * 1024 * 3) / 4).toString('base64'));
const alice = await vendor('alice');

const loadAtStart = loadAverage();
console.log(`payload ${PAYLOAD_MIB} MiB of base64 text, ${ROUNDS} rounds each, cipher aes128-gcm@openssh.com (client and bastion->device)`);
type Path = 'direct' | 'bastion, recording on' | 'bastion, recording off';
const results = new Map<Path, { transfer: number[]; device: number[]; connect: number[]; bastionCpu: number[]; sshdCpu: number[]; clientCpu: number[] }>();
for (const path of ['direct', 'bastion, recording on', 'bastion, recording off'] as Path[]) results.set(path, { transfer: [], device: [], connect: [], bastionCpu: [], sshdCpu: [], clientCpu: [] });
// The bastion's event loop during the transfers, each session's end and seal included.
const transferLoop = monitorEventLoopDelay({ resolution: 1 });
transferLoop.enable();
for (let round = 0; round < ROUNDS; round++) {
  for (const path of results.keys()) {
    const make = () => (path === 'direct' ? direct() : viaBastion(alice, path === 'bastion, recording on' ? 'rec-on' : 'rec-off'));
    // The same command with no input first: its CPU (key exchanges, logins, the bastion's checks and
    // seal, the device's shell) is subtracted, so the CPU per MiB is that of the bytes alone.
    const empty = await measured(make(), '/dev/null');
    const full = await measured(make(), payload);
    const deviceNs = Number(full.run.stdout.trim());
    if (!Number.isFinite(deviceNs) || deviceNs <= 0) throw new Error(`${path}: no transfer time from the device: ${JSON.stringify(full.run.stdout)}`);
    const entry = results.get(path)!;
    entry.connect.push(empty.run.ms);
    entry.transfer.push(full.run.ms);
    entry.device.push(deviceNs / 1e6);
    entry.bastionCpu.push(full.bastion - empty.bastion);
    entry.sshdCpu.push(full.sshd - empty.sshd);
    entry.clientCpu.push(full.client - empty.client);
  }
}
/** One device-timed `cat` of `input` on `how`, with the CPU seconds of the bastion (this process), sshd and the ssh client. */
async function measured(how: { args: string[]; env: NodeJS.ProcessEnv }, input: string) {
  const cpu0 = process.cpuUsage();
  const sshd0 = sshdChildrenCpuSeconds();
  const client0 = reapedChildrenCpuSeconds();
  const run = await runWithStdin(['-T', '-c', 'aes128-gcm@openssh.com', ...how.args, DEVICE_TIMED_CAT], how.env, input);
  if (run.code !== 0) throw new Error(`ssh exited ${run.code}: ${run.stderr}`);
  await new Promise((resolve) => setTimeout(resolve, 300)); // sshd reaps its child, the bastion seals
  const cpu = process.cpuUsage(cpu0);
  return { run, bastion: (cpu.user + cpu.system) / 1e6, sshd: sshdChildrenCpuSeconds() - sshd0, client: reapedChildrenCpuSeconds() - client0 };
}
transferLoop.disable();

function runWithStdin(args: string[], env: NodeJS.ProcessEnv, file: string): Promise<{ ms: number; code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn('sh', ['-c', 'exec ssh "$@" < "$PAYLOAD"', 'ssh', ...args], { env: { ...env, PAYLOAD: file }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ ms: performance.now() - started, code, stdout, stderr }));
  });
}

// The transfer is timed on the device, from the start of `cat` to the end of its input: the rate of
// the bytes through each path, without the connection set-up (process start, key exchange, TOTP),
// which the wall time of the whole command includes and the prompt measure below reports apart.
const directDevice = median(results.get('direct')!.device);
const directWall = median(results.get('direct')!.transfer);
console.log(`\nload average at the start of the transfers: ${loadAtStart}; now: ${loadAverage()}`);
console.log('path                      MiB/s (device)  ratio vs direct  client CPU/MiB  bastion CPU/MiB  sshd CPU/MiB  whole command ms (ratio)');
const perMiB = (seconds: number[]) => (median(seconds) / PAYLOAD_MIB) * 1000;
for (const [path, r] of results) {
  const device = median(r.device);
  console.log(
    `${path.padEnd(26)}${fmt(PAYLOAD_MIB / (device / 1000)).padStart(14)}${fmt(directDevice / device, 2).padStart(17)}${(fmt(perMiB(r.clientCpu), 2) + ' ms').padStart(16)}${(path === 'direct' ? '-' : fmt(perMiB(r.bastionCpu), 2) + ' ms').padStart(17)}${(fmt(perMiB(r.sshdCpu), 2) + ' ms').padStart(14)}${`${fmt(median(r.transfer), 0)} (${fmt(directWall / median(r.transfer), 2)})`.padStart(26)}`,
  );
}
console.log(`per-round ratios (device-timed), recording on: ${ratios('bastion, recording on')}; off: ${ratios('bastion, recording off')}`);
// What the CPU allows. When the cores are saturated (here: 2 cores for 3 busy processes, and other
// work), a path's throughput is at most (cores available) / (CPU seconds per MiB of all its processes),
// so the ratio through the bastion is at most (client + sshd, direct) / (client + bastion + sshd).
// With a core free for each process, it is at most (slowest direct process) / (slowest bastion-path process).
const cpuOf = (path: Path) => {
  const r = results.get(path)!;
  return { client: perMiB(r.clientCpu), bastion: path === 'direct' ? 0 : perMiB(r.bastionCpu), sshd: perMiB(r.sshdCpu) };
};
const directCpu = cpuOf('direct');
for (const path of ['bastion, recording on', 'bastion, recording off'] as Path[]) {
  const b = cpuOf(path);
  const saturated = (directCpu.client + directCpu.sshd) / (b.client + b.bastion + b.sshd);
  const coreEach = Math.max(directCpu.client, directCpu.sshd) / Math.max(b.client, b.bastion, b.sshd);
  console.log(
    `${path}: CPU per MiB of the whole path ${fmt(b.client + b.bastion + b.sshd, 1)} ms (direct ${fmt(directCpu.client + directCpu.sshd, 1)} ms): best ratio the CPU allows ${fmt(saturated, 2)} on saturated cores, ${fmt(coreEach, 2)} with a core per process; measured ${fmt(directDevice / median(results.get(path)!.device), 2)}`,
  );
}
console.log(`bastion event loop during the transfers and seals: p99 ${fmt(transferLoop.percentile(99) / 1e6, 1)} ms, max ${fmt(transferLoop.max / 1e6, 1)} ms`);
function ratios(path: Path): string {
  const direct = results.get('direct')!.device;
  return results.get(path)!.device.map((ms, i) => fmt(direct[i]! / ms, 2)).join(' ');
}

// 2. TCP connect to shell prompt (ssh -tt, the prompt of root's shell on the device).
function toPrompt(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('ssh', ['-tt', ...args], { env: { ...env, PS1: '' }, stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error('no prompt')), 20_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/[#$] $/.test(out.trimEnd() + ' ')) {
        clearTimeout(timer);
        resolve(performance.now() - started);
        child.stdin.end('exit\n');
      }
    });
  });
}
const prompts = { direct: [] as number[], bastion: [] as number[] };
for (let i = 0; i < ROUNDS; i++) {
  const d = direct();
  prompts.direct.push(await toPrompt(d.args, d.env));
  const b = viaBastion(alice, 'rec-on');
  prompts.bastion.push(await toPrompt(b.args, b.env));
}
console.log(`\nconnect to shell prompt (median of ${ROUNDS}): direct ${fmt(median(prompts.direct), 0)} ms, through the bastion ${fmt(median(prompts.bastion), 0)} ms (key + TOTP + grant + device connection)`);

// 3. Cut latencies: revoke (the watchdog's next database read) and window end (its clock).
async function cutLatency(kind: 'revoke' | 'window'): Promise<number> {
  const v = alice;
  const grant = grantFor(v, 'rec-off', kind === 'window' ? 3600_000 : 6 * 3600_000);
  for (const g of authority.grants) if (g.userId === v.userId && g.targetName === 'rec-off' && g !== grant) g.revoked = true;
  const b = viaBastion(v, 'rec-off');
  if (kind === 'window') grant.notAfter = new Date(now().getTime() + 2500).toISOString();
  const child = spawn('ssh', ['-T', ...b.args, 'cat'], { env: b.env, stdio: ['pipe', 'pipe', 'ignore'] });
  await new Promise<void>((resolve) => {
    child.stdout.once('data', () => resolve());
    child.stdin.write('ready\n');
  });
  let cutAt: number;
  if (kind === 'revoke') {
    cutAt = performance.now();
    grant.revoked = true;
  } else {
    const waitMs = Date.parse(grant.notAfter) - now().getTime();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, waitMs)));
    cutAt = performance.now();
  }
  await new Promise((resolve) => child.on('close', resolve));
  return performance.now() - cutAt;
}
const cuts = { revoke: [] as number[], window: [] as number[] };
for (let i = 0; i < CUT_SAMPLES; i++) {
  cuts.revoke.push(await cutLatency('revoke'));
  cuts.window.push(await cutLatency('window'));
}
console.log(`\ncut latency, until the vendor's ssh has exited (median / max of ${CUT_SAMPLES}): revoke ${fmt(median(cuts.revoke), 0)} / ${fmt(Math.max(...cuts.revoke), 0)} ms; window end ${fmt(median(cuts.window), 0)} / ${fmt(Math.max(...cuts.window), 0)} ms (target <= 1000 ms)`);

// 4. Concurrent interactive sessions, each typing a line every 100 ms into cat on the device.
const vendors: Vendor[] = [];
for (let i = 0; i < SESSIONS; i++) vendors.push(await vendor(`v${i}`));
const rssBefore = process.memoryUsage().rss;
const children = vendors.map((v) => {
  // One TOTP step for everyone: each vendor's code is accepted once per step, and they are different users.
  const args = [...common, '-i', v.keyFile, '-o', 'PreferredAuthentications=publickey,keyboard-interactive', '-p', String(bastion.port), `${v.name}+rec-on@127.0.0.1`];
  return spawn('ssh', ['-tt', ...args, 'cat'], { env: askpassEnv(totpCode(v.secret, now())), stdio: ['pipe', 'pipe', 'ignore'] });
});
let echoed = 0;
await Promise.all(children.map((child) => new Promise<void>((resolve) => {
  child.stdout.on('data', (d: Buffer) => (echoed += d.length));
  child.stdout.once('data', () => resolve());
  child.stdin.write('hello\n');
})));
const histogram = monitorEventLoopDelay({ resolution: 1 });
histogram.enable();
const typing = setInterval(() => {
  for (const child of children) child.stdin.write(`line ${Date.now()}\n`);
}, 100);
await new Promise((resolve) => setTimeout(resolve, TYPING_SECONDS * 1000));
clearInterval(typing);
histogram.disable();
const rssDuring = process.memoryUsage().rss;
console.log(
  `\n${SESSIONS} concurrent interactive sessions (${bastion.liveSessions().length} live), typing 10 lines/s each for ${TYPING_SECONDS} s: event-loop delay p50 ${fmt(histogram.percentile(50) / 1e6, 2)} ms, p99 ${fmt(histogram.percentile(99) / 1e6, 2)} ms, max ${fmt(histogram.max / 1e6, 1)} ms (target p99 <= 20 ms); RSS ${fmt(rssBefore / 2 ** 20, 0)} -> ${fmt(rssDuring / 2 ** 20, 0)} MiB; ${echoed} bytes echoed`,
);
// Ctrl-D ends cat on the device's terminal (closing ssh's stdin alone does not reach a pty); bounded all the same.
for (const child of children) child.stdin.end('\x04');
const stragglers = setTimeout(() => children.forEach((child) => child.kill('SIGTERM')), 15_000);
await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.on('close', resolve)))));
clearTimeout(stragglers);
await bastion.close();
await db.destroy();
await sshd.stop();
rmSync(work, { recursive: true, force: true });
