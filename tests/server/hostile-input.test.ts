// Hostile input over the round-2 routes (access, bastion sessions, inventory and learning, org,
// dashboard forms), on both databases: oversize bodies, wrong types, NUL, bidi and control
// characters and HTML in identifier fields, hostile path parameters. Each variant differs from a
// valid request in ONE field; each must be answered 4xx with the route's error shape (JSON error
// body for the API, an HTML error page for the dashboard), never a 500, and every table must be
// exactly as it was. Then each valid template is sent as is and accepted: the refusals were due
// to the hostile value, not to a template the route would have refused anyway.
import t from 'tap';
import { Value } from 'typebox/value';
import { createAccount } from '../../server/auth/accounts.js';
import { createApiToken } from '../../server/auth/tokens.js';
import { SESSION_COOKIE } from '../../server/auth/session.js';
import { parisLocalMinute } from '../../server/dashboard/data/paris-local.js';
import { ErrorBody } from '../../server/errors.js';
import { dumpDatabase } from '../helpers/db-dump.js';
import { accessWorld, PASSWORD, windowFrom, type AccessWorld, type Person } from './access/helpers.js';
import { bearer, DB_KINDS } from './fixture.js';

interface Signed {
  cookies: Record<string, string>;
  csrf: string;
  ip: string;
}

let addresses = 20;
async function signIn(w: AccessWorld, p: Person): Promise<Signed> {
  const ip = `192.0.2.${addresses++}`;
  const response = await w.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: ip, payload: { username: p.username, password: PASSWORD, totp_code: w.code(p) } });
  if (response.statusCode !== 200) throw new Error(`login ${p.username}: ${response.body}`);
  const cookies = Object.fromEntries(response.cookies.map((c) => [c.name, c.value]));
  if (!(SESSION_COOKIE in cookies)) throw new Error('no session cookie');
  return { cookies, csrf: (response.json() as { csrf_token: string }).csrf_token, ip };
}

/** Strings an identifier field (a name, a site, a user, a date, an id) must refuse. */
const HOSTILE_IDENTIFIERS: Record<string, string> = {
  'HTML and script': '<script>alert(1)</script>',
  'bidi override': 'irm\u202Eexe.10',
  'bidi isolate': 'irm\u2066x\u2069',
  'escape sequence': 'irm\u001b[31m',
  'line break': 'irm\nforged: yes',
  DEL: 'irm\u007f',
};
const NUL = 'irm\u0000x';

interface Case {
  name: string;
  who: Signed | { token: string };
  method: 'GET' | 'POST';
  /** Path; for GET cases the template is the query string. */
  url: string;
  form?: boolean;
  template: Record<string, unknown>;
  /** Fields where hostile text must be refused (the others are free text: rendered as text elsewhere). */
  identifiers: string[];
  /** The route's body limit (the app's default otherwise). */
  bodyLimit?: number;
  /** Whether the valid template is accepted (false when the route answers e.g. 404 for a template id by design). */
  control?: boolean;
}

