// The bastion end to end: the real OpenSSH client (ssh, scp, sftp) through the bastion to a real
// sshd started here, on loopback, on the access domain's real authority (vendors, keys, targets with
// the sealed device key, grants, revokes, the posture gate of reported gateways). Every case of
// issue 17's "done when" that concerns a session.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { verifyRecording } from '../../../server/bastion/manifest.js';
import { findBastionSession, listBastionSessions, requestBastionCut } from '../../../server/db/bastion-sessions.js';
import type { Database } from '../../../server/db/schema.js';
import { openTestDatabase, TEST_NOW } from '../fixture.js';
import { freePort, requireSshd, startSshd, type TestSshd } from '../../helpers/sshd.js';
import { approvedGrant, buildAccessWorld, enrolVendorUser, revoke, type AccessWorld, type TestGrant } from './access-world.js';
import { openSecretsKey } from '../../../server/secrets/secrets-key.js';
import { addVendor, askpassFor, clientOptions, collectRun, fileTool, spawnSsh, ssh, startTestBastion, TestClock, waitFor, type Bastion, type Vendor } from './harness.js';

requireSshd('bastion-e2e.test.ts');

async function auditRows(db: Database, action?: string): Promise<{ action: string; details: Record<string, unknown>; target: string | null }[]> {
  let query = db.selectFrom('audit_log').select(['action', 'details', 'target']).orderBy('seq');
  if (action !== undefined) query = query.where('action', '=', action);
  return (await query.execute()).map((row) => ({ action: row.action, target: row.target, details: JSON.parse(row.details) as Record<string, unknown> }));
}

interface World {
  db: Database;
  sshd: TestSshd;
  access: AccessWorld;
  bastion: Bastion;
  alice: Vendor;
  bob: Vendor;
  echo: { port: number; server: Server };
  unlistedPort: number;
  logLines: string[];
}

function grant(world: World, vendor: Vendor, target: string, fromMs: number, toMs: number): Promise<TestGrant> {
  const found = world.access.targets[target];
  if (found === undefined) throw new Error(`no target ${target}`);
  return approvedGrant(world.db, vendor, found, world.bastion.clock.now(), fromMs, toMs);
}

async function setUp(tt: Test): Promise<World> {
  const { db, dataDir } = await openTestDatabase(tt, 'sqlite');
  const sshd = await startSshd();
  tt.teardown(() => sshd.stop());
  const echoServer = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echoServer.listen(0, '127.0.0.1', resolve));
  tt.teardown(() => new Promise<void>((resolve) => echoServer.close(() => resolve())));
  const echoPort = (echoServer.address() as { port: number }).port;
  const clock = new TestClock(TEST_NOW);
  const secretsKey = openSecretsKey({ dataDir, secretsKeyFile: null });
  const access = await buildAccessWorld(tt, {
    db,
    dataDir,
    secretsKey,
    now: clock.now(),
    sshd,
    targets: [
      { name: 'irm-01', vendors: ['acme-imaging'], forwardPorts: [echoPort] },
      { name: 'labo-02', vendors: ['acme-imaging', 'globex-lab'] },
      { name: 'pharma-04', vendors: ['globex-lab'] },
      { name: 'scanner-03', vendors: ['acme-imaging'], failingGateway: true },
      // Input recording off (a device where the vendor types patient data), and no file transfer.
      { name: 'echo-06', vendors: ['acme-imaging'], sftp: false, recordInput: false },
    ],
  });
  const logLines: string[] = [];
  const bastion = await startTestBastion(tt, { db, dataDir, authority: access.authority, clock, logSink: (line) => logLines.push(line) });
  const alice = await addVendor(db, bastion.secretsKey, bastion.clientDir, 'alice', bastion.clock.now());
  const bob = await addVendor(db, bastion.secretsKey, bastion.clientDir, 'bob', bastion.clock.now());
  await enrolVendorUser(db, 'acme-imaging', alice, clock.now());
  await enrolVendorUser(db, 'acme-imaging', bob, clock.now());
  const unlisted = createServer();
  await new Promise<void>((resolve) => unlisted.listen(0, '127.0.0.1', resolve));
  const unlistedPort = (unlisted.address() as { port: number }).port;
  tt.teardown(() => new Promise<void>((resolve) => unlisted.close(() => resolve())));
  return { db, sshd, access, bastion, alice, bob, echo: { port: echoPort, server: echoServer }, unlistedPort, logLines };
}

