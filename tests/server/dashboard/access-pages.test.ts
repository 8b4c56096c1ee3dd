// Page 9 (Télémaintenance) on both databases through app.inject, with real TOTP codes: a vendor
// asks on the form (Paris times), approvers review to quorum, shorten the window and are refused
// an extension; stale and replayed codes, self-approval (admin too), double review, deny wins,
// posture-gate refusal and override, emergency and countersignature, revoke, cancel, vendor
// isolation (404), SSH keys; every action journalled through the domain; CSRF on every form;
// hostile text rendered as text; the device credential in no page.
import t from 'tap';
import { listAuditEntries } from '../../../server/auditlog/auditlog.js';
import { createVendor } from '../../../server/access/directory.js';
import { insertRequest, listReviews, findRequest } from '../../../server/access/requests-store.js';
import { SESSION_COOKIE } from '../../../server/auth/session.js';
import { parisLocalMinute } from '../../../server/dashboard/data/paris-local.js';
import { CATALOGUE } from '../../../server/dashboard/i18n/catalogue.js';
import { LANG_COOKIE } from '../../../server/dashboard/i18n/lang.js';
import { DB_KINDS } from '../fixture.js';
import { accessWorld, DEVICE_SECRET, PASSWORD, type AccessWorld, type Person } from '../access/helpers.js';

interface Signed {
  cookies: Record<string, string>;
  csrf: string;
  /** Each person signs in from their own address (the step-up throttle counts per address too). */
  ip: string;
}

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>';

let hosts = 10;
async function signIn(w: AccessWorld, p: Person): Promise<Signed> {
  const ip = `192.0.2.${hosts++}`;
  const response = await w.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: ip, payload: { username: p.username, password: PASSWORD, totp_code: w.code(p) } });
  if (response.statusCode !== 200) throw new Error(`login ${p.username}: ${response.body}`);
  // The session cookie and the CSRF cookie the pages read their form token from.
  const cookies = Object.fromEntries(response.cookies.map((c) => [c.name, c.value]));
  if (!(SESSION_COOKIE in cookies)) throw new Error('no session cookie');
  return { cookies, csrf: (response.json() as { csrf_token: string }).csrf_token, ip };
}

