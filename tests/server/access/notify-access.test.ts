// Access notices by email (received by a real SMTP server on loopback), signed webhook and syslog
// (UDP receiver), on both databases: who is told what, French first (English for who chose it),
// no secret in any message, and a broken channel that is logged and audited without blocking the
// decision.
import { createSocket } from 'node:dgram';
import { createServer, type IncomingMessage } from 'node:http';
import t, { type Test } from 'tap';
import { listAuditEntries } from '../../../server/auditlog/auditlog.js';
import { setContact } from '../../../server/access/contacts.js';
import { createAccessNotifier, type BackgroundAccessNotifier } from '../../../server/access/notify-access.js';
import { accessNotifyConfigFromEnv, type AccessNotifyConfig } from '../../../server/access/notify-config.js';
import { createRequest, revokeRequest, reviewRequest } from '../../../server/access/transitions.js';
import { findRequest } from '../../../server/access/requests-store.js';
import { ConfigError } from '../../../server/config.js';
import { verifyWebhookSignature } from '../../../server/notify/webhook.js';
import { startSmtpReceiver, type SmtpReceiver } from '../../helpers/smtp-receiver.js';
import { DB_KINDS } from '../fixture.js';
import { accessWorld, DEVICE_SECRET, windowFrom, type AccessWorld, type Person } from './helpers.js';

const IP = '198.51.100.7';
const SMTP_USER = 'vigie-relay';
const SMTP_PASSWORD = 'Smtp-Pa55word-never-shown-91c2';
const WEBHOOK_SECRET = 'webhook-secret-never-shown-5d8e0a';
const CLI = { type: 'cli' as const, id: 'tests' };

interface Receivers {
  smtp: SmtpReceiver;
  webhook: { url: string; bodies: { body: string; valid: boolean }[] };
  syslog: { port: number; lines: string[] };
}

async function receivers(t: Test, at: () => Date): Promise<Receivers> {
  const smtp = await startSmtpReceiver({ user: SMTP_USER, password: SMTP_PASSWORD });
  t.teardown(() => smtp.close());
  const bodies: { body: string; valid: boolean }[] = [];
  const http = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const header = (name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined);
      bodies.push({ body, valid: verifyWebhookSignature(WEBHOOK_SECRET, { signature: header('x-vigie-signature'), timestamp: header('x-vigie-timestamp') }, body, at()) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => http.close(() => resolve())));
  const httpAddress = http.address();
  const udp = createSocket('udp4');
  const lines: string[] = [];
  udp.on('message', (m) => lines.push(m.toString('utf8')));
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => udp.close(() => resolve())));
  return {
    smtp,
    webhook: { url: `http://127.0.0.1:${typeof httpAddress === 'object' && httpAddress !== null ? httpAddress.port : 0}/hook`, bodies },
    syslog: { port: udp.address().port, lines },
  };
}

function channels(r: Receivers): AccessNotifyConfig {
  return accessNotifyConfigFromEnv({
    VIGIE_ACCESS_SMTP_URL: `smtp://${SMTP_USER}:${encodeURIComponent(SMTP_PASSWORD)}@127.0.0.1:${r.smtp.port}?tls=none`,
    VIGIE_ACCESS_MAIL_FROM: 'vigie@ch-demo.fr',
    VIGIE_ACCESS_WEBHOOK_URL: r.webhook.url,
    VIGIE_ACCESS_WEBHOOK_SECRET: WEBHOOK_SECRET,
    VIGIE_ACCESS_SYSLOG: `udp://127.0.0.1:${r.syslog.port}`,
  });
}

