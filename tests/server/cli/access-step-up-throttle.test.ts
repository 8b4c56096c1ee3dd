// The CLI's TOTP step-ups (`vigie access ... --as USER`) are throttled per person acting: one
// reviewer who mistypes codes until locked is refused (even with a right code), and the account
// lock is the login's; another reviewer on the same machine keeps working. Both databases.
import t from 'tap';
import { listAuditEntries } from '../../../server/auditlog/auditlog.js';
import { DEFAULT_THROTTLE } from '../../../server/auth/throttle.js';
import { totpCode } from '../../../server/auth/totp.js';
import { cliStepUpSource } from '../../../server/cli/access.js';
import type { CliIo } from '../../../server/cli/io.js';
import { runCli } from '../../../server/cli/run.js';
import { DB_KINDS } from '../fixture.js';
import { accessWorld, type AccessWorld, type Person } from '../access/helpers.js';

async function vigie(w: AccessWorld, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const env = { VIGIE_DATA_DIR: w.database.dataDir, ...(w.database.databaseUrl === null ? {} : { DATABASE_URL: w.database.databaseUrl }) };
  const io: CliIo = { stdout: (s) => void out.push(s), stderr: (s) => void err.push(s), env };
  const code = await runCli(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const codeOf = (p: Person) => totpCode(p.secret, new Date());

/** A six-digit code that is none of the codes accepted around now (previous, current, next step). */
function wrongCodeOf(p: Person): string {
  const now = Date.now();
  const near = new Set([-30_000, 0, 30_000].map((d) => totpCode(p.secret, new Date(now + d))));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, '0');
    if (!near.has(code)) return code;
  }
}

const hours = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();

t.test('the throttle subject of a CLI step-up is the person acting', async (t) => {
  t.equal(cliStepUpSource({ username: 'Rssi-Anne' }), 'cli:rssi-anne');
  t.not(cliStepUpSource({ username: 'rssi-anne' }), cliStepUpSource({ username: 'bio-claire' }));
});

for (const kind of DB_KINDS) {
  t.test(`CLI step-ups are throttled per user (${kind})`, async (t) => {
    const w = await accessWorld(t, kind);
    const { vendor, rssi, bio } = w.people;
    const asked = await vigie(w, ['access', 'request', '--as', vendor.username, '--target', w.target.name, '--not-before', hours(1), '--not-after', hours(3), '--reason', 'Contrôle qualité', '--ticket', 'INC-2026-0300', '--totp-code', codeOf(vendor), '--json']);
    t.equal(asked.code, 0, asked.err);
    const id = (JSON.parse(asked.out) as { request: { request_id: string } }).request.request_id;

    // rssi-anne mistypes her code until her account is locked.
    for (let i = 0; i < DEFAULT_THROTTLE.maxFailures; i++) {
      const wrong = await vigie(w, ['access', 'approve', id, '--as', rssi.username, '--totp-code', wrongCodeOf(rssi)]);
      t.equal(wrong.code, 1);
      t.match(wrong.err, /Wrong or already used TOTP code/, `failure ${i + 1} of rssi-anne`);
    }
    const locked = await vigie(w, ['access', 'approve', id, '--as', rssi.username, '--totp-code', codeOf(rssi)]);
    t.equal(locked.code, 1);
    t.match(locked.err, /Too many failed codes/, 'rssi-anne is locked, even with her right code');

    // bio-claire, from the same machine and CLI, is not: with one shared 'cli' address she was.
    const other = await vigie(w, ['access', 'deny', id, '--as', bio.username, '--comment', 'Pas ce mois-ci', '--totp-code', codeOf(bio)]);
    t.equal(other.code, 0, other.err);
    t.match(other.out, `Request ${id}: denied`);

    // The journal names whose step-ups failed and where they were counted.
    const failures = (await listAuditEntries(w.db, { limit: 1000 })).filter((e) => e.action === 'access.step_up_failed');
    t.equal(failures.length, DEFAULT_THROTTLE.maxFailures + 1, 'three wrong codes and the locked attempt');
    t.ok(failures.every((e) => e.target === `user:${rssi.username}`), 'all of rssi-anne');
    t.ok(failures.every((e) => (e.details as { source_ip?: string }).source_ip === `cli:${rssi.username}`), 'counted on her own CLI subject');
    t.ok(failures.some((e) => (e.details as { reason?: string }).reason === 'locked'), 'the last refused as locked');
  });
}