for (const kind of DB_KINDS) {
  t.test(`${kind}: hostile input over the round-2 routes is refused 4xx with the route's error shape, nothing changed`, async (t) => {
    const w = await accessWorld(t, kind);
    const app = w.app;
    const day = (n: number) => new Date(w.clock.at.getTime() + n * 86_400_000).toISOString().slice(0, 10);
    const rssi = await signIn(w, w.people.rssi);
    const admin = await signIn(w, w.people.admin);
    const vendor = await signIn(w, w.people.vendor);
    const shipper = { token: (await createApiToken(w.db, { name: 'hostile-shipper', scope: 'log-shipper', now: w.clock.at })).token };
    const window = windowFrom(w.clock, 60, 2);
    // A vendor user who belongs to no vendor yet (the member route's valid template adds them).
    await createAccount(w.db, { username: 'newvendor-tech', role: 'vendor', password: PASSWORD }, { type: 'cli', id: 'tests' }, w.clock.at);

    const cases: Case[] = [
      { name: 'access request', who: vendor, method: 'POST', url: '/api/v1/access/requests', template: { target: w.target.name, ...window, reason: 'Mise à jour console IRM', ticket: 'CHG-7781' }, identifiers: ['target', 'not_before', 'not_after'] },
      { name: 'access vendor', who: admin, method: 'POST', url: '/api/v1/access/vendors', template: { slug: 'initech-sa', name: 'Initech SA' }, identifiers: ['slug'] },
      { name: 'access vendor member', who: admin, method: 'POST', url: '/api/v1/access/vendors/globex-lab/members', template: { username: 'newvendor-tech' }, identifiers: ['username'] },
      {
        name: 'access target',
        who: admin,
        method: 'POST',
        url: '/api/v1/access/targets',
        template: {
          name: 'echo-vallee-02', site: w.gateway.site, device_class: 'imaging', gateway_host_id: w.gateway.host_id, ssh_host: '10.20.0.16', ssh_port: 22,
          host_key_fingerprint: 'SHA256:' + 'B'.repeat(43), device_user: 'service', credential_kind: 'password', device_credential: 'An0ther-Dev1ce-Secret',
          quorum: { rssi: 1, biomedical: 1 }, max_window_minutes: 480, record_input: true, first_connect_timeout_minutes: null, vendors: ['acme-imaging'],
          channels: { shell: true, exec: false, sftp: false, direct_tcpip_ports: [] },
        },
        identifiers: ['name', 'site', 'gateway_host_id', 'ssh_host', 'host_key_fingerprint', 'device_user'],
      },
      { name: 'learning', who: rssi, method: 'POST', url: '/api/v1/learning', template: { site: w.gateway.site, role: 'server', until: day(40) }, identifiers: ['site', 'role', 'until'] },
      { name: 'org declaration', who: rssi, method: 'POST', url: '/api/v1/org/declarations', template: { kind: 'crisis_exercise', performed_on: day(-20), evidence_ref: 'RETEX exercice cyber', expires_on: day(300), coverage_percent: 70 }, identifiers: ['kind', 'performed_on', 'expires_on'] },
      { name: 'waiver', who: rssi, method: 'POST', url: '/api/v1/waivers', template: { rule: 'NET-01', scope: `site:${w.gateway.site}`, justification: 'Flux validé par le RSSI', expires: day(30) }, identifiers: ['rule', 'scope', 'expires'] },
      { name: 'access request list', who: rssi, method: 'GET', url: '/api/v1/access/requests', template: { state: 'pending', month: '2025-06', limit: 10 }, identifiers: ['state', 'month', 'limit'] },
      { name: 'bastion session list', who: rssi, method: 'GET', url: '/api/v1/bastion/sessions', template: { state: 'live', limit: 5 }, identifiers: ['state', 'limit'] },
      { name: 'inventory', who: rssi, method: 'GET', url: '/api/v1/inventory', template: { site: w.gateway.site, verdict: 'unlisted', limit: 5 }, identifiers: ['site', 'verdict', 'limit'] },
      { name: 'learning proposals', who: rssi, method: 'GET', url: '/api/v1/learning/proposals', template: { site: w.gateway.site, status: 'pending' }, identifiers: ['site', 'status'] },
      { name: 'waiver form', who: rssi, method: 'POST', url: '/waivers', form: true, bodyLimit: 16_384, template: { rule: 'NET-01', scope: `site-role:${w.gateway.site}/server`, justification: 'Flux validé par le RSSI (form)', expires: day(31) }, identifiers: ['rule', 'scope', 'expires'] },
      { name: 'learning form', who: rssi, method: 'POST', url: '/destinations/learning', form: true, bodyLimit: 16_384, template: { site: w.failingGateway.site, role: 'workstation', until: day(41) }, identifiers: ['site', 'role', 'until'] },
      { name: 'access request form', who: vendor, method: 'POST', url: '/access/requests', form: true, bodyLimit: 16_384, template: { target: w.target.name, not_before: parisLocalMinute(new Date(w.clock.at.getTime() + 3 * 3600_000)), not_after: parisLocalMinute(new Date(w.clock.at.getTime() + 4 * 3600_000)), reason: 'Mise à jour (form)', ticket: 'CHG-7782' }, identifiers: ['target', 'not_before', 'not_after'] },
      { name: 'org declaration form', who: rssi, method: 'POST', url: '/care/declarations', form: true, bodyLimit: 8_192, template: { kind: 'pca_test', performed_on: day(-3), expires_on: day(200), evidence_ref: 'PV test PCA 2025', subject: '', directory_role: '', level: '', score: '', coverage_percent: '' }, identifiers: ['kind', 'performed_on', 'expires_on', 'level'] },
    ];

    // Reading the inventory first catches its feed up with the stored reports (derived tables), so
    // the comparison below sees only what the hostile requests did.
    t.equal((await app.inject({ method: 'GET', url: '/api/v1/inventory/coverage', cookies: rssi.cookies, remoteAddress: rssi.ip })).statusCode, 200);
    const before = await dumpDatabase(w.db, ['sessions']);
    const results: string[] = [];
    const send = async (c: Case, fields: Record<string, unknown> | string | unknown[] | null) => {
      const auth = 'token' in c.who ? { headers: bearer(c.who.token) } : { cookies: c.who.cookies, remoteAddress: c.who.ip, headers: { 'x-csrf-token': c.who.csrf } };
      if (c.method === 'GET') {
        const query = new URLSearchParams(Object.entries(fields as Record<string, unknown>).map(([k, v]) => [k, String(v)])).toString();
        return app.inject({ method: 'GET', url: `${c.url}?${query}`, ...auth });
      }
      if (c.form === true) {
        const body = typeof fields === 'string' ? fields : new URLSearchParams({ _csrf: 'token' in c.who ? '' : c.who.csrf, ...(fields as Record<string, string>) }).toString();
        return app.inject({ method: 'POST', url: c.url, ...auth, headers: { ...auth.headers, 'content-type': 'application/x-www-form-urlencoded' }, payload: body });
      }
      return app.inject({ method: 'POST', url: c.url, ...auth, headers: { ...auth.headers, 'content-type': 'application/json' }, payload: JSON.stringify(fields) });
    };
    const expectRefused = async (c: Case, variant: string, fields: Parameters<typeof send>[1]) => {
      const response = await send(c, fields);
      const label = `${c.name}, ${variant} -> ${response.statusCode}`;
      results.push(label);
      t.ok(response.statusCode >= 400 && response.statusCode < 500, label);
      if (c.form === true) {
        t.match(String(response.headers['content-type']), /^text\/html/, `${label}: an error page`);
        // A page may show what was typed back in the form: as text, never as markup.
        t.notMatch(response.body, /<script>alert/, `${label}: hostile markup not echoed raw`);
      } else {
        t.ok(Value.Check(ErrorBody, response.json()), `${label}: the API error shape`);
      }
    };

    for (const c of cases) {
      const strings = Object.entries(c.template).filter(([, v]) => typeof v === 'string');
      // Wrong types: a string becomes a number, an object, an array; anything else a string.
      for (const [field, value] of Object.entries(c.template)) {
        if (c.method === 'GET' || c.form === true) {
          // Query strings and forms carry strings: a repeated field is the wrong type (an array).
          if (c.form === true) await expectRefused(c, `${field} repeated`, `${new URLSearchParams({ _csrf: 'token' in c.who ? '' : c.who.csrf, ...(c.template as Record<string, string>) }).toString()}&${field}=${encodeURIComponent(String(value))}`);
          continue;
        }
        const wrong = typeof value === 'string' ? [12345, { a: 1 }, [value]] : ['not-the-type'];
        for (const other of wrong) await expectRefused(c, `${field} as ${JSON.stringify(other)}`, { ...c.template, [field]: other });
      }
      if (c.method === 'POST' && c.form !== true) for (const whole of [[], 'a string', null]) await expectRefused(c, `whole body ${JSON.stringify(whole)}`, whole);
      // NUL anywhere; hostile text in identifier fields.
      for (const [field] of strings) await expectRefused(c, `NUL in ${field}`, { ...c.template, [field]: NUL });
      for (const field of c.identifiers) {
        for (const [what, hostile] of Object.entries(HOSTILE_IDENTIFIERS)) await expectRefused(c, `${what} in ${field}`, { ...c.template, [field]: hostile });
      }
      // Oversize: one free field (or the first field) grown past the route's body limit.
      if (c.method === 'POST') {
        const limit = c.bodyLimit ?? 1024 * 1024;
        const field = strings.find(([f]) => !c.identifiers.includes(f))?.[0] ?? strings[0]![0];
        const response = await send(c, { ...c.template, [field]: 'x'.repeat(limit + 1) });
        t.equal(response.statusCode, 413, `${c.name}: oversize body -> 413`);
      }
    }

    // Hostile path parameters on the routes that take an id.
    const ids = ['<script>alert(1)</script>', 'a\u202Eb', 'a%00b', '..%2F..%2Fetc%2Fpasswd', '%E2%80%AEevil', 'x'.repeat(300), '%C0%AF'];
    const paramRoutes: { who: Signed; method: 'GET' | 'POST'; url: (id: string) => string }[] = [
      { who: rssi, method: 'GET', url: (id) => `/api/v1/access/requests/${id}` },
      { who: rssi, method: 'GET', url: (id) => `/api/v1/access/targets/${id}` },
      { who: rssi, method: 'GET', url: (id) => `/api/v1/bastion/sessions/${id}` },
      { who: rssi, method: 'POST', url: (id) => `/api/v1/bastion/sessions/${id}/cut` },
      { who: rssi, method: 'GET', url: (id) => `/api/v1/bastion/sessions/00000000-0000-4000-8000-000000000000/recording/${id}` },
      { who: rssi, method: 'POST', url: (id) => `/api/v1/learning/${id}/close` },
      { who: rssi, method: 'POST', url: (id) => `/api/v1/org/declarations/${id}/withdraw` },
      { who: vendor, method: 'POST', url: (id) => `/api/v1/access/keys/${id}/remove` },
      { who: rssi, method: 'POST', url: (id) => `/destinations/proposals/${id}/reject` },
    ];
    for (const route of paramRoutes) {
      for (const id of ids) {
        const url = route.url(id.includes('%') ? id : encodeURIComponent(id));
        const response = await app.inject({ method: route.method, url, cookies: route.who.cookies, remoteAddress: route.who.ip, headers: { 'x-csrf-token': route.who.csrf }, ...(route.method === 'POST' ? { payload: { reason: 'Une raison assez longue' } } : {}) });
        t.ok(response.statusCode >= 400 && response.statusCode < 500, `${route.method} ${url.slice(0, 80)} -> ${response.statusCode}`);
      }
    }

    t.same(await dumpDatabase(w.db, ['sessions']), before, 'no table changed');

    // The proxy-log stream takes raw lines (imported or counted as rejected): never a 500.
    const hostileLog = ['\u0000\u0000', '<script>alert(1)</script>', '1717315200.000 1 10.0.0.5 TCP_DENIED/403 0 CONNECT \u202Eevil.example:443 - HIER_NONE/- -', '\u001b[2J'].join('\n') + '\n';
    const shipped = await app.inject({ method: 'POST', url: `/api/v1/inventory/proxy-log?format=squid&site=${w.gateway.site}&stream=hostile&offset=0`, headers: { ...bearer(shipper.token), 'content-type': 'text/plain' }, payload: hostileLog });
    t.ok(shipped.statusCode < 500, `proxy-log with hostile lines -> ${shipped.statusCode} ${shipped.body.slice(0, 200)}`);

    // Controls: each valid template is accepted as is.
    for (const c of cases) {
      if (c.control === false) continue;
      const response = await send(c, c.template);
      t.ok(response.statusCode < 400, `${c.name}: the valid template is accepted (${response.statusCode} ${response.statusCode >= 400 ? response.body.slice(0, 300) : ''})`);
    }
  });
}