async function withContacts(w: AccessWorld): Promise<void> {
  const { vendor, rssi, rssi2, bio, admin } = w.people;
  await setContact(w.db, vendor.username, { email: 'jdupont@acme-imaging.example', lang: 'fr' }, CLI, w.clock.at);
  await setContact(w.db, rssi.username, { email: 'rssi@ch-demo.fr', lang: 'fr' }, CLI, w.clock.at);
  await setContact(w.db, rssi2.username, { email: 'rssi2@ch-demo.fr', lang: 'en' }, CLI, w.clock.at);
  await setContact(w.db, bio.username, { email: 'biomed@ch-demo.fr', lang: 'fr' }, CLI, w.clock.at);
  await setContact(w.db, admin.username, { email: 'admin@ch-demo.fr', lang: 'fr' }, CLI, w.clock.at);
}

function review(w: AccessWorld, who: Person, id: string, decision: 'approve' | 'deny') {
  return reviewRequest(w.deps, who, id, { decision, comment: decision === 'deny' ? 'Pas de créneau bloc ce jour' : 'ok', totp_code: w.code(who) }, IP, w.clock.at);
}

/** Wait (bounded) for `count` datagrams: UDP has no acknowledgement to await. */
async function syslogLines(r: Receivers, count: number): Promise<string[]> {
  const end = Date.now() + 5000;
  while (r.syslog.lines.length < count && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 20));
  return r.syslog.lines;
}

