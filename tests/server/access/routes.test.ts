// The access API on both databases: a request through its whole life over HTTP, vendor isolation
// (another vendor's request answers 404 to read and to cancel), CSRF on state changes, and the
// device credential absent from every response, log line and audit entry.
import t from 'tap';
import { listAuditEntries } from '../../../server/auditlog/auditlog.js';
import { CSRF_HEADER, SESSION_COOKIE } from '../../../server/auth/session.js';
import { DB_KINDS } from '../fixture.js';
import { accessWorld, DEVICE_SECRET, PASSWORD, windowFrom, type AccessWorld, type Person } from './helpers.js';

interface Signed {
  cookies: Record<string, string>;
  headers: Record<string, string>;
}

async function signIn(w: AccessWorld, p: Person): Promise<Signed> {
  const response = await w.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: p.username, password: PASSWORD, totp_code: w.code(p) } });
  if (response.statusCode !== 200) throw new Error(`login ${p.username}: ${response.body}`);
  const cookie = response.cookies.find((c) => c.name === SESSION_COOKIE)!;
  return { cookies: { [SESSION_COOKIE]: cookie.value }, headers: { [CSRF_HEADER]: (response.json() as { csrf_token: string }).csrf_token } };
}

for (const kind of DB_KINDS) {
  t.test(`access API (${kind})`, async (t) => {
    const w = await accessWorld(t, kind);
    const bodies: string[] = [];
    const call = async (who: Signed, method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) => {
      const response = await w.app.inject({ method, url, cookies: who.cookies, headers: who.headers, ...(payload === undefined ? {} : { payload }) });
      bodies.push(response.body);
      return response;
    };
    const vendor = await signIn(w, w.people.vendor);
    w.clock.advance(30_000);
    const other = await signIn(w, w.people.otherVendor);
    const colleague = await signIn(w, w.people.colleague);
    const rssi = await signIn(w, w.people.rssi);
    const bio = await signIn(w, w.people.bio);
    const admin = await signIn(w, w.people.admin);
    w.clock.advance(30_000);

    const created = await call(vendor, 'POST', '/api/v1/access/requests', { target: w.target.name, ...windowFrom(w.clock, 30, 2), reason: 'Mise à jour logicielle console IRM', ticket: 'CHG-7781' });
    t.equal(created.statusCode, 201, created.body);
    const id = (created.json() as { request_id: string }).request_id;

    t.test('CSRF: a state change without the token is refused and changes nothing', async (t) => {
      const response = await w.app.inject({ method: 'POST', url: `/api/v1/access/requests/${id}/cancel`, cookies: vendor.cookies, payload: { reason: 'x' } });
      t.equal(response.statusCode, 403);
      t.equal(response.json().error.code, 'csrf_invalid');
    });

    t.test('vendor isolation: another vendor and a colleague get 404 to read or cancel', async (t) => {
      for (const who of [other, colleague]) {
        t.equal((await call(who, 'GET', `/api/v1/access/requests/${id}`)).statusCode, 404);
        t.equal((await call(who, 'POST', `/api/v1/access/requests/${id}/cancel`, { reason: 'x' })).statusCode, 404);
        const list = await call(who, 'GET', '/api/v1/access/requests');
        t.same(list.json().requests, [], 'their list does not show it');
        const filtered = await call(who, 'GET', `/api/v1/access/requests?target=${w.target.name}`);
        t.same(filtered.json().requests, [], 'nor with filters');
      }
      t.equal((await call(other, 'GET', `/api/v1/access/targets/${w.target.name}`)).statusCode, 404, 'a target of another vendor is not found');
      t.same((await call(other, 'GET', '/api/v1/access/targets')).json().targets, []);
      const own = await call(vendor, 'GET', `/api/v1/access/requests/${id}`);
      t.equal(own.statusCode, 200);
      t.equal(own.json().posture, null, 'vendors are not shown the gateway posture');
    });

    t.test('reviews over HTTP; the timeline tells the story', async (t) => {
      const first = await call(rssi, 'POST', `/api/v1/access/requests/${id}/reviews`, { decision: 'approve', comment: 'OK créneau', totp_code: w.code(w.people.rssi) });
      t.equal(first.statusCode, 200, first.body);
      t.same([first.json().request.state, first.json().quorum.have_total, first.json().quorum.needed_total], ['pending', 1, 2]);
      const self = await call(vendor, 'POST', `/api/v1/access/requests/${id}/reviews`, { decision: 'approve', comment: '', totp_code: w.code(w.people.vendor) });
      t.equal(self.statusCode, 403, 'vendors do not review');
      const second = await call(bio, 'POST', `/api/v1/access/requests/${id}/reviews`, { decision: 'approve', comment: '', totp_code: w.code(w.people.bio) });
      t.equal(second.json().request.state, 'approved');
      const shown = await call(rssi, 'GET', `/api/v1/access/requests/${id}`);
      const body = shown.json();
      t.same(body.timeline.map((e: { action: string }) => e.action), ['access.requested', 'access.review_approved', 'access.approved']);
      t.equal(body.posture.ok, true);
      t.equal(body.reviews.length, 2);
      const month = w.clock.at.toISOString().slice(0, 7);
      const listed = await call(rssi, 'GET', `/api/v1/access/requests?state=approved&vendor=acme-imaging&site=${w.target.site}&month=${month}`);
      t.same(listed.json().requests.map((r: { request_id: string }) => r.request_id), [id]);
      t.same((await call(rssi, 'GET', '/api/v1/access/requests?month=2001-01')).json().requests, []);
      const revoked = await call(admin, 'POST', `/api/v1/access/requests/${id}/revoke`, { reason: 'Fin de contrat' });
      t.equal(revoked.json().state, 'revoked');
    });

    t.test('targets and keys; the device credential never comes back', async (t) => {
      const made = await call(admin, 'POST', '/api/v1/access/targets', {
        name: 'automate-bio-02',
        site: w.target.site,
        device_class: 'lab',
        gateway_host_id: w.gateway.host_id,
        ssh_host: '10.20.0.44',
        ssh_port: 22,
        host_key_fingerprint: 'SHA256:' + 'B'.repeat(43),
        device_user: 'maint',
        credential_kind: 'password',
        device_credential: DEVICE_SECRET,
        vendors: ['acme-imaging'],
        quorum: { biomedical: 1 },
        max_window_minutes: 240,
        channels: { shell: true, exec: false, sftp: true, direct_tcpip_ports: [443] },
        record_input: false,
        first_connect_timeout_minutes: 30,
      });
      t.equal(made.statusCode, 201, made.body);
      t.notOk('device_credential' in made.json());
      t.equal((await call(rssi, 'POST', '/api/v1/access/targets', {})).statusCode, 403, 'only admins add targets');
      t.equal((await call(vendor, 'GET', '/api/v1/access/targets/automate-bio-02')).statusCode, 200);
      await call(admin, 'GET', '/api/v1/access/targets');
      const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl jdupont@laptop';
      const added = await call(vendor, 'POST', '/api/v1/access/keys', { public_key: key });
      t.equal(added.statusCode, 201, added.body);
      t.match(added.json().fingerprint, /^SHA256:/);
      t.equal((await call(colleague, 'POST', '/api/v1/access/keys', { public_key: key })).json().error.code, 'key_registered');
      t.equal((await call(vendor, 'POST', '/api/v1/access/keys', { public_key: 'ssh-dss AAAAB3NzaC1kc3MAAACBAP' })).json().error.code, 'invalid_public_key');
      t.equal((await call(vendor, 'GET', '/api/v1/access/keys?username=mmartin')).statusCode, 403, 'not the keys of someone else');
      t.equal((await call(admin, 'GET', '/api/v1/access/keys?username=jdupont')).json().keys.length, 1, 'an admin sees them');
      const removed = await call(vendor, 'POST', `/api/v1/access/keys/${added.json().key_id}/remove`, {});
      t.equal(removed.statusCode, 200);
      t.same((await call(vendor, 'GET', '/api/v1/access/keys')).json().keys, []);

      t.ok(bodies.length > 20);
      t.notOk(bodies.some((b) => b.includes(DEVICE_SECRET)), 'no response carries the device credential');
      t.notOk(w.logs.join('\n').includes(DEVICE_SECRET), 'no log line carries it');
      t.notOk(JSON.stringify(await listAuditEntries(w.db, { limit: 1000 })).includes(DEVICE_SECRET), 'no audit entry carries it');
    });
  });
}
