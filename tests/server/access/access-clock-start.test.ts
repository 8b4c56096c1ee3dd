// The access clock as a started server runs it (server/start.ts): at start it moves what came due
// while the server was down (a pending request past its review deadline expires, a grant past its
// window closes), then its schedule moves what comes due while it runs. Both databases.
import t from 'tap';
import { listAuditEntries } from '../../../server/auditlog/auditlog.js';
import { findRequest } from '../../../server/access/requests-store.js';
import { createRequest, reviewRequest } from '../../../server/access/transitions.js';
import { createLogger } from '../../../server/logger.js';
import { startServer } from '../../../server/start.js';
import { setContact } from '../../../server/access/contacts.js';
import { startSmtpReceiver } from '../../helpers/smtp-receiver.js';
import { DB_KINDS } from '../fixture.js';
import { accessWorld, testPacks, windowFrom, type AccessWorld, type Person } from './helpers.js';

const IP = '198.51.100.7';

function ask(w: AccessWorld, inMinutes: number, hours: number) {
  return createRequest(w.deps, w.people.vendor, { target: w.target.name, ...windowFrom(w.clock, inMinutes, hours), reason: 'Mise à jour logicielle', ticket: 'INC-2026-0100' }, w.clock.at);
}

async function approve(w: AccessWorld, requestId: string, who: Person[]) {
  for (const p of who) await reviewRequest(w.deps, p, requestId, { decision: 'approve', comment: 'ok', totp_code: w.code(p) }, IP, w.clock.at);
}

/** Poll `check` until it holds, at most `bound` ms (never a fixed sleep). */
async function until(check: () => Promise<boolean>, bound = 15_000): Promise<boolean> {
  const end = Date.now() + bound;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

for (const kind of DB_KINDS) {
  t.test(`access clock in a started server (${kind})`, async (t) => {
    const w = await accessWorld(t, kind);
    // A request nobody reviewed (review deadline 24 h) and a grant of 2 h starting in 1 h.
    const forgotten = await ask(w, 26 * 60, 8);
    const grant = await ask(w, 60, 2);
    await approve(w, grant.request_id, [w.people.rssi, w.people.bio]);
    t.equal((await findRequest(w.db, grant.request_id))?.state, 'approved');
    // A grant for tomorrow (approved now, while the gateway's report is fresh): open when the server starts.
    w.clock.advance(30_000); // the next TOTP step: a code is accepted once
    const tomorrow = await ask(w, 25 * 60 + 30, 1);
    await approve(w, tomorrow.request_id, [w.people.rssi, w.people.bio]);
    await w.app.close();
    await setContact(w.db, w.people.vendor.username, { email: 'jdupont@acme-imaging.example', lang: 'fr' }, { type: 'cli', id: 'tests' }, w.clock.at);
    const smtp = await startSmtpReceiver();
    t.teardown(() => smtp.close());

    // The server was down for 25 h: both clocks ran out meanwhile.
    let at = new Date(w.clock.at.getTime() - 30_000 + 25 * 3600_000);
    const server = await startServer(
      { dataDir: w.database.dataDir, databaseUrl: w.database.databaseUrl, port: 0, logLevel: 'silent' },
      { env: { VIGIE_ACCESS_SMTP_URL: `smtp://127.0.0.1:${smtp.port}?tls=none`, VIGIE_ACCESS_MAIL_FROM: 'vigie@ch-demo.fr' }, now: () => at, packs: testPacks(), logger: createLogger('silent'), accessClockSchedule: '* * * * * *' },
    );
    t.teardown(() => server.close());
    const late = await findRequest(w.db, forgotten.request_id);
    t.match(late, { state: 'expired', end_reason: 'review deadline passed' }, 'the start-up sweep expired the unreviewed request before start returned');
    t.match(await findRequest(w.db, grant.request_id), { state: 'closed', end_reason: 'window ended, never used' }, 'and closed the grant whose window ended');
    const entries = await listAuditEntries(w.db, { limit: 100 });
    t.ok(entries.some((e) => e.action === 'access.expired' && e.target === `access_request:${forgotten.request_id}` && e.actor.id === 'access-clock'), 'the expiry is in the audit log, by the clock');

    t.ok(
      await until(async () => smtp.mails.some((m) => m.to[0] === 'jdupont@acme-imaging.example' && /Demande d'accès expirée/.test(m.subject) && m.text.includes(forgotten.request_id))),
      'the started server told the requester by email (VIGIE_ACCESS_SMTP_URL) that the request expired',
    );
    t.equal((await findRequest(w.db, tomorrow.request_id))?.state, 'approved', 'a grant whose window is still to come stays approved');

    // While running: the grant closes once the clock passes its end.
    at = new Date(at.getTime() + 91 * 60_000);
    t.ok(await until(async () => (await findRequest(w.db, tomorrow.request_id))?.state === 'closed'), 'the running clock closed the grant at its window end');
  });
}