function castEvents(dir: string): { file: string; header: Record<string, unknown>; events: [number, string, string][] }[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.cast'))
    .sort()
    .map((file) => {
      const [header, ...events] = readFileSync(join(dir, file), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as unknown);
      return { file, header: header as Record<string, unknown>, events: events as [number, string, string][] };
    });
}

async function endedSession(world: World, sessionId?: string) {
  let found: Awaited<ReturnType<typeof findBastionSession>>;
  await waitFor(async () => {
    const rows = await listBastionSessions(world.db, { state: 'all' });
    const row = sessionId === undefined ? rows[0] : rows.find((r) => r.session_id === sessionId);
    if (row === undefined || row.ended_at === null || row.signed_sha256 === null) return false;
    found = row;
    return true;
  }, 15_000, 'the session to end and be sealed');
  return found!;
}

t.test('the bastion end to end (real ssh, scp, sftp and sshd)', async (t) => {
  const world = await setUp(t);
  const { alice, bob, bastion, db } = world;
  let aliceGrant = await grant(world, alice, 'irm-01', -60_000, 3 * 3600_000);
  await grant(world, alice, 'scanner-03', -60_000, 3600_000);
  // A grant on another vendor's target (a row that should never exist): still refused, the vendor is not allowed there.
  await grant(world, alice, 'pharma-04', -60_000, 3600_000);

  await t.test('inside the window the shell works and the recording holds what was typed and shown', async (t) => {
    const run = await ssh(bastion, alice, 'alice+irm-01', [], { extra: ['-tt'], stdin: 'echo typed-$((6*7))\nexit 0\n' });
    t.equal(run.code, 0, run.stderr);
    t.match(run.stdout, /typed-42/);
    const row = await endedSession(world);
    t.equal(row.username, 'alice');
    t.equal(row.end_reason, 'client_closed');
    const casts = castEvents(join(bastion.recordingsDir, row.recording_dir));
    t.equal(casts.length, 1);
    const shell = casts[0]!;
    t.equal(shell.file, 'ch1-shell.cast');
    t.equal(shell.header.version, 2);
    const typed = shell.events.filter((e) => e[1] === 'i').map((e) => e[2]).join('');
    const shown = shell.events.filter((e) => e[1] === 'o').map((e) => e[2]).join('');
    t.match(typed, /echo typed-\$\(\(6\*7\)\)/);
    t.match(shown, /typed-42/);
    t.ok(shell.events.some((e) => e[1] === 'm' && e[2].includes(`grant ${aliceGrant.requestId}`)), 'approval marker');
    const verified = verifyRecording(join(bastion.recordingsDir, row.recording_dir), bastion.recordingKey.publicKey, row.signed_sha256);
    t.ok(verified.ok, JSON.stringify(verified.problems));
    const ended = (await auditRows(db, 'bastion.session_ended')).at(-1)!;
    t.equal(ended.details.signed_manifest_sha256, row.signed_sha256, 'the signed manifest hash is in the audit log');
    const request = await db.selectFrom('access_requests').select(['state']).where('request_id', '=', aliceGrant.requestId).executeTakeFirstOrThrow();
    t.equal(request.state, 'active', 'the first session made the grant active');
  });

  await t.test('exec passes the exit status and stderr back and is an audit event', async (t) => {
    const run = await ssh(bastion, alice, 'alice+irm-01', ['echo out-line; echo err-line >&2; exit 7']);
    t.equal(run.code, 7);
    t.equal(run.stdout, 'out-line\n');
    t.equal(run.stderr.includes('err-line'), true);
    const exec = (await auditRows(db, 'bastion.exec')).at(-1)!;
    t.equal(exec.details.command, 'echo out-line; echo err-line >&2; exit 7');
    t.equal(exec.target, 'target:irm-01');
  });

  await t.test('a command killed by a signal ends for the vendor as it does directly on the device', async (t) => {
    // The real OpenSSH client, directly to sshd and through the bastion: the same exit status and message.
    const command = 'echo before-kill; kill -TERM $$; echo after-kill';
    const knownHosts = join(bastion.clientDir, 'device_known_hosts');
    writeFileSync(knownHosts, `[127.0.0.1]:${world.sshd.port} ${world.sshd.hostKey.publicKey}\n`);
    const direct = await collectRun(
      spawn('ssh', ['-F', '/dev/null', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-v', '-i', world.sshd.deviceKey.privateKeyFile, '-p', String(world.sshd.port), `${world.sshd.user}@127.0.0.1`, command], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: bastion.clientDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    const through = await ssh(bastion, alice, 'alice+irm-01', [command], { extra: ['-v'] });
    t.equal(direct.stdout, 'before-kill\n');
    t.same([through.code, through.signal, through.stdout], [direct.code, direct.signal, direct.stdout], 'same exit and output as directly');
    t.not(through.code, 0);
    // OpenSSH's client exits 255 silently on an exit signal; its debug log shows what arrived.
    t.match(direct.stderr, /rtype exit-signal/, 'sshd sent an exit-signal');
    t.match(through.stderr, /rtype exit-signal/, 'the bastion passed the exit-signal on');
    t.notMatch(through.stderr, /rtype exit-status/, 'and no exit status instead');

    // (Signal requests: OpenSSH's client sends none, Ctrl-C goes through the pty, tested below; and
    // Debian's sshd 9.2 ignores them when sent directly, so the relay has no real device to show on.)
  });

  await t.test('Ctrl-C in a pty interrupts on the device; env passes LANG/LC_* only', async (t) => {
    const child = spawnSsh(bastion, alice, 'alice+irm-01', [], { extra: ['-tt'] });
    const done = collectRun(child, 30_000);
    let shown = '';
    child.stdout?.on('data', (d: Buffer) => (shown += d.toString()));
    child.stdin?.write('echo started-$((3+3)); sleep 30; echo not-$((2+2))\n');
    await waitFor(() => shown.includes('started-6'), 10_000, 'the sleep to start');
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.stdin?.write('\x03');
    child.stdin?.write('echo after-$((1+1)); exit\n');
    const interrupted = await done;
    t.match(interrupted.stdout, /after-2/);
    t.notMatch(interrupted.stdout, /not-4/, 'the sleep was interrupted');
    const run = await ssh(bastion, alice, 'alice+irm-01', ['echo "lang=$LANG lcx=$LC_TIME foo=$FOO"'], {
      extra: ['-o', 'SetEnv=LANG=fr_FR.UTF-8 LC_TIME=C FOO=bar'],
    });
    t.equal(run.code, 0, run.stderr);
    t.equal(run.stdout.trim(), 'lang=fr_FR.UTF-8 lcx=C foo=');
  });

  await t.test('a bare <user> login lists the grants that can let the user in, says why one cannot now, and leaves', async (t) => {
    const run = await ssh(bastion, alice, 'alice', []);
    t.equal(run.code, 0);
    t.match(run.stdout, /irm-01 .*en cours \/ open now/);
    t.match(run.stdout, /scanner-03 .*inutilisable maintenant \/ unusable now: .*TMA-05/, 'the posture gate refuses it now, and the listing says so');
    t.notMatch(run.stdout, /pharma-04/, "a grant on a target alice's vendor is not allowed on is not listed");
    const listed = (await auditRows(db, 'bastion.grants_listed')).at(-1)!;
    t.same([listed.details.grants, listed.details.unusable_now, listed.details.not_listed], [2, 1, 1]);
  });

  await t.test('refusals say why, and are audit events', async (t) => {
    const before = await grant(world, bob, 'labo-02', 2 * 3600_000, 3 * 3600_000);
    let run = await ssh(bastion, bob, 'bob+labo-02', ['true']);
    t.equal(run.code, 1);
    t.match(run.stderr, /accès refusé à labo-02 .*window_not_started.*prochaine fenêtre \/ next window: /);
    t.match(run.stderr, before.notBefore.slice(11, 16));

    await grant(world, bob, 'irm-01', -3 * 3600_000, -2 * 3600_000);
    run = await ssh(bastion, bob, 'bob+irm-01', ['true']);
    t.equal(run.code, 1);
    t.match(run.stderr, /\(window_over\)/);

    run = await ssh(bastion, alice, 'alice+labo-02', ['true']);
    t.equal(run.code, 1, 'no grant of alice there');
    t.match(run.stderr, /\(no_grant\)/);
    run = await ssh(bastion, alice, 'alice+pharma-04', ['true']);
    t.equal(run.code, 1, "another vendor's target, even with a grant row");
    t.match(run.stderr, /\(no_grant\)/);

    run = await ssh(bastion, alice, 'alice+scanner-03', ['true']);
    t.equal(run.code, 1);
    t.match(run.stderr, /\(posture_gate\).*TMA-05/);

    const revoked = await grant(world, bob, 'labo-02', -60_000, 3600_000);
    await revoke(world.access, revoked, bastion.clock.now());
    run = await ssh(bastion, bob, 'bob+labo-02', ['true']);
    t.equal(run.code, 1);
    t.match(run.stderr, /\(revoked\).*prochaine fenêtre/);

    const refused = await auditRows(db, 'bastion.session_refused');
    t.same(
      refused.map((row) => row.details.reason),
      ['window_not_started', 'window_over', 'no_grant', 'no_grant', 'posture_gate', 'revoked'],
    );
  });

  await t.test('a wrong TOTP code or an unregistered key is refused and counts in the login throttle', async (t) => {
    let run = await ssh(bastion, bob, 'bob+labo-02', ['true'], { totp: '000000' });
    t.equal(run.code, 255);
    t.match(run.stderr, /Permission denied/);
    let failures = await auditRows(db, 'bastion.login_failed');
    t.equal(failures.at(-1)!.details.reason, 'wrong_totp');

    run = await ssh(bastion, bob, 'bob+labo-02', ['true'], { keyFile: alice.key.privateKeyFile, noStep: true });
    t.equal(run.code, 255, "alice's key is not bob's");
    t.match(run.stderr, /Permission denied \(publickey\)/);
    await waitFor(async () => (await auditRows(db, 'bastion.login_failed')).length === failures.length + 1, 5000, 'the unregistered key failure');
    failures = await auditRows(db, 'bastion.login_failed');
    t.equal(failures.at(-1)!.details.reason, 'unregistered_key');

    // Third failure: the account is locked (the web login throttle's counters), even with the right code.
    await ssh(bastion, bob, 'bob+labo-02', ['true'], { totp: '111111' });
    run = await ssh(bastion, bob, 'bob+labo-02', ['true']);
    t.equal(run.code, 255);
    failures = await auditRows(db, 'bastion.login_failed');
    t.equal(failures.at(-1)!.details.reason, 'locked');
    const attempts = await db.selectFrom('login_attempts').selectAll().where('subject', '=', 'user:bob').executeTakeFirst();
    t.ok(attempts?.locked_until, 'the shared throttle locked user:bob');
    await db.deleteFrom('login_attempts').execute();
  });

  await t.test('forwarding: agent, remote, X11 and unlisted local forwards refused; a listed port works', async (t) => {
    let run = await ssh(bastion, alice, 'alice+irm-01', [], { extra: ['-W', `127.0.0.1:${world.unlistedPort}`] });
    t.not(run.code, 0);
    t.match(run.stderr, /administratively prohibited|open failed/);
    run = await ssh(bastion, alice, 'alice+irm-01', [], { extra: ['-W', `127.0.0.1:${world.echo.port}`], stdin: 'ping-through-forward\n' });
    t.equal(run.stdout, 'ping-through-forward\n', run.stderr);
    run = await ssh(bastion, alice, 'alice+irm-01', ['true'], { extra: ['-R', '0:127.0.0.1:22', '-o', 'ExitOnForwardFailure=yes'] });
    t.equal(run.code, 255);
    t.match(run.stderr, /remote port forwarding failed/);
    const agentDir = mkdtempSync(join(tmpdir(), 'vigie-agent-'));
    t.teardown(() => rmSync(agentDir, { recursive: true, force: true }));
    const agent = spawnSync('ssh-agent', ['-a', join(agentDir, 'sock'), '-s'], { encoding: 'utf8' });
    const agentPid = /SSH_AGENT_PID=(\d+)/.exec(agent.stdout)?.[1];
    t.teardown(() => {
      if (agentPid !== undefined) process.kill(Number(agentPid));
    });
    run = await ssh(bastion, alice, 'alice+irm-01', ['echo agent=${SSH_AUTH_SOCK:-none}'], {
      extra: ['-A', '-o', `IdentityAgent=${join(agentDir, 'sock')}`],
    });
    t.equal(run.stdout.trim(), 'agent=none', 'no agent socket on the device');
    run = await ssh(bastion, alice, 'alice+irm-01', ['echo display=${DISPLAY:-none}'], { extra: ['-o', 'ForwardX11=yes', '-o', 'ForwardX11Trusted=yes'] });
    t.equal(run.stdout.trim(), 'display=none', 'no X11 display on the device');
    await waitFor(async () => (await auditRows(db, 'bastion.channel_refused')).some((r) => r.details.channel === 'x11'), 5000, 'x11 refusal');
    // A forward to a Unix socket of the device (direct-streamlocal): refused, nothing reaches the socket.
    const socketDir = mkdtempSync(join(tmpdir(), 'vigie-device-sock-'));
    t.teardown(() => rmSync(socketDir, { recursive: true, force: true }));
    let reached = false;
    const deviceSocket = createServer((socket) => {
      reached = true;
      socket.destroy();
    });
    await new Promise<void>((resolve) => deviceSocket.listen(join(socketDir, 'docker.sock'), resolve));
    t.teardown(() => new Promise<void>((resolve) => deviceSocket.close(() => resolve())));
    const localPort = await freePort();
    const forwarder = spawnSsh(bastion, alice, 'alice+irm-01', [], { extra: ['-N', '-L', `127.0.0.1:${localPort}:${join(socketDir, 'docker.sock')}`] });
    const forwarding = collectRun(forwarder, 30_000);
    let forwarderErr = '';
    forwarder.stderr?.on('data', (d: Buffer) => (forwarderErr += d.toString()));
    // Connect through the local end once ssh listens on it; the bastion refuses the channel it opens.
    await waitFor(async () => {
      const closed = await new Promise<boolean>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port: localPort }, () => socket.on('close', () => resolve(true)));
        socket.on('error', () => resolve(false));
        socket.setTimeout(5000, () => {
          socket.destroy();
          resolve(false);
        });
      });
      return closed && /open failed|prohibited/.test(forwarderErr);
    }, 15_000, `the socket forward to be refused (ssh said: ${JSON.stringify(forwarderErr)})`);
    forwarder.kill('SIGTERM');
    await forwarding;
    t.notOk(reached, "the device's socket was never reached");
    await waitFor(async () => (await auditRows(db, 'bastion.channel_refused')).some((r) => r.details.channel === 'direct-streamlocal@openssh.com'), 5000, 'the socket forward refusal');
    const refused = [...(await auditRows(db, 'bastion.channel_refused')), ...(await auditRows(db, 'bastion.forward_refused'))];
    const kinds = refused.map((row) => String(row.details.channel ?? row.details.kind));
    t.ok(kinds.includes('tcpip-forward'), 'remote forward audited');
    t.ok(kinds.includes('auth-agent'), 'agent forwarding audited');
    t.ok(kinds.includes('x11'), 'X11 audited');
    t.ok(kinds.includes('direct-tcpip'), 'unlisted local forward audited');
    t.ok(kinds.includes('direct-streamlocal@openssh.com'), 'Unix socket forward audited');
    const opened = await auditRows(db, 'bastion.forward_opened');
    t.equal(opened.at(-1)!.details.dest_port, world.echo.port);
  });

  await t.test('sftp and scp uploads are logged with path and size', async (t) => {
    const localDir = mkdtempSync(join(tmpdir(), 'vigie-sftp-'));
    t.teardown(() => rmSync(localDir, { recursive: true, force: true }));
    const remoteDir = mkdtempSync(join(tmpdir(), 'vigie-device-'));
    t.teardown(() => rmSync(remoteDir, { recursive: true, force: true }));
    writeFileSync(join(localDir, 'firmware.bin'), Buffer.alloc(70_000, 7));
    writeFileSync(join(localDir, 'batch'), `put ${join(localDir, 'firmware.bin')} ${remoteDir}/firmware.bin\nmkdir ${remoteDir}/logs\n`);
    // Commands on stdin, not -b: sftp -b forces BatchMode, which forbids the keyboard-interactive TOTP prompt.
    let run = await fileTool(bastion, alice, 'sftp', ['alice+irm-01@127.0.0.1'], { stdin: readFileSync(join(localDir, 'batch')) });
    t.equal(run.code, 0, run.stderr);
    t.equal(readFileSync(join(remoteDir, 'firmware.bin')).length, 70_000);
    writeFileSync(join(localDir, 'config.ini'), 'a=1\n');
    run = await fileTool(bastion, alice, 'scp', [join(localDir, 'config.ini'), `alice+irm-01@127.0.0.1:${remoteDir}/config.ini`]);
    t.equal(run.code, 0, `scp: ${run.stderr}`);
    await waitFor(async () => (await auditRows(db, 'bastion.sftp')).filter((r) => r.details.op === 'upload').length >= 2, 10_000, 'sftp audit events');
    const ops = await auditRows(db, 'bastion.sftp');
    t.ok(ops.some((r) => r.details.op === 'upload' && r.details.path === `${remoteDir}/firmware.bin` && r.details.bytes === 70_000), JSON.stringify(ops));
    t.ok(ops.some((r) => r.details.op === 'mkdir' && r.details.path === `${remoteDir}/logs`));
    t.ok(ops.some((r) => r.details.op === 'upload' && r.details.path === `${remoteDir}/config.ini` && r.details.bytes === 4));
  });

  await t.test('input recording off: what the device shows is recorded, what the vendor typed is not', async (t) => {
    await grant(world, alice, 'echo-06', -60_000, 3600_000);
    // The same command on both targets: the typed line goes to /dev/null on the device, so it can
    // only reach the recording as input.
    const command = 'cat > /dev/null; echo swallowed-$((5*5))';
    const typed = 'patient-name-typed-by-vendor\n';
    const casts: Record<string, ReturnType<typeof castEvents>> = {};
    const rows: Record<string, Awaited<ReturnType<typeof endedSession>>> = {};
    for (const target of ['irm-01', 'echo-06']) {
      const run = await ssh(bastion, alice, `alice+${target}`, [command], { stdin: typed });
      t.equal(run.code, 0, run.stderr);
      t.equal(run.stdout, 'swallowed-25\n');
      const [newest] = await listBastionSessions(db, { state: 'all' });
      rows[target] = await endedSession(world, newest!.session_id);
      casts[target] = castEvents(join(bastion.recordingsDir, rows[target]!.recording_dir));
    }
    const inputOf = (target: string) => casts[target]![0]!.events.filter((e) => e[1] === 'i').map((e) => e[2]).join('');
    const outputOf = (target: string) => casts[target]![0]!.events.filter((e) => e[1] === 'o').map((e) => e[2]).join('');
    t.equal(inputOf('irm-01'), typed, 'input on: the typed line is recorded');
    t.equal(inputOf('echo-06'), '', 'input off: no input event');
    t.match(outputOf('echo-06'), /swallowed-25/, 'input off: the output is recorded');
    t.notOk(readdirSync(join(bastion.recordingsDir, rows['echo-06']!.recording_dir)).some((f) => readFileSync(join(bastion.recordingsDir, rows['echo-06']!.recording_dir, f), 'utf8').includes('patient-name')));
    t.equal(rows['echo-06']!.input_recorded, false);
    t.equal(rows['irm-01']!.input_recorded, true);
    const manifest = JSON.parse(readFileSync(join(bastion.recordingsDir, rows['echo-06']!.recording_dir, 'manifest.json'), 'utf8')) as { input_recorded: boolean };
    t.equal(manifest.input_recorded, false, 'the signed manifest says input was not recorded');
    t.ok(verifyRecording(join(bastion.recordingsDir, rows['echo-06']!.recording_dir), bastion.recordingKey.publicKey, rows['echo-06']!.signed_sha256).ok);
  });

  await t.test('sftp where the target does not allow file transfer: refused and audited', async (t) => {
    const before = (await auditRows(db, 'bastion.channel_refused')).length;
    const run = await fileTool(bastion, alice, 'sftp', ['alice+echo-06@127.0.0.1'], { stdin: 'ls /\n' });
    t.not(run.code, 0);
    t.match(run.stderr, /subsystem request failed/);
    await waitFor(async () => (await auditRows(db, 'bastion.channel_refused')).length > before, 5000, 'the sftp refusal in the audit log');
    const refused = (await auditRows(db, 'bastion.channel_refused')).at(-1)!;
    t.equal(refused.details.channel, 'subsystem:sftp');
    t.equal(refused.target, 'target:echo-06');
    t.notOk((await auditRows(db, 'bastion.sftp_started')).some((r) => r.target === 'target:echo-06'));
  });

  await t.test('a real terminal resized mid-session: the device sees the new size and the recording has the resize', async (t) => {
    // ssh on a real pseudo-terminal (util-linux script), 100x30 at start; the test then resizes that
    // terminal (stty -F on its pts, as a terminal emulator would): the kernel sends SIGWINCH to ssh,
    // which sends window-change through the bastion to the device.
    const { env } = askpassFor(bastion, alice, {});
    const args = [...clientOptions(bastion, alice.key.privateKeyFile), '-t', '-p', String(bastion.running.port), 'alice+irm-01@127.0.0.1'];
    const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const child = spawn('script', ['-qfec', `stty cols 100 rows 30; exec ssh ${quoted}`, '/dev/null'], { env: { ...env, TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] });
    const done = collectRun(child, 60_000);
    let shown = '';
    child.stdout?.on('data', (d: Buffer) => (shown += d.toString()));
    child.stdin?.write('echo ready-$((4+4))\n');
    await waitFor(() => shown.includes('ready-8'), 15_000, `the shell (so far: ${JSON.stringify(shown)})`);
    child.stdin?.write('stty size\n');
    await waitFor(() => /\b30 100\b/.test(shown), 10_000, 'the device to see 100x30');
    const [live] = await listBastionSessions(db, { state: 'live' });
    // script -> ssh (the shell exec'd into it); ssh's stdin is the pseudo-terminal.
    const sshPid = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)[0]!;
    const pts = readlinkSync(`/proc/${sshPid}/fd/0`);
    t.match(pts, /^\/dev\/pts\/\d+$/);
    const resized = spawnSync('stty', ['-F', pts, 'cols', '120', 'rows', '40'], { encoding: 'utf8' });
    t.equal(resized.status, 0, resized.stderr);
    // The shell learns the new size on SIGWINCH; ask until the device reports it (bounded).
    for (let asked = 0; asked < 20 && !/\b40 120\b/.test(shown); asked++) {
      child.stdin?.write('stty size\n');
      await waitFor(() => /\b40 120\b/.test(shown), 500, 'the new size').catch(() => undefined);
    }
    t.match(shown, /\b40 120\b/, 'the device sees 120x40');
    child.stdin?.write('exit\n');
    await done;
    const row = await endedSession(world, live!.session_id);
    const [cast] = castEvents(join(bastion.recordingsDir, row.recording_dir));
    t.same([cast!.header.width, cast!.header.height], [100, 30], 'the recording starts at the terminal size');
    t.ok(cast!.events.some((e) => e[1] === 'r' && e[2] === '120x40'), 'the resize is in the recording');
    t.match(cast!.events.filter((e) => e[1] === 'o').map((e) => e[2]).join(''), /40 120/);
  });

  await t.test("the upstream host key changed: refused and audited", async (t) => {
    await world.sshd.rotateHostKey();
    const run = await ssh(bastion, alice, 'alice+irm-01', ['true']);
    t.equal(run.code, 1);
    t.match(run.stderr, /upstream_host_key_mismatch/);
    const mismatch = (await auditRows(db, 'bastion.host_key_mismatch')).at(-1)!;
    t.equal(mismatch.details.presented, world.sshd.hostKey.fingerprint);
    // Re-pin for the tests that follow (an admin would, after checking the device).
    await db.updateTable('access_targets').set({ host_key_fingerprint: world.sshd.hostKey.fingerprint }).execute();
  });

  await t.test("the window's end cuts a running cat after the warnings", async (t) => {
    const short = await grant(world, bob, 'irm-01', -60_000, 20 * 60_000);
    const child = spawnSsh(bastion, bob, 'bob+irm-01', ['cat']);
    const done = collectRun(child, 60_000);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stdin?.write('still-here\n');
    await waitFor(() => stdout.includes('still-here'), 10_000, 'cat to echo');
    const end = Date.parse(short.notAfter);
    for (const minutes of [15, 5, 1]) {
      bastion.clock.offsetMs += end - minutes * 60_000 + 1000 - bastion.clock.now().getTime();
      await waitFor(() => stderr.includes(`dans ${minutes} min`), 5000, `the T-${minutes} warning (stderr so far: ${JSON.stringify(stderr)})`).catch(async (e) => {
        throw new Error(`${(e as Error).message} ${JSON.stringify(await auditRows(db, 'bastion.session_ended'))}`);
      });
    }
    bastion.clock.offsetMs += end - bastion.clock.now().getTime() + 10;
    const run = await done;
    t.not(run.code, 0, 'cat was cut');
    t.match(stderr, /fin de la fenêtre approuvée/);
    const row = (await listBastionSessions(db, { state: 'all' })).find((r) => r.grant_id === short.requestId)!;
    const sealed = await endedSession(world, row.session_id);
    t.equal(sealed.end_reason, 'window_end');
    const cast = castEvents(join(bastion.recordingsDir, sealed.recording_dir))[0]!;
    const markers = cast.events.filter((e) => e[1] === 'm').map((e) => e[2]);
    t.equal(markers.filter((m) => /se ferme dans/.test(m)).length, 3, 'three warning markers');
    t.match(markers.at(-1)!, /cut: window_end/);
  });

  await t.test('revoke cuts the running session (and a cut from the API/CLI too)', async (t) => {
    for (const how of ['revoke', 'cut'] as const) {
      const child = spawnSsh(bastion, alice, 'alice+irm-01', ['cat']);
      const done = collectRun(child, 30_000);
      let stdout = '';
      child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stdin?.write('x\n');
      await waitFor(() => stdout.includes('x'), 10_000, 'cat to echo');
      const live = await listBastionSessions(db, { state: 'live' });
      t.equal(live.length, 1);
      const started = Date.now();
      if (how === 'revoke') await revoke(world.access, aliceGrant, bastion.clock.now());
      else t.ok(await requestBastionCut(db, live[0]!.session_id, 'user:rssi1', bastion.clock.now()));
      await done;
      t.comment(`${how}: the vendor's ssh ended ${Date.now() - started} ms after the ${how}`);
      const sealed = await endedSession(world, live[0]!.session_id);
      t.equal(sealed.end_reason, how === 'revoke' ? 'revoked' : 'cut');
      if (how === 'revoke') aliceGrant = await grant(world, alice, 'irm-01', -60_000, 3 * 3600_000);
    }
  });

  await t.test('tampered recordings fail verify, naming the file', async (t) => {
    const rows = (await listBastionSessions(db, { state: 'ended' })).filter((r) => r.signed_sha256 !== null);
    const pick = rows.find((r) => readdirSync(join(bastion.recordingsDir, r.recording_dir)).some((f) => f.endsWith('.cast')))!;
    const dir = join(bastion.recordingsDir, pick.recording_dir);
    const cast = readdirSync(dir).find((f) => f.endsWith('.cast'))!;
    const original = readFileSync(join(dir, cast));
    t.ok(verifyRecording(dir, bastion.recordingKey.publicKey, pick.signed_sha256).ok);
    appendFileSync(join(dir, cast), '[9.9,"o","forged"]\n');
    t.same(verifyRecording(dir, bastion.recordingKey.publicKey, pick.signed_sha256).problems, [{ file: cast, problem: 'size_changed' }]);
    writeFileSync(join(dir, cast), Buffer.from(original.toString('utf8').replace('"o"', '"i"')));
    t.same(verifyRecording(dir, bastion.recordingKey.publicKey, pick.signed_sha256).problems, [{ file: cast, problem: 'modified' }]);
    truncateSync(join(dir, cast), 10);
    t.same(verifyRecording(dir, bastion.recordingKey.publicKey, pick.signed_sha256).problems, [{ file: cast, problem: 'size_changed' }]);
    rmSync(join(dir, cast));
    const removed = verifyRecording(dir, bastion.recordingKey.publicKey, pick.signed_sha256);
    t.same(removed.problems, [{ file: cast, problem: 'missing' }]);
    t.equal(removed.ok, false);
    writeFileSync(join(dir, cast), original);
    t.ok(verifyRecording(dir, bastion.recordingKey.publicKey, pick.signed_sha256).ok, 'restored: valid again');
  });

  await t.test('the device credential appears in no log, audit entry, recording or output', async (t) => {
    const secretLines = world.sshd.deviceKey.privateKey.split('\n').filter((line) => line.length > 20 && !line.startsWith('-----'));
    t.ok(secretLines.length > 0);
    const haystacks: [string, string][] = [['server log', world.logLines.join('\n')]];
    for (const row of await db.selectFrom('audit_log').selectAll().execute()) haystacks.push([`audit ${row.seq}`, JSON.stringify(row)]);
    for (const row of await db.selectFrom('bastion_sessions').selectAll().execute()) haystacks.push([`session ${row.session_id}`, JSON.stringify(row)]);
    for (const dir of readdirSync(bastion.recordingsDir)) {
      for (const file of readdirSync(join(bastion.recordingsDir, dir))) haystacks.push([`${dir}/${file}`, readFileSync(join(bastion.recordingsDir, dir, file)).toString('latin1')]);
    }
    const run = await ssh(bastion, alice, 'alice+irm-01', ['env; ls -la ~ /tmp 2>/dev/null | head -50']);
    haystacks.push(['vendor output', run.stdout + run.stderr]);
    for (const [where, text] of haystacks) {
      for (const line of secretLines) if (text.includes(line)) t.fail(`device key material found in ${where}`);
    }
    t.ok(haystacks.length > 10, `searched ${haystacks.length} places`);
  });
});