for (const kind of DB_KINDS) {
  t.test(`access notices (${kind})`, async (t) => {
    t.test('new request to its approvers, decision to its requester, revoke to all; French first; no secret', async (t) => {
      const w = await accessWorld(t, kind);
      await withContacts(w);
      const r = await receivers(t, w.clock.now);
      const notifier: BackgroundAccessNotifier = createAccessNotifier({ db: w.db, config: channels(r), log: w.app.log, now: w.clock.now });
      t.teardown(() => notifier.close());
      w.deps.notifier = notifier;
      const codes: string[] = [];

      const request = await createRequest(w.deps, w.people.vendor, { target: w.target.name, ...windowFrom(w.clock, 60, 2), reason: 'Remplacement bobine gradient', ticket: 'INC-2026-0042' }, w.clock.at);
      await notifier.flush();
      const asked = r.smtp.mails.splice(0);
      t.same(asked.map((m) => m.to[0]).sort(), ['biomed@ch-demo.fr', 'rssi2@ch-demo.fr', 'rssi@ch-demo.fr'], 'the rssi and biomedical approvers with an address are told; not the admin (the quorum names no admin), not the vendor');
      const fr = asked.find((m) => m.to[0] === 'rssi@ch-demo.fr')!;
      t.match(fr.subject, /^\[Vigie\] Demande d'accès de télémaintenance à examiner — irm-vallee-01 \(INC-2026-0042\)$/);
      t.match(fr.text, /^Demande d'accès de télémaintenance à examiner\n/, 'French first');
      t.match(fr.text, /Demandeur: jdupont \(Fournisseur: acme-imaging\)/);
      t.match(fr.text, /Motif: Remplacement bobine gradient/);
      t.match(fr.text, /Fenêtre: du .* \(Europe\/Paris\) au /);
      t.match(fr.text, /Date limite d'avis: /);
      t.match(fr.text, /Telemaintenance access request to review/, 'English follows');
      t.equal(fr.from, 'vigie@ch-demo.fr');
      t.equal(fr.headers.get('auto-submitted'), 'auto-generated');
      const en = asked.find((m) => m.to[0] === 'rssi2@ch-demo.fr')!;
      t.match(en.text, /^Telemaintenance access request to review\n/, 'who chose English reads English first');
      t.match(en.subject, /Telemaintenance access request to review/);
      t.ok(r.smtp.logins.length > 0 && r.smtp.logins.every((l) => l === SMTP_USER), 'the relay saw the configured login');

      codes.push(w.code(w.people.rssi));
      await review(w, w.people.rssi, request.request_id, 'approve');
      w.clock.advance(30_000);
      codes.push(w.code(w.people.bio));
      await review(w, w.people.bio, request.request_id, 'approve');
      await notifier.flush();
      const decided = r.smtp.mails.splice(0);
      t.same(decided.map((m) => m.to[0]), ['jdupont@acme-imaging.example'], 'the decision goes to the requester only');
      t.match(decided[0]!.subject, /Demande d'accès approuvée/);
      t.match(decided[0]!.text, /Votre demande est approuvée/);
      t.match(decided[0]!.text, /Par: bio-claire/);

      w.clock.advance(30_000);
      await revokeRequest(w.deps, w.people.rssi, request.request_id, 'Intervention terminée plus tôt', w.clock.at);
      await notifier.flush();
      const revoked = r.smtp.mails.splice(0);
      t.same(revoked.map((m) => m.to[0]).sort(), ['admin@ch-demo.fr', 'biomed@ch-demo.fr', 'jdupont@acme-imaging.example', 'rssi2@ch-demo.fr', 'rssi@ch-demo.fr'], 'a revoke goes to every approver (admin included) and to the requester');
      t.ok(revoked.every((m) => /Accès de télémaintenance révoqué|Telemaintenance access revoked/.test(m.text) && /Intervention terminée plus tôt/.test(m.text)));

      // Webhook: one signed body per notice; syslog: one RFC 5424 line per notice.
      t.same(r.webhook.bodies.map((b) => (JSON.parse(b.body) as { event: string }).event), ['access.requested', 'access.approved', 'access.revoked']);
      t.ok(r.webhook.bodies.every((b) => b.valid), 'every webhook body carries a valid signature');
      const lines = await syslogLines(r, 3);
      t.equal(lines.length, 3);
      t.match(lines[0], /^<133>1 \S+ \S+ vigie \d+ ACCESS \[vigie@32473 event="access.requested" request="[0-9a-f-]+" state="pending" target="irm-vallee-01"/);
      t.match(lines[2], /^<132>1 .* event="access.revoked"/, 'a revoke is a warning');

      // No secret anywhere: device credential, SMTP password, webhook secret, the TOTP codes used, no link.
      const everything = [...asked, ...decided, ...revoked].map((m) => m.raw).concat(r.webhook.bodies.map((b) => b.body), lines, w.logs).join('\n');
      for (const secret of [DEVICE_SECRET, SMTP_PASSWORD, encodeURIComponent(SMTP_PASSWORD), WEBHOOK_SECRET, ...codes]) t.notOk(everything.includes(secret), `no ${secret.slice(0, 4)}… in any message or log line`);
      t.notOk([...asked, ...decided, ...revoked].some((m) => /https?:\/\//.test(m.text)), 'no link in any email');
    });

    t.test('emergency: every approver at once; denial to the requester with its reason', async (t) => {
      const w = await accessWorld(t, kind);
      await withContacts(w);
      const r = await receivers(t, w.clock.now);
      const notifier = createAccessNotifier({ db: w.db, config: channels(r), log: w.app.log, now: w.clock.now });
      t.teardown(() => notifier.close());
      w.deps.notifier = notifier;
      await createRequest(w.deps, w.people.vendor, { target: w.target.name, not_after: new Date(w.clock.at.getTime() + 3600_000).toISOString(), reason: 'IRM bloquée, patient en attente', ticket: 'URG-77', emergency: true }, w.clock.at);
      await notifier.flush();
      const urgent = r.smtp.mails.splice(0);
      t.same(urgent.map((m) => m.to[0]).sort(), ['admin@ch-demo.fr', 'biomed@ch-demo.fr', 'rssi2@ch-demo.fr', 'rssi@ch-demo.fr']);
      t.ok(urgent.every((m) => /URGENCE|EMERGENCY/.test(m.subject) && /Urgence: oui|Emergency: yes/.test(m.text)));
      const normal = await createRequest(w.deps, w.people.vendor, { target: w.target.name, ...windowFrom(w.clock, 60, 2), reason: 'Contrôle annuel', ticket: 'INC-2026-0043' }, w.clock.at);
      await review(w, w.people.bio, normal.request_id, 'deny');
      await notifier.flush();
      const denied = r.smtp.mails.filter((m) => /refusée/.test(m.subject));
      t.equal(denied.length, 1);
      t.equal(denied[0]!.to[0], 'jdupont@acme-imaging.example');
      t.match(denied[0]!.text, /Commentaire: Pas de créneau bloc ce jour/);
    });

    t.test('a channel that fails is logged and audited; the decision stands', async (t) => {
      const w = await accessWorld(t, kind);
      await withContacts(w);
      const r = await receivers(t, w.clock.now);
      await r.smtp.close();
      const config = channels(r);
      // The relay is gone; the webhook answers 404 (no retry); syslog works.
      const broken: AccessNotifyConfig = { ...config, webhook: { ...config.webhook!, url: r.webhook.url.replace('/hook', '/hook?x=1'), maxAttempts: 1 } };
      const notifier = createAccessNotifier({ db: w.db, config: { ...broken, smtp: { ...broken.smtp!, timeoutMs: 2000 } }, log: w.app.log, now: w.clock.now });
      t.teardown(() => notifier.close());
      w.deps.notifier = notifier;
      const request = await createRequest(w.deps, w.people.vendor, { target: w.target.name, ...windowFrom(w.clock, 60, 2), reason: 'Mise à jour', ticket: 'INC-2026-0044' }, w.clock.at);
      t.equal((await findRequest(w.db, request.request_id))?.state, 'pending', 'the request is made whatever the channels do');
      await notifier.flush();
      const failed = (await listAuditEntries(w.db, { limit: 100 })).filter((e) => e.action === 'access.notification_failed');
      t.same(failed.map((e) => e.details.channel).sort(), ['email'], 'the failed email is in the audit log');
      t.match(failed[0]?.details, { notice: 'requested', delivered: 0, error: /ECONNREFUSED|connect/ });
      t.ok(w.logs.some((l) => l.includes('access notice not delivered') && l.includes('"channel":"email"')), 'and in the log');
      t.notOk(JSON.stringify(failed).includes(SMTP_PASSWORD) || w.logs.join('').includes(SMTP_PASSWORD), 'without the relay password');
      t.ok(await syslogLines(r, 1), 'syslog still got it');
    });
  });
}

t.test('channel settings from the environment', async (t) => {
  t.same(accessNotifyConfigFromEnv({}), { smtp: null, webhook: null, syslog: null }, 'nothing set: no channel');
  t.match(accessNotifyConfigFromEnv({ VIGIE_ACCESS_SMTP_URL: 'smtps://relay.chv.fr' }).smtp, { host: 'relay.chv.fr', port: 465, secure: true, from: 'vigie@relay.chv.fr', user: null });
  t.match(accessNotifyConfigFromEnv({ VIGIE_ACCESS_SMTP_URL: 'smtp://u:p%40ss@relay.chv.fr:587?tls=required' }).smtp, { port: 587, starttls: 'required', user: 'u', password: 'p@ss' });
  t.throws(() => accessNotifyConfigFromEnv({ VIGIE_ACCESS_SMTP_URL: 'http://relay' }), ConfigError);
  t.throws(() => accessNotifyConfigFromEnv({ VIGIE_ACCESS_SMTP_URL: 'smtp://relay.chv.fr?tls=maybe' }), ConfigError);
  t.throws(() => accessNotifyConfigFromEnv({ VIGIE_ACCESS_SMTP_URL: 'smtp://relay.chv.fr', VIGIE_ACCESS_MAIL_FROM: 'Vigie <a@b.fr>\r\nBcc: x@y.fr' }), ConfigError, 'a sender with a header injection is refused');
  t.throws(() => accessNotifyConfigFromEnv({ VIGIE_ACCESS_WEBHOOK_URL: 'https://siem/hook', VIGIE_ACCESS_WEBHOOK_SECRET: 'short' }), ConfigError);
  t.throws(() => accessNotifyConfigFromEnv({ VIGIE_ACCESS_SYSLOG: 'syslog.chv.fr' }), ConfigError);
});
