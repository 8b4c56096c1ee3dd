// A NUL (or a lone surrogate) in any string of any request is refused with a 400 naming the field,
// on PostgreSQL as on SQLite (issue 13, item 9 beyond reports): one check before validation
// (server/storable-input.ts) covers JSON bodies, form bodies, query strings and path parameters.
// Before it, routes whose schema let such a string through reached PostgreSQL, which refused it
// with a 500 (SQLite stored it). Every table is compared before and after: nothing changes.
import t from 'tap';
import { CSRF_FIELD } from '../../server/auth/session.js';
import { dumpDatabase } from '../helpers/db-dump.js';
import { fullSession, type TestSession } from './auth/helpers.js';
import { DB_KINDS, enrollHost, TEST_NOW, testApp } from './fixture.js';

const NUL = 'a\u0000b';

for (const kind of DB_KINDS) {
  t.test(`${kind}: NUL and lone surrogates are refused with a 400 on every kind of route`, async (t) => {
    const { app, db } = await testApp(t, kind);
    await enrollHost(app, db);
    const rssi = await fullSession(app, db, 'nul-rssi', 'rssi', TEST_NOW);
    const admin = await fullSession(app, db, 'nul-admin', 'admin', TEST_NOW);
    const tech = await fullSession(app, db, 'nul-tech', 'technician', TEST_NOW);
    const before = await dumpDatabase(db, ['sessions']);

    const json = (who: TestSession, method: 'GET' | 'POST', url: string, payload?: unknown) =>
      app.inject({ method, url, cookies: who.cookies, headers: who.headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
    const form = (who: TestSession, url: string, fields: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url,
        cookies: who.cookies,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ [CSRF_FIELD]: who.csrf, ...fields }).toString(),
      });

    const apiCases: { name: string; send: () => ReturnType<typeof json>; code: string; field: string }[] = [
      { name: 'waiver justification', send: () => json(rssi, 'POST', '/api/v1/waivers', { rule: 'NET-01', scope: 'ch-demo', justification: `long enough ${NUL}`, expires: '2099-01-01' }), code: 'invalid_body', field: '/justification' },
      { name: 'waiver scope (lone surrogate)', send: () => json(rssi, 'POST', '/api/v1/waivers', { rule: 'NET-01', scope: 'ch-\ud800demo', justification: 'long enough reason', expires: '2099-01-01' }), code: 'invalid_body', field: '/scope' },
      { name: 'learning rejection reason', send: () => json(rssi, 'POST', '/api/v1/learning/proposals/P-0A/reject', { reason: `not wanted ${NUL}` }), code: 'invalid_body', field: '/reason' },
      { name: 'learning site', send: () => json(rssi, 'POST', '/api/v1/learning', { site: NUL, role: 'server', until: '2099-01-01' }), code: 'invalid_body', field: '/site' },
      { name: 'access request target', send: () => json(tech, 'POST', '/api/v1/access/requests', { target: NUL, not_after: '2099-01-01T00:00:00Z', reason: 'maintenance', ticket: 'T-1' }), code: 'invalid_body', field: '/target' },
      { name: 'access vendor slug', send: () => json(admin, 'POST', '/api/v1/access/vendors', { slug: NUL, name: 'Vendor' }), code: 'invalid_body', field: '/slug' },
      { name: 'access target name', send: () => json(admin, 'POST', '/api/v1/access/vendors/00000000-0000-4000-8000-000000000000/members', { username: NUL }), code: 'invalid_body', field: '/username' },
      { name: 'access request list filter', send: () => json(rssi, 'GET', '/api/v1/access/requests?vendor=a%00b'), code: 'invalid_querystring', field: '/vendor' },
      { name: 'access target id in the path', send: () => json(rssi, 'GET', '/api/v1/access/targets/a%00b'), code: 'invalid_params', field: '/id' },
      { name: 'bastion session id in the path', send: () => json(rssi, 'GET', '/api/v1/bastion/sessions/a%00b'), code: 'invalid_params', field: '/id' },
      { name: 'a key of the body', send: () => json(rssi, 'POST', '/api/v1/waivers', { [NUL]: 1 }), code: 'invalid_body', field: '/a\u0000b' },
      { name: 'login user name', send: () => app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: '192.0.2.200', payload: { username: NUL, password: 'whatever it is' } }), code: 'invalid_body', field: '/username' },
    ];
    for (const c of apiCases) {
      const response = await c.send();
      t.equal(response.statusCode, 400, `${c.name}: 400 (got ${response.statusCode} ${response.body.slice(0, 200)})`);
      const error = (response.json() as { error: { code: string; message: string; details?: { field: string; reason: string }[] } }).error;
      t.equal(error.code, c.code, `${c.name}: ${c.code}`);
      t.match(error.details?.[0], { field: c.field, reason: /NUL character or an unpaired UTF-16 surrogate/ }, `${c.name}: names ${c.field}`);
    }

    // Dashboard forms answer with their error page (400), saying which field and why.
    const formCases: { name: string; url: string; who: TestSession; fields: Record<string, string>; field: string }[] = [
      { name: 'waiver form', url: '/waivers', who: rssi, fields: { rule: 'NET-01', scope: 'ch-demo', justification: `long enough ${NUL}`, expires: '2099-01-01' }, field: '/justification' },
      { name: 'learning form', url: '/destinations/learning', who: rssi, fields: { site: NUL, role: 'server', until: '2099-01-01' }, field: '/site' },
      { name: 'access request form', url: '/access/requests', who: tech, fields: { target: NUL, reason: 'maintenance', ticket: 'T-1' }, field: '/target' },
      { name: 'user creation form', url: '/users', who: admin, fields: { username: NUL, role: 'auditor' }, field: '/username' },
    ];
    for (const c of formCases) {
      const response = await form(c.who, c.url, c.fields);
      t.equal(response.statusCode, 400, `${c.name}: 400 (got ${response.statusCode})`);
      t.match(String(response.headers['content-type']), /^text\/html/, `${c.name}: an error page`);
      t.match(response.body, `${c.field}: contains a NUL character`, `${c.name}: the page names ${c.field}`);
    }

    t.same(await dumpDatabase(db, ['sessions']), before, 'no table changed');
  });
}
