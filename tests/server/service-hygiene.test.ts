// Security headers: helmet's header set, computed once, is sent on every response (API, errors,
// unknown routes); HSTS only over HTTPS.
import t from 'tap';
import { securityHeaders } from '../../server/service-hygiene.js';
import { testApp } from './fixture.js';

t.test('the header set follows the options', async (t) => {
  const plain = securityHeaders({ hsts: false });
  t.equal(plain['strict-transport-security'], undefined);
  t.equal(plain['x-content-type-options'], 'nosniff');
  const tls = securityHeaders({ hsts: { maxAge: 31_536_000, includeSubDomains: true } });
  t.equal(tls['strict-transport-security'], 'max-age=31536000; includeSubDomains');
  t.equal(securityHeaders({ contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"] } } })['content-security-policy'], "default-src 'none'");
});

t.test('every response carries the headers, errors and unknown routes included', async (t) => {
  const { app } = await testApp(t, 'sqlite');
  for (const url of ['/healthz', '/api/v1/hosts', '/no/such/route']) {
    const response = await app.inject({ method: 'GET', url });
    t.equal(response.headers['x-content-type-options'], 'nosniff', url);
    t.match(String(response.headers['content-security-policy']), /default-src 'none'/, url);
    t.equal(response.headers['referrer-policy'], 'no-referrer', url);
    t.equal(response.headers['strict-transport-security'], undefined, `${url}: no HSTS over plain HTTP`);
  }
});
