// `vigie target|vendor|vendor key|access ...` on both databases: help, JSON output, validation,
// the whole path from a vendor and a target to a revoked grant with the reviewers' TOTP codes, and
// the device credential absent from every output.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { totpCode } from '../../../server/auth/totp.js';
import { runCli } from '../../../server/cli/run.js';
import type { CliIo } from '../../../server/cli/io.js';
import { DB_KINDS } from '../fixture.js';
import { accessWorld, DEVICE_SECRET, type AccessWorld, type Person } from '../access/helpers.js';

interface Run {
  code: number;
  out: string;
  err: string;
}

const outputs: string[] = [];

async function vigie(w: AccessWorld, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (s) => void out.push(s), stderr: (s) => void err.push(s), env: { VIGIE_DATA_DIR: w.database.dataDir, ...(w.database.databaseUrl === null ? {} : { DATABASE_URL: w.database.databaseUrl }), ...env } };
  const code = await runCli(args, io);
  outputs.push(...out, ...err);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const codeOf = (p: Person) => totpCode(p.secret, new Date());
const hours = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();

for (const kind of DB_KINDS) {
  t.test(`access CLI (${kind})`, async (t) => {
    const w = await accessWorld(t, kind);
    const dir = mkdtempSync(join(tmpdir(), 'vigie-access-cli-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));

    for (const command of [['target', 'add'], ['target', 'list'], ['target', 'show'], ['vendor', 'add'], ['vendor', 'list'], ['vendor', 'key', 'add'], ['vendor', 'key', 'list'], ['vendor', 'key', 'remove'], ['access', 'request'], ['access', 'list'], ['access', 'show'], ['access', 'approve'], ['access', 'deny'], ['access', 'cancel'], ['access', 'revoke'], ['access', 'contact']]) {
      const help = await vigie(w, [...command, '--help']);
      t.equal(help.code, 0, `${command.join(' ')} --help`);
      t.match(help.out, new RegExp(`^Usage: vigie ${command.join(' ')}`));
    }

    // Vendors and keys.
    const vendor = await vigie(w, ['vendor', 'add', '--slug', 'initech-lab', '--name', 'Initech Lab SAS', '--json']);
    t.equal(vendor.code, 0, vendor.err);
    t.match(JSON.parse(vendor.out), { vendor: { slug: 'initech-lab', name: 'Initech Lab SAS' }, members: [] });
    t.equal((await vigie(w, ['vendor', 'add', '--slug', 'Bad Slug', '--name', 'x'])).code, 1, 'a bad handle is refused');
    const vendors = JSON.parse((await vigie(w, ['vendor', 'list', '--json'])).out) as { vendors: { slug: string; members: string[] }[] };
    t.same(vendors.vendors.map((v) => v.slug), ['acme-imaging', 'globex-lab', 'initech-lab']);
    t.same(vendors.vendors[0]?.members.sort(), ['jdupont', 'mmartin']);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'jdupont@laptop', '-f', join(dir, 'id')]);
    const fingerprint = execFileSync('ssh-keygen', ['-lf', join(dir, 'id.pub')], { encoding: 'utf8' }).split(' ')[1]!;
    const added = await vigie(w, ['vendor', 'key', 'add', '--user', 'jdupont', '--key-file', join(dir, 'id.pub')]);
    t.equal(added.code, 0, added.err);
    t.match(added.out, `Key ${fingerprint} (ssh-ed25519, jdupont@laptop) registered for jdupont.`, 'the fingerprint is the one ssh-keygen prints');
    t.match(JSON.parse((await vigie(w, ['vendor', 'key', 'list', '--user', 'jdupont', '--json'])).out), { keys: [{ fingerprint, comment: 'jdupont@laptop' }] });
    t.equal((await vigie(w, ['vendor', 'key', 'add', '--user', 'jdupont', '--key-file', join(dir, 'id')])).code, 1, 'a private key is not a public key');
    t.equal((await vigie(w, ['vendor', 'key', 'remove', '--user', 'jdupont', fingerprint])).code, 0);
    t.match((await vigie(w, ['vendor', 'key', 'list', '--user', 'jdupont'])).out, 'No key for jdupont.');

    // Targets: the credential comes from a file and never comes back.
    writeFileSync(join(dir, 'credential'), `${DEVICE_SECRET}\n`, { mode: 0o600 });
    const base = ['target', 'add', '--name', 'labo-vallee-01', '--site', w.gateway.site, '--class', 'lab', '--gateway', w.gateway.host_id, '--ssh', '10.20.0.16:2022', '--host-key', `SHA256:${'B'.repeat(43)}`, '--device-user', 'service', '--credential-kind', 'password', '--credential-file', join(dir, 'credential'), '--vendor', 'acme-imaging'];
    t.match((await vigie(w, [...base, '--quorum', 'rssi=one'])).err, /--quorum "rssi=one": expected role=count/, 'a bad quorum is a usage error');
    t.equal((await vigie(w, [...base, '--class', 'toaster'])).code, 2, 'an unknown device class is a usage error');
    t.equal((await vigie(w, [...base, '--channels', 'shell,x11'])).code, 2, 'an unknown channel is a usage error');
    t.match((await vigie(w, [...base.slice(0, -4), '--credential-file', join(dir, 'missing')])).err, /cannot read --credential-file: ENOENT/);
    const target = await vigie(w, [...base, '--quorum', 'rssi=1,biomedical=1', '--channels', 'shell,sftp', '--tcp-port', '443', '--json']);
    t.equal(target.code, 0, target.err);
    t.match(JSON.parse(target.out), { target: { name: 'labo-vallee-01', ssh_port: 2022, device_class: 'lab', channels: { shell: true, exec: false, sftp: true, direct_tcpip_ports: [443] }, record_input: true } });
    t.match((await vigie(w, ['target', 'list'])).out, /labo-vallee-01\t.*\t10\.20\.0\.16:2022\tacme-imaging\trssi=1,biomedical=1/);
    t.match(JSON.parse((await vigie(w, ['target', 'show', 'labo-vallee-01', '--json'])).out), { target: { name: 'labo-vallee-01', credential_kind: 'password' } });
    t.match((await vigie(w, ['target', 'show', 'labo-vallee-01'])).out, /^target_id: /);
    t.equal((await vigie(w, ['target', 'show', 'nope-01'])).code, 1);
    t.equal((await vigie(w, ['access', 'contact', 'rssi-anne', '--email', 'rssi@ch-demo.fr\r\nBcc: x@y.fr'])).code, 1, 'a header injection in an address is refused');
    t.equal((await vigie(w, ['access', 'contact', 'rssi-anne', '--email', 'rssi@ch-demo.fr', '--lang', 'de'])).code, 2);
    t.equal((await vigie(w, ['access', 'contact', 'rssi-anne', '--email', 'rssi@ch-demo.fr'])).code, 0);

    // A request, reviews with TOTP codes (the gateway's report is old by now: the gate is closed), revoke.
    const { vendor: jd, rssi, bio, admin, rssi2 } = w.people;
    const asked = await vigie(w, ['access', 'request', '--as', 'jdupont', '--target', 'labo-vallee-01', '--not-before', hours(1), '--not-after', hours(3), '--reason', 'Calibration analyseur', '--ticket', 'INC-2026-0200', '--json'], { VIGIE_TOTP_CODE: codeOf(jd) });
    t.equal(asked.code, 0, asked.err);
    const id = (JSON.parse(asked.out) as { request: { request_id: string; state: string } }).request.request_id;
    t.equal((await vigie(w, ['access', 'approve', id, '--as', 'rssi-anne'])).code, 2, 'approve without a TOTP code is a usage error');
    t.match((await vigie(w, ['access', 'approve', id, '--as', 'rssi-anne', '--totp-code', '000000'])).err, /Wrong or already used TOTP code/);
    const gate = await vigie(w, ['access', 'approve', id, '--as', 'rssi-anne', '--totp-code', codeOf(rssi)]);
    t.equal(gate.code, 1);
    t.match(gate.err, /does not pass the posture gate/, 'the gate refusal names the gateway and rules');
    t.match((await vigie(w, ['access', 'deny', id, '--as', 'bio-claire', '--comment', 'x', '--not-after', hours(2), '--totp-code', codeOf(bio)])).err, /belong to approve/);
    // rssi-anne's step was used by the refused approval: the override comes from the other rssi.
    const first = await vigie(w, ['access', 'approve', id, '--as', 'rssi-bruno', '--comment', 'vu', '--not-after', hours(2.5), '--override-justification', 'Analyseur à l’arrêt, passerelle vérifiée à la main', '--totp-code', codeOf(rssi2), '--json']);
    t.equal(first.code, 0, first.err);
    t.match(JSON.parse(first.out), { request: { state: 'pending', posture_override: { by: 'rssi-bruno' } }, quorum: { have_total: 1, needed_total: 3 } }, 'an override needs one approver more');
    t.equal((await vigie(w, ['access', 'approve', id, '--as', 'bio-claire', '--comment', 'ok', '--totp-code', codeOf(bio)])).code, 0);
    const third = await vigie(w, ['access', 'approve', id, '--as', 'admin-eve', '--comment', 'ok', '--totp-code', codeOf(admin)]);
    t.match(third.out, new RegExp(`Request ${id}: approved \\(quorum 3/3\\)`));
    const listed = JSON.parse((await vigie(w, ['access', 'list', '--state', 'approved', '--target', 'labo-vallee-01', '--json'])).out) as { requests: { request_id: string }[] };
    t.same(listed.requests.map((r) => r.request_id), [id]);
    t.match((await vigie(w, ['access', 'list'])).out, new RegExp(`${id}\\tapproved\\tlabo-vallee-01\\t.*\\tYES\\tINC-2026-0200`), 'the override is shown in the list');
    t.equal((await vigie(w, ['access', 'list', '--month', '2026-13'])).code, 2);
    const shown = await vigie(w, ['access', 'show', id]);
    t.match(shown.out, /POSTURE OVERRIDE by rssi-bruno/);
    t.match(shown.out, /access\.approved/);
    t.match(JSON.parse((await vigie(w, ['access', 'show', id, '--json'])).out), { request: { state: 'approved' }, reviews: [{}, {}, {}], quorum: { reached: true } });
    t.equal((await vigie(w, ['access', 'revoke', id, '--as', 'bio-denis', '--totp-code', codeOf(w.people.bio2)])).code, 2, 'a revoke says why');
    const revoked = await vigie(w, ['access', 'revoke', id, '--as', 'bio-denis', '--reason', 'Fin anticipée', '--totp-code', codeOf(w.people.bio2)]);
    t.match(revoked.out, `Request ${id}: revoked.`);

    const everything = outputs.join('\n') + readFileSync(join(dir, 'credential'), 'utf8').replace(DEVICE_SECRET, '');
    t.notOk(everything.includes(DEVICE_SECRET), 'the device credential is in no output of any command');
  });
}
