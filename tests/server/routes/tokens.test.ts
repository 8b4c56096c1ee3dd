// Listing and revoking API tokens and enrollment tokens: admin routes and `vigie apitoken|token
// list|revoke`, journalled; API tokens expire by default.
import t from 'tap';
import { listAuditEntries, verifyAuditLog } from '../../../server/auditlog/auditlog.js';
import type { CliIo } from '../../../server/cli/io.js';
import { runCli } from '../../../server/cli/run.js';
import { createApiToken, createEnrollmentToken } from '../../../server/auth/tokens.js';
import { bearer, DB_KINDS, enrollHost, TEST_NOW, TEST_OS, testApp } from '../fixture.js';
import { fullSession } from '../auth/helpers.js';

function capture(env: NodeJS.ProcessEnv): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (s) => out.push(s), stderr: (s) => err.push(s), env };
}

for (const kind of DB_KINDS) {
  t.test(`token administration (${kind})`, async (t) => {
    t.test('an admin lists API tokens without secrets and revokes one, journalled', async (t) => {
      const { app, db } = await testApp(t, kind);
      const admin = await fullSession(app, db, 'admin1', 'admin', TEST_NOW);
      const siem = await createApiToken(db, { name: 'siem', now: TEST_NOW });
      t.equal(siem.expires_at, new Date(TEST_NOW.getTime() + 90 * 86_400_000).toISOString(), 'API tokens expire after 90 days by default');
      const listed = await app.inject({ method: 'GET', url: '/api/v1/apitokens', cookies: admin.cookies });
      t.equal(listed.statusCode, 200);
      t.match(listed.json().tokens, [{ token_id: siem.token_id, name: 'siem', scope: 'auditor', state: 'active', expires_at: siem.expires_at }]);
      t.notOk(listed.body.includes(siem.token.split('.').pop() ?? siem.token), 'no secret in the listing');
      t.notOk(listed.body.includes('hash'), 'no digest either');

      t.equal((await app.inject({ method: 'GET', url: '/api/v1/hosts', headers: bearer(siem.token) })).statusCode, 200);
      const revoke = (id: string) => app.inject({ method: 'POST', url: `/api/v1/apitokens/${id}/revoke`, cookies: admin.cookies, headers: admin.headers });
      t.same((await revoke(siem.token_id)).json(), { token_id: siem.token_id, revoked: true });
      t.equal((await app.inject({ method: 'GET', url: '/api/v1/hosts', headers: bearer(siem.token) })).statusCode, 401, 'a revoked token is refused at once');
      t.equal((await revoke(siem.token_id)).json().error.code, 'token_already_revoked');
      t.equal((await revoke('no-such-token')).statusCode, 404);
      t.equal((await app.inject({ method: 'GET', url: '/api/v1/apitokens', cookies: admin.cookies })).json().tokens.length, 0, 'only usable tokens by default');
      t.match((await app.inject({ method: 'GET', url: '/api/v1/apitokens?all=true', cookies: admin.cookies })).json().tokens, [{ state: 'revoked' }]);
      const [entry] = await listAuditEntries(db, { limit: 1, action: 'token.revoked' });
      t.match(entry, { actor: { type: 'user', id: 'admin1' }, target: `api_token:${siem.token_id}`, details: { name: 'siem' } });
      t.equal((await listAuditEntries(db, { limit: 10, action: 'token.revoked' })).length, 1, 'a refused revocation is not journalled');
    });

    t.test('an admin revokes an unused enrollment token; a used one is refused', async (t) => {
      const { app, db } = await testApp(t, kind);
      const admin = await fullSession(app, db, 'admin1', 'admin', TEST_NOW);
      const host = await enrollHost(app, db);
      const spare = await createEnrollmentToken(db, { site: 'ch-demo', role: 'server', now: TEST_NOW });
      const listed = (await app.inject({ method: 'GET', url: '/api/v1/enrollment-tokens?all=true', cookies: admin.cookies })).json().tokens;
      t.equal(listed.length, 2);
      t.match(listed.find((x: { state: string }) => x.state === 'used'), { used_by_host: host.host_id });
      t.notOk(JSON.stringify(listed).includes(spare.token.split('.').pop() ?? spare.token), 'no secret in the listing');
      const revoke = (id: string) => app.inject({ method: 'POST', url: `/api/v1/enrollment-tokens/${id}/revoke`, cookies: admin.cookies, headers: admin.headers });
      t.equal((await revoke(spare.token_id)).statusCode, 200);
      const used = listed.find((x: { state: string }) => x.state === 'used').token_id as string;
      t.equal((await revoke(used)).json().error.code, 'token_already_used');
      const enroll = await app.inject({ method: 'POST', url: '/api/v1/enroll', payload: { token: spare.token, hostname: 'late.ch-demo.local', os: TEST_OS, agent_version: '0.1.0' } });
      t.equal(enroll.statusCode, 401);
      t.equal(enroll.json().error.code, 'token_revoked');
      t.match(await listAuditEntries(db, { limit: 1, action: 'enrollment_token.revoked' }), [{ target: `enrollment_token:${spare.token_id}`, actor: { id: 'admin1' } }]);
      t.match(await verifyAuditLog(db), { ok: true });
    });

    t.test('vigie apitoken list|revoke and vigie token list|revoke', async (t) => {
      const { db, dataDir, databaseUrl } = await testApp(t, kind);
      const env = { USER: 'operator', ...(databaseUrl === null ? {} : { DATABASE_URL: databaseUrl }) };
      const api = await createApiToken(db, { name: 'prometheus', now: new Date() });
      const enrollment = await createEnrollmentToken(db, { site: 'ch-demo', role: 'server' });
      const run = async (...args: string[]) => {
        const io = capture(env);
        const code = await runCli([...args, '--data-dir', dataDir], io);
        return { code, out: io.out.join('\n'), err: io.err.join('\n') };
      };
      const list = await run('apitoken', 'list');
      t.equal(list.code, 0);
      t.match(list.out, new RegExp(`${api.token_id}\\t"prometheus"\\tauditor\\tactive`));
      t.notOk(list.out.includes(api.token), 'the token itself is never printed');
      t.same(JSON.parse((await run('apitoken', 'list', '--json')).out).tokens.map((x: { token_id: string }) => x.token_id), [api.token_id]);
      t.equal((await run('apitoken', 'revoke', '--id', api.token_id)).code, 0);
      const again = await run('apitoken', 'revoke', '--id', api.token_id);
      t.equal(again.code, 1);
      t.match(again.err, /already revoked/);
      t.equal((await run('apitoken', 'revoke', '--id', 'bad id!')).code, 2, 'a malformed id is a usage error');

      t.match((await run('token', 'list')).out, new RegExp(`${enrollment.token_id}\\tch-demo\\tserver\\tactive`));
      t.equal((await run('token', 'revoke', '--id', enrollment.token_id, '--json')).out, JSON.stringify({ token_id: enrollment.token_id, outcome: 'revoked' }));
      t.match((await run('token', 'list')).out, /No usable enrollment tokens/);
      const entries = await listAuditEntries(db, { limit: 10 });
      t.match(entries.find((e) => e.action === 'token.revoked'), { actor: { type: 'cli', id: 'operator' } });
      t.match(entries.find((e) => e.action === 'enrollment_token.revoked'), { actor: { type: 'cli', id: 'operator' } });
    });
  });
}