for (const kind of DB_KINDS) {
  t.test(`access pages (${kind})`, async (t) => {
    const w = await accessWorld(t, kind);
    const bodies: string[] = [];
    const get = async (who: Signed, url: string, lang?: 'en') => {
      const response = await w.app.inject({ method: 'GET', url, remoteAddress: who.ip, cookies: { ...who.cookies, ...(lang === undefined ? {} : { [LANG_COOKIE]: lang }) } });
      bodies.push(response.body);
      return response;
    };
    const post = async (who: Signed, url: string, fields: Record<string, string>, csrf = true) => {
      const response = await w.app.inject({
        method: 'POST',
        url,
        remoteAddress: who.ip,
        cookies: who.cookies,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form(csrf ? { _csrf: who.csrf, ...fields } : fields),
      });
      bodies.push(response.body);
      return response;
    };
    const journal = async (action: string, target?: string) => (await listAuditEntries(w.db, { limit: 1000 })).filter((e) => e.action === action && (target === undefined || e.target === target));
    /** A fresh code: the clock moves one TOTP step first (a code's step is accepted once, sign-ins included). */
    const fresh = (p: Person) => {
      w.clock.advance(30_000);
      return w.code(p);
    };
    const local = (minutesFromNow: number) => parisLocalMinute(new Date(w.clock.at.getTime() + minutesFromNow * 60_000));
    const idFrom = (location: string | undefined) => /\/access\/requests\/([0-9a-f-]{36})/.exec(location ?? '')?.[1] ?? '';

    const vendor = await signIn(w, w.people.vendor);
    const other = await signIn(w, w.people.otherVendor);
    const colleague = await signIn(w, w.people.colleague);
    const rssi = await signIn(w, w.people.rssi);
    const rssi2 = await signIn(w, w.people.rssi2);
    const bio = await signIn(w, w.people.bio);
    const bio2 = await signIn(w, w.people.bio2);
    const admin = await signIn(w, w.people.admin);
    const auditor = await signIn(w, w.people.auditor);

    /** A vendor asks on the form; returns the new request's id. */
    const asked: string[] = [];
    const ask = async (who: Signed, fields: Record<string, string>) => {
      const response = await post(who, '/access/requests', fields);
      if (response.statusCode !== 303) throw new Error(`request refused: ${response.statusCode} ${text(response.body).slice(0, 400)}`);
      asked.push(idFrom(response.headers.location));
      return idFrom(response.headers.location);
    };

    let id = '';
    await t.test('a vendor asks on the form: Paris times become the window, the request is journalled', async (t) => {
      const page = await get(vendor, '/access/new');
      t.equal(page.statusCode, 200);
      t.match(text(page.body), /irm-vallee-01/);
      t.match(page.body, /name="_csrf" value="[^"]+"/, 'the form carries the CSRF token');
      const start = local(60);
      const end = local(180);
      const response = await post(vendor, '/access/requests', { target: 'irm-vallee-01', not_before: start, not_after: end, reason: `Mise à jour console ${HOSTILE}`, ticket: 'CHG-1001' });
      t.equal(response.statusCode, 303);
      t.match(response.headers.location, /^\/access\/requests\/[0-9a-f-]{36}\?done=created$/);
      id = idFrom(response.headers.location);
      const stored = (await findRequest(w.db, id))!;
      t.equal(parisLocalMinute(stored.not_before), start, 'the start is the Paris time typed');
      t.equal(parisLocalMinute(stored.not_after), end);
      t.equal(stored.state, 'pending');
      t.equal((await journal('access.requested', `access_request:${id}`)).length, 1, 'journalled by the domain');
      const shown = await get(vendor, response.headers.location as string);
      t.match(text(shown.body), /Demande déposée/);
      t.notMatch(shown.body, /<script>alert/, 'hostile justification is escaped');
      t.match(text(shown.body), /<script>alert\("x"\)<\/script>/, '… and shown as text');
      t.notMatch(text(shown.body), /Contrôle de posture de la passerelle/, 'vendors are not shown the gateway posture');
      t.notMatch(shown.body, /action="[^"]*\/review"/, 'no review form for a vendor');
      t.match(shown.body, /action="\/access\/requests\/[^"]+\/cancel"/, 'the requester may cancel');
    });

    await t.test('refused requests say why and keep what was typed', async (t) => {
      const tooLong = await post(vendor, '/access/requests', { target: 'irm-vallee-01', not_before: local(60), not_after: local(60 + 9 * 60), reason: 'Trop long', ticket: 'CHG-1' });
      t.equal(tooLong.statusCode, 400);
      t.match(text(tooLong.body), /Fenêtre trop longue/);
      t.match(tooLong.body, /Trop long<\/textarea>/);
      const notAllowed = await post(other, '/access/requests', { target: 'irm-vallee-01', not_after: local(60), reason: 'Pas à nous', ticket: 'CHG-2' });
      t.equal(notAllowed.statusCode, 404, 'a target of another vendor is unknown to them');
      t.match(text(notAllowed.body), /Équipement inconnu ou non autorisé/);
      const badTime = await post(vendor, '/access/requests', { target: 'irm-vallee-01', not_after: '2035-13-45T99:00', reason: 'Heure', ticket: 'CHG-3' });
      t.equal(badTime.statusCode, 400);
      const noCsrf = await post(vendor, '/access/requests', { target: 'irm-vallee-01', not_after: local(60), reason: 'Sans jeton', ticket: 'CHG-4' }, false);
      t.equal(noCsrf.statusCode, 403, 'no CSRF token, no request');
      t.equal((await journal('access.requested')).length, 1, 'none of them made a request');
    });

    await t.test('vendor isolation: another vendor and a colleague get 404 to read or cancel', async (t) => {
      for (const who of [other, colleague]) {
        t.equal((await get(who, `/access/requests/${id}`)).statusCode, 404);
        t.equal((await post(who, `/access/requests/${id}/cancel`, { reason: 'x' })).statusCode, 404);
        const list = await get(who, '/access');
        t.equal(list.statusCode, 200);
        t.notMatch(list.body, new RegExp(id), 'their list does not show it');
        t.notMatch(text(list.body), /Acme Imaging/, 'nor the other company’s name');
      }
      const own = await get(vendor, '/access');
      t.match(own.body, new RegExp(`/access/requests/${id}`));
      t.equal((await get(vendor, `/access/requests/${id}/review`)).statusCode, 404, 'no such page');
      t.equal((await post(vendor, `/access/requests/${id}/review`, { decision: 'approve', totp_code: fresh(w.people.vendor) })).statusCode, 403, 'vendors do not review');
    });

    await t.test('approvers see the request with its quorum and the gateway posture', async (t) => {
      const page = await get(rssi, `/access/requests/${id}`);
      t.equal(page.statusCode, 200);
      const body = text(page.body);
      t.match(body, /0 approbation\(s\) sur 2 · manque : 1 RSSI, 1 ingénieur biomédical/);
      t.match(body, /Contrôle de posture de la passerelle \(maintenant\) ✔ conforme ouverte/);
      t.match(body, /Acme Imaging SAS/);
      t.match(body, /CHG-1001/);
      t.match(page.body, /action="\/access\/requests\/[^"]+\/review"/);
      const list = await get(rssi, '/access?state=pending');
      t.match(text(list.body), /manque : 1 RSSI, 1 ingénieur biomédical/);
      t.match(text(list.body), /✔ conforme ouverte/);
      const en = await get(rssi, `/access/requests/${id}`, 'en');
      t.match(text(en.body), /missing: 1 CISO \(RSSI\), 1 biomedical engineer/, 'English available');
    });

    await t.test('a wrong, then a replayed TOTP code: refused, nothing recorded', async (t) => {
      const wrong = await post(rssi, `/access/requests/${id}/review`, { decision: 'approve', comment: 'ok', totp_code: '000000' });
      t.equal(wrong.statusCode, 401);
      t.match(text(wrong.body), /Code TOTP incorrect ou déjà utilisé/);
      t.match(wrong.body, /value="approve" required checked/, 'the decision typed is kept');
      t.match(wrong.body, /ok<\/textarea>/, 'and the comment');
      const elsewhere = await ask(vendor, { target: 'irm-vallee-01', not_before: local(60), not_after: local(120), reason: 'Autre', ticket: 'CHG-1002' });
      const code = fresh(w.people.rssi);
      t.equal((await post(rssi, `/access/requests/${elsewhere}/review`, { decision: 'approve', comment: '', totp_code: code })).statusCode, 303, 'the code works once');
      const replay = await post(rssi, `/access/requests/${id}/review`, { decision: 'approve', comment: '', totp_code: code });
      t.equal(replay.statusCode, 401, 'the same code again is a replay');
      t.equal((await listReviews(w.db, id)).length, 0, 'nothing recorded');
      t.equal((await journal('access.step_up_failed')).length, 2, 'both failures journalled');
      const first = await post(rssi2, `/access/requests/${id}/review`, { decision: 'approve', comment: '', totp_code: fresh(w.people.rssi2) });
      t.equal(first.statusCode, 303);
      t.match(first.headers.location, /done=reviewed$/, 'one approval of two');
      const twice = await post(rssi2, `/access/requests/${id}/review`, { decision: 'approve', comment: '', totp_code: fresh(w.people.rssi2) });
      t.equal(twice.statusCode, 409, 'one review per person');
      t.match(text(twice.body), /déjà donné votre avis/);
      t.match(text((await get(rssi2, `/access/requests/${id}`)).body), /Vous avez déjà donné votre avis sur cette demande/, 'and the page says so instead of a form');
      t.match(text((await get(bio, `/access/requests/${id}`)).body), /1 approbation\(s\) sur 2 · manque : 1 ingénieur biomédical/);
    });

    await t.test('an extension is refused; a shortened window is approved to quorum and the grant shows', async (t) => {
      const current = (await findRequest(w.db, id))!;
      const longer = parisLocalMinute(new Date(Date.parse(current.not_after) + 3600_000));
      const extend = await post(bio, `/access/requests/${id}/review`, { decision: 'approve', comment: '', totp_code: fresh(w.people.bio), not_after: longer });
      t.equal(extend.statusCode, 409);
      t.match(text(extend.body), /jamais l’allonger/);
      const shorter = parisLocalMinute(new Date(Date.parse(current.not_after) - 1800_000));
      const approve = await post(bio, `/access/requests/${id}/review`, { decision: 'approve', comment: 'OK pour 1 h 30', totp_code: fresh(w.people.bio), not_before: parisLocalMinute(current.not_before), not_after: shorter });
      t.equal(approve.statusCode, 303, text(approve.body).slice(0, 300));
      t.match(approve.headers.location, /done=approved$/);
      const after = (await findRequest(w.db, id))!;
      t.equal(after.state, 'approved');
      t.equal(parisLocalMinute(after.not_after), shorter, 'the grant ends earlier');
      const timeline = text(/<ol class="timeline">[\s\S]*?<\/ol>/.exec((await get(rssi, `/access/requests/${id}`)).body)?.[0] ?? '');
      t.match(timeline, /approuvée : quorum atteint — bio-claire : OK pour 1 h 30 · fenêtre : .*\(1 h 30 min\)/, 'the narrowed window in the timeline');
      t.equal(after.not_before, current.not_before, 'the start left at its minute is unchanged');
      const page = await get(vendor, `/access/requests/${id}`);
      t.match(text(page.body), /Autorisation .* autorisation ouverte, pas encore utilisée/);
      t.match(text(page.body), /\(réduite par un approbateur\)/);
      t.equal((await journal('access.approved', `access_request:${id}`)).length, 1);
      const again = await get(rssi2, `/access/requests/${id}`);
      t.notMatch(again.body, /\/review"/, 'no review form once decided');
      t.match(again.body, /action="\/access\/requests\/[^"]+\/revoke"/);
    });

    await t.test('revoke: reason required, then the grant ends, journalled', async (t) => {
      const noReason = await post(rssi, `/access/requests/${id}/revoke`, { reason: ' ' });
      t.equal(noReason.statusCode, 400);
      t.match(text(noReason.body), /Indiquez un motif/);
      const revoked = await post(rssi, `/access/requests/${id}/revoke`, { reason: 'Fin anticipée' });
      t.equal(revoked.statusCode, 303);
      t.equal((await findRequest(w.db, id))!.state, 'revoked');
      t.equal((await journal('access.revoked', `access_request:${id}`)).length, 1);
      t.equal((await post(rssi, `/access/requests/${id}/revoke`, { reason: 'encore' })).statusCode, 409, 'a final state stays final');
      t.equal((await post(bio2, `/access/requests/${id}/revoke`, { reason: 'x' }, false)).statusCode, 403, 'CSRF');
      t.equal((await post(auditor, `/access/requests/${id}/revoke`, { reason: 'x' })).statusCode, 403, 'auditors change nothing');
    });

    await t.test('no self-approval, admin included: no form, the reason shown, the server refuses', async (t) => {
      const mine = await ask(admin, { target: 'irm-vallee-01', not_before: local(60), not_after: local(120), reason: 'Contrôle admin', ticket: 'ADM-1' });
      const page = await get(admin, `/access/requests/${mine}`);
      t.notMatch(page.body, /\/review"/);
      t.match(text(page.body), /Vous êtes l’auteur de cette demande : vous ne pouvez ni l’approuver ni la refuser/);
      const forced = await post(admin, `/access/requests/${mine}/review`, { decision: 'approve', comment: '', totp_code: fresh(w.people.admin) });
      t.equal(forced.statusCode, 403);
      t.match(text(forced.body), /vous ne pouvez pas examiner votre propre demande/);
      t.equal((await journal('access.review_refused', `access_request:${mine}`)).length, 1, 'the attempt is journalled');
      t.equal((await listReviews(w.db, mine)).length, 0);
    });

    await t.test('deny wins, and a denial needs a comment', async (t) => {
      const req = await ask(vendor, { target: 'irm-vallee-01', not_before: local(60), not_after: local(120), reason: 'Diagnostic', ticket: 'CHG-2001' });
      t.equal((await post(rssi, `/access/requests/${req}/review`, { decision: 'approve', comment: '', totp_code: fresh(w.people.rssi) })).statusCode, 303);
      const bare = await post(bio, `/access/requests/${req}/review`, { decision: 'deny', comment: '', totp_code: fresh(w.people.bio) });
      t.equal(bare.statusCode, 400);
      t.match(text(bare.body), /Un refus doit être motivé/);
      const none = await post(bio, `/access/requests/${req}/review`, { comment: 'x', totp_code: fresh(w.people.bio) });
      t.equal(none.statusCode, 400, 'a decision must be chosen');
      const denied = await post(bio, `/access/requests/${req}/review`, { decision: 'deny', comment: `Pas ce jour ${HOSTILE}`, totp_code: fresh(w.people.bio) });
      t.equal(denied.statusCode, 303);
      t.match(denied.headers.location, /done=denied/);
      t.equal((await findRequest(w.db, req))!.state, 'denied');
      const page = await get(vendor, `/access/requests/${req}`);
      t.match(text(page.body), /refusée/);
      t.notMatch(page.body, /<img src=x/, 'the hostile comment is text');
      t.equal((await post(rssi2, `/access/requests/${req}/review`, { decision: 'approve', comment: '', totp_code: fresh(w.people.rssi2) })).statusCode, 409, 'nothing moves a denied request');
    });

    await t.test('posture gate: refused with the failing rules, then overridden with a justification and one approver more', async (t) => {
      const req = await ask(vendor, { target: 'ct-vallee-01', not_before: local(60), not_after: local(120), reason: 'Maintenance CT', ticket: 'CHG-3001' });
      const page = await get(rssi, `/access/requests/${req}`);
      t.match(text(page.body), /✖ non conforme fermée/);
      t.match(text(page.body), /TMA-05/, 'the failing rule is named');
      t.match(page.body, /name="override_justification"/);
      const refused = await post(rssi, `/access/requests/${req}/review`, { decision: 'approve', comment: '', totp_code: fresh(w.people.rssi) });
      t.equal(refused.statusCode, 409);
      t.match(text(refused.body), /ne passe pas le contrôle de posture/);
      t.match(text(refused.body), /TMA-05/);
      const override = await post(rssi, `/access/requests/${req}/review`, { decision: 'approve', comment: '', totp_code: fresh(w.people.rssi), override_justification: 'Panne bloquante du scanner, tunnel corrigé demain' });
      t.equal(override.statusCode, 303);
      t.equal((await post(bio, `/access/requests/${req}/review`, { decision: 'approve', comment: '', totp_code: fresh(w.people.bio) })).headers.location?.endsWith('done=reviewed'), true, 'quorum + 1 needed');
      const shown = text((await get(bio2, `/access/requests/${req}`)).body);
      t.match(shown, /contrôle de posture outrepassé/);
      t.match(shown, /Panne bloquante du scanner/);
      t.match(shown, /2 approbation\(s\) sur 3/);
      const list = text((await get(rssi, '/access?target=ct-vallee-01')).body);
      t.match(list, /contrôle de posture outrepassé/, 'marked in the list too');
      const third = await post(bio2, `/access/requests/${req}/review`, { decision: 'approve', comment: '', totp_code: fresh(w.people.bio2) });
      t.match(third.headers.location, /done=approved/);
      const timeline = text(/<ol class="timeline">[\s\S]*?<\/ol>/.exec((await get(rssi, `/access/requests/${req}`)).body)?.[0] ?? '');
      t.match(timeline, /avis refusé par le serveur — rssi-anne : la passerelle ne passe pas le contrôle de posture/, 'the refusal in words, not a code');
      t.match(timeline, /contrôle de posture outrepassé, justification : Panne bloquante du scanner/, 'the override marked in the timeline');
      const timelineEn = text(/<ol class="timeline">[\s\S]*?<\/ol>/.exec((await get(rssi, `/access/requests/${req}`, 'en')).body)?.[0] ?? '');
      t.match(timelineEn, /review refused by the server — rssi-anne : the gateway fails the posture gate/);
    });

    await t.test('emergency: one approver, then countersigned by another', async (t) => {
      const req = await ask(vendor, { target: 'irm-vallee-01', not_after: local(90), reason: 'IRM à l’arrêt', ticket: 'URG-1', emergency: 'yes' });
      const stored = (await findRequest(w.db, req))!;
      t.equal(stored.emergency, true);
      t.equal(stored.not_before, w.clock.at.toISOString(), 'an emergency starts now');
      t.equal((await post(bio, `/access/requests/${req}/review`, { decision: 'approve', comment: '', totp_code: fresh(w.people.bio) })).headers.location?.endsWith('done=approved'), true);
      const page = text((await get(rssi, `/access/requests/${req}`)).body);
      t.match(page, /urgence \(bris de glace\) · à contresigner/);
      t.match(page, /À contresigner avant le/);
      const approver = await get(bio, `/access/requests/${req}`);
      t.notMatch(approver.body, /\/countersign"/, 'the approver does not countersign');
      t.match(text(approver.body), /un autre approbateur doit la contresigner/);
      const wrong = await post(rssi2, `/access/requests/${req}/countersign`, { comment: '', totp_code: '123456' });
      t.equal(wrong.statusCode, 401);
      const signed = await post(rssi, `/access/requests/${req}/countersign`, { comment: 'Vu', totp_code: fresh(w.people.rssi) });
      t.equal(signed.statusCode, 303);
      t.equal((await findRequest(w.db, req))!.countersigned_by, 'rssi-anne');
      t.match(text((await get(vendor, `/access/requests/${req}`)).body), /Contresignée par rssi-anne/);
      t.equal((await journal('access.countersigned', `access_request:${req}`)).length, 1);
      t.equal((await post(rssi2, `/access/requests/${req}/countersign`, { totp_code: fresh(w.people.rssi2) })).statusCode, 409, 'once');
      t.match(text((await get(bio2, '/access?state=approved')).body), /urgence \(bris de glace\) · contresignée/);
    });

    await t.test('the requester cancels a pending request; nobody else can', async (t) => {
      const req = await ask(vendor, { target: 'irm-vallee-01', not_before: local(60), not_after: local(120), reason: 'Plus utile', ticket: 'CHG-4001' });
      t.equal((await post(rssi, `/access/requests/${req}/cancel`, { reason: 'x' })).statusCode, 403, 'reviewers deny or revoke');
      const cancelled = await post(vendor, `/access/requests/${req}/cancel`, { reason: '' });
      t.equal(cancelled.statusCode, 303);
      t.equal((await findRequest(w.db, req))!.state, 'cancelled');
      t.equal((await journal('access.cancelled', `access_request:${req}`)).length, 1);
    });

    await t.test('SSH keys: add with its fingerprint shown, hostile comment as text, remove with confirmation', async (t) => {
      const { generateKeyPairSync } = await import('node:crypto');
      const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
      const name = Buffer.from('ssh-ed25519');
      const blob = Buffer.concat([Buffer.from([0, 0, 0, name.length]), name, Buffer.from([0, 0, 0, 32]), raw]);
      const line = `ssh-ed25519 ${blob.toString('base64')} tech@poste ${HOSTILE}`;
      const added = await post(vendor, '/access/keys', { public_key: line });
      t.equal(added.statusCode, 303);
      const page = await get(vendor, added.headers.location as string);
      const fingerprint = /<code>(SHA256:[A-Za-z0-9+/]{43})<\/code>/.exec(page.body)?.[1];
      t.ok(fingerprint, 'the fingerprint is shown');
      t.match(text(page.body), /Clé ajoutée\. Son empreinte :/);
      t.notMatch(page.body, /<img src=x/);
      t.equal((await journal('ssh_key.added', 'user:jdupont')).length, 1);
      const bad = await post(vendor, '/access/keys', { public_key: 'ssh-dss AAAA' });
      t.equal(bad.statusCode, 400);
      t.match(text(bad.body), /Clé publique refusée/);
      const keyId = /action="\/access\/keys\/([0-9a-f-]{36})\/remove"/.exec(page.body)?.[1] ?? '';
      t.equal((await post(other, `/access/keys/${keyId}/remove`, { confirm: 'yes' })).statusCode, 404, 'another person’s key is unknown');
      t.equal((await post(vendor, `/access/keys/${keyId}/remove`, {})).statusCode, 400, 'confirmation needed');
      const removed = await post(vendor, `/access/keys/${keyId}/remove`, { confirm: 'yes' });
      t.equal(removed.statusCode, 303);
      t.match(text((await get(vendor, '/access/keys')).body), /Aucune clé enregistrée/);
      t.equal((await journal('ssh_key.removed', 'user:jdupont')).length, 1);
      t.equal((await get(auditor, '/access/keys')).statusCode, 403, 'auditors have no keys page');
    });

    await t.test('list: counts by state link to their list, filters compose, keyset paging', async (t) => {
      const hostile = await createVendor(w.db, { slug: 'evil-corp', name: HOSTILE }, { type: 'cli', id: 'tests' }, w.clock.at);
      const base = w.clock.at.getTime();
      for (let i = 0; i < 55; i++) {
        await insertRequest(w.db, {
          requester_id: w.people.tech.user_id, vendor_id: hostile.vendor_id, target_id: w.target.target_id,
          not_before: new Date(base + 3600_000), not_after: new Date(base + 7200_000), review_deadline: new Date(base + 3600_000), first_connect_deadline: null,
          reason: `bulk ${i}`, ticket: `B-${i}`, emergency: false, quorum: { rssi: 1 }, now: new Date(base - i * 1000),
        });
      }
      const first = await get(rssi, '/access?vendor=evil-corp&state=pending');
      t.equal(first.statusCode, 200);
      const rows = (html: string) => [...html.matchAll(/<tr id="r-([0-9a-f-]{36})">/g)].map((m) => m[1]);
      t.equal(rows(first.body).length, 50, 'a page holds 50');
      t.notMatch(first.body, /<script>alert/, 'a hostile vendor name is text');
      t.match(text(first.body), /55 en attente/);
      const next = /href="(\/access\?[^"]*after=[^"]+)"/.exec(first.body)?.[1]?.replace(/&amp;/g, '&');
      t.ok(next, 'a next link');
      const second = await get(rssi, next!);
      t.equal(rows(second.body).length, 5);
      t.same(new Set([...rows(first.body), ...rows(second.body)]).size, 55, 'no row twice, none missed');
      t.match(second.body, /vendor=evil-corp/, 'the next page keeps the filters');
      t.equal(rows((await get(rssi, '/access?vendor=nobody')).body).length, 0, 'an unknown vendor matches nothing');
      t.equal(rows((await get(rssi, `/access?site=${w.target.site}&target=ct-vallee-01`)).body).length, 1);
      t.equal((await get(auditor, '/access')).statusCode, 200, 'auditors read');
    });

    await t.test('maintained devices: gateway posture, reach, policy and vendors; never the credential; not for vendors', async (t) => {
      const page = await get(admin, '/access/targets');
      t.equal(page.statusCode, 200);
      const body = text(page.body);
      t.match(body, /2 équipement\(s\), dont 1 derrière une passerelle qui ne passe pas le contrôle de posture/);
      const row = (name: string) => text(new RegExp(`<tr id="t-[^"]+">\\s*<th scope="row">${name}[\\s\\S]*?</tr>`).exec(page.body)?.[0] ?? '');
      t.match(row('irm-vallee-01'), /✔ conforme ouverte/);
      t.match(row('ct-vallee-01'), /✖ non conforme fermée \(TMA-05\)/, 'the failing gate rule named');
      t.match(row('irm-vallee-01'), /10\.20\.0\.15:22 SHA256:A{43} compte service, mot de passe scellé \(jamais affiché\)/);
      t.match(row('irm-vallee-01'), /1 RSSI \+ 1 ingénieur biomédical fenêtre de 8 h au plus/);
      t.match(row('irm-vallee-01'), /Acme Imaging SAS/);
      t.match(page.body, /href="\/access\?target=irm-vallee-01"/, 'each device links to its requests');
      t.notOk(page.body.includes(DEVICE_SECRET), 'the device credential is not on the page');
      t.equal([...(await get(admin, '/access/targets?site=nowhere')).body.matchAll(/<tr id="t-/g)].length, 0, 'the site filter');
      t.equal([...(await get(admin, `/access/targets?site=${w.target.site}`)).body.matchAll(/<tr id="t-/g)].length, 2);
      t.match(text((await get(rssi, '/access/targets', 'en')).body), /sealed password \(never shown\)/);
      t.equal((await get(auditor, '/access/targets')).statusCode, 200, 'auditors read');
      t.equal((await get(vendor, '/access/targets')).statusCode, 403, 'vendors see their targets on the request form only');
      t.match((await get(rssi, '/access')).body, /href="\/access\/targets"/, 'linked from the list');
    });

    await t.test('French first, English available: no French catalogue text on an English page, nor the reverse', async (t) => {
      // Fragments of page 9's messages that differ between the languages (placeholders cut out).
      const fragments = (lang: 'fr' | 'en') =>
        Object.entries(CATALOGUE)
          .filter(([key, m]) => (key.startsWith('access.') || key === 'nav.access') && m.fr !== m.en)
          .flatMap(([, m]) => m[lang].split(/\{[^}]+\}/).map((x) => x.trim()))
          .filter((x) => x.length >= 12 && !Object.values(CATALOGUE).some((m) => m[lang === 'fr' ? 'en' : 'fr'].includes(x)));
      const french = fragments('fr');
      const english = fragments('en');
      t.ok(french.length > 100 && english.length > 100, `${french.length} French and ${english.length} English fragments to look for`);
      const pages = ['/access', '/access?state=approved', '/access?state=denied', '/access/new', '/access/keys', '/access/targets', ...asked.map((r) => `/access/requests/${r}`), `/access/requests/${id}`];
      let checked = 0;
      for (const who of [rssi, vendor, admin]) {
        for (const path of pages) {
          const en = await get(who, path, 'en');
          const fr = await get(who, path);
          if (en.statusCode === 404 || en.statusCode === 403) continue;
          t.equal(en.statusCode, 200, path);
          t.match(en.body, /<html lang="en"/);
          const leftFrench = french.filter((x) => text(en.body).includes(x));
          const leftEnglish = english.filter((x) => text(fr.body).includes(x));
          t.same(leftFrench, [], `${path}: no French left on the English page`);
          t.same(leftEnglish, [], `${path}: no English on the French page`);
          t.ok(french.some((x) => text(fr.body).includes(x)) && english.some((x) => text(en.body).includes(x)), `${path}: each page does speak its language (the checks above are not vacuous)`);
          checked++;
        }
      }
      t.ok(checked >= 20, `${checked} pages checked in both languages`);
    });

    await t.test('the device credential is in no page', async (t) => {
      for (const path of ['/access', '/access/new', `/access/requests/${id}`]) await get(admin, path);
      t.equal(bodies.filter((b) => b.includes(DEVICE_SECRET)).length, 0);
      t.equal(w.logs.filter((l) => l.includes(DEVICE_SECRET)).length, 0);
      t.equal((await listAuditEntries(w.db, { limit: 5000 })).filter((e) => JSON.stringify(e).includes(DEVICE_SECRET)).length, 0);
    });
  });
}
