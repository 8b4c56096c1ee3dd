// HTTPS: the local CA made by `vigie server init`, the pinned fingerprint, and a server that really
// serves TLS (node https with the CA as the only trust anchor), on SQLite and PostgreSQL.
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { runCli } from '../../server/cli/run.js';
import { assertListenAllowed, resolveConfig } from '../../server/config.js';
import { createEnrollmentToken } from '../../server/auth/tokens.js';
import { startServer } from '../../server/start.js';
import {
  certificateFingerprint,
  fingerprintToBase64Url,
  generateLocalPki,
  initLocalPki,
  loadTlsMaterial,
  subjectAltNames,
  tlsPaths,
} from '../../server/tls.js';
import { DB_KINDS, openTestDatabase, reportOf, TEST_OS } from './fixture.js';

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-tls-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface HttpsAnswer {
  status: number;
  body: string;
  peerFingerprint: string;
  headers: Record<string, string | string[] | undefined>;
}

/** One HTTPS request trusting only `ca`. */
function fetchHttps(url: string, ca: Buffer | string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const payload = init.body === undefined ? undefined : JSON.stringify(init.body);
    const req = httpsRequest(
      url,
      {
        method: init.method ?? 'GET',
        ca,
        agent: false, // a fresh connection per request: each one proves its own handshake
        headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
        timeout: 10_000,
      },
      (res) => {
        const peer = (res.socket as import('node:tls').TLSSocket).getPeerCertificate(false);
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            peerFingerprint: peer?.raw === undefined ? '' : createHash('sha256').update(peer.raw).digest('hex'),
            headers: res.headers,
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}

t.test('fingerprint format: SHA-256 of the DER, lowercase hex without colons; base64url variant', async (t) => {
  const pki = await generateLocalPki({ hostnames: ['vigie.ch-demo.local'] });
  const fp = certificateFingerprint(pki.serverCertPem);
  t.match(fp, /^[0-9a-f]{64}$/);
  t.equal(fp, new X509Certificate(pki.serverCertPem).fingerprint256.replaceAll(':', '').toLowerCase());
  t.equal(fingerprintToBase64Url(fp), Buffer.from(fp, 'hex').toString('base64url'));
  t.equal(fingerprintToBase64Url(fp).length, 43);
  t.throws(() => certificateFingerprint('not a certificate'), { name: 'TlsError' });
  t.throws(() => fingerprintToBase64Url('AB:CD'), { name: 'TlsError' });
});

t.test('the server certificate is signed by the local CA and names the hosts plus loopback', async (t) => {
  const now = new Date('2025-06-02T08:00:00.000Z');
  const pki = await generateLocalPki({ hostnames: ['vigie.ch-demo.local', '10.1.2.3', 'fe80::1'], now });
  const ca = new X509Certificate(pki.caCertPem);
  const server = new X509Certificate(pki.serverCertPem);
  t.ok(ca.ca, 'the CA is a CA');
  t.notOk(server.ca, 'the server certificate is not a CA');
  t.ok(server.checkIssued(ca), 'issued by the CA');
  t.ok(server.verify(ca.publicKey), 'signature verifies with the CA key');
  t.notOk(server.verify(server.publicKey), 'not self-signed');
  const san = server.subjectAltName ?? '';
  for (const name of ['DNS:vigie.ch-demo.local', 'DNS:localhost', 'IP Address:127.0.0.1', 'IP Address:10.1.2.3']) {
    t.ok(san.includes(name), `SAN has ${name}`);
  }
  t.ok(/IP Address:(0:0:0:0:0:0:0:1|::1)/i.test(san), 'SAN has ::1');
  t.ok(server.checkHost('vigie.ch-demo.local'), 'checkHost');
  t.ok(server.checkIP('127.0.0.1'), 'checkIP');
  t.equal(server.keyUsage?.includes('1.3.6.1.5.5.7.3.1'), true, 'serverAuth extended key usage');
  t.ok(new Date(server.validFrom) <= now && new Date(server.validTo) > new Date(now.getTime() + 800 * 86_400_000));
  t.ok(server.checkPrivateKey(await import('node:crypto').then((c) => c.createPrivateKey(pki.serverKeyPem))));
});

t.test('host names are checked', async (t) => {
  t.same(subjectAltNames([]).ip.sort(), ['127.0.0.1', '::1']);
  t.same(subjectAltNames(['[::1]', 'Vigie.Local']).dns.sort(), ['localhost', 'vigie.local']);
  for (const bad of ['bad name', 'a_b.local', '-x.local', 'x'.repeat(300), 'évian.local', '']) {
    t.throws(() => subjectAltNames([bad]), { name: 'TlsError' }, JSON.stringify(bad));
  }
  t.throws(() => subjectAltNames(Array.from({ length: 40 }, (_, i) => `h${i}.local`)), { name: 'TlsError' });
});

t.test('initLocalPki writes 0600 keys and never silently replaces pinned material', async (t) => {
  const dataDir = tempDir(t);
  const first = await initLocalPki(dataDir, { hostnames: ['vigie.local'] });
  const paths = tlsPaths(dataDir);
  t.equal(statSync(paths.caKey).mode & 0o777, 0o600);
  t.equal(statSync(paths.serverKey).mode & 0o777, 0o600);
  t.equal(statSync(paths.dir).mode & 0o077, 0, 'tls dir closed to group and others');
  t.equal(first.serverFingerprint, certificateFingerprint(readFileSync(paths.serverCert)));
  t.equal(first.caFingerprint, certificateFingerprint(readFileSync(paths.caCert)));
  await t.rejects(initLocalPki(dataDir, { hostnames: ['vigie.local'] }), { name: 'TlsError', message: /--force/ });
  t.equal(certificateFingerprint(readFileSync(paths.serverCert)), first.serverFingerprint, 'unchanged after refusal');
  const second = await initLocalPki(dataDir, { hostnames: ['vigie.local'], force: true });
  t.not(second.serverFingerprint, first.serverFingerprint);
  t.equal(statSync(paths.serverKey).mode & 0o777, 0o600);
});

t.test('vigie server init prints the fingerprint (text and --json) and refuses bad input', async (t) => {
  const dataDir = tempDir(t);
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: (s: string) => void out.push(s), stderr: (s: string) => void err.push(s), env: {} };
  t.equal(await runCli(['server', 'init', '--data-dir', dataDir, '--hostname', 'vigie.local', '--hostname', '10.0.0.9'], io), 0);
  const fp = certificateFingerprint(readFileSync(tlsPaths(dataDir).serverCert));
  t.ok(out.join('\n').includes(fp), 'text output shows the fingerprint');
  t.equal(await runCli(['server', 'init', '--data-dir', dataDir], io), 1, 'existing material is kept');
  t.match(err.join('\n'), /--force/);
  out.length = 0;
  t.equal(await runCli(['server', 'init', '--data-dir', dataDir, '--force', '--json', '--hostname', 'vigie.local'], io), 0);
  const json = JSON.parse(out.join('')) as Record<string, unknown>;
  t.equal(json.fingerprint_sha256, certificateFingerprint(readFileSync(tlsPaths(dataDir).serverCert)));
  t.equal(json.fingerprint_sha256_base64url, fingerprintToBase64Url(json.fingerprint_sha256 as string));
  t.ok((json.ip as string[]).includes('::1'));
  t.equal(await runCli(['server', 'init', '--data-dir', dataDir, '--force', '--hostname', 'not a name'], io), 1);
  t.equal(await runCli(['server', 'init', '--bogus'], io), 2);
  t.equal(await runCli(['server', 'init', '--help'], io), 0);
});

t.test('configuration: cert and key go together; a certificate lifts the loopback-only rule', async (t) => {
  t.throws(() => resolveConfig({ tlsCertFile: '/x.crt' }, {}), { name: 'ConfigError', message: /both or neither/ });
  t.throws(() => resolveConfig({}, { VIGIE_TLS_KEY_FILE: '/x.key' }), { name: 'ConfigError' });
  const fromEnv = resolveConfig({}, { VIGIE_TLS_CERT_FILE: '/a.crt', VIGIE_TLS_KEY_FILE: '/a.key' });
  t.equal(fromEnv.tlsCertFile, '/a.crt');
  t.equal(fromEnv.tlsKeyFile, '/a.key');
  const wide = resolveConfig({ host: '0.0.0.0' }, {});
  t.throws(() => assertListenAllowed(wide, false), { name: 'ConfigError' });
  t.doesNotThrow(() => assertListenAllowed(wide, true));
});

t.test('loadTlsMaterial: none, data dir, configured files, mismatched key', async (t) => {
  const dataDir = tempDir(t);
  t.equal(loadTlsMaterial({ dataDir, tlsCertFile: null, tlsKeyFile: null }), null, 'no certificate: plain HTTP');
  const a = await generateLocalPki({ hostnames: ['a.local'] });
  const b = await generateLocalPki({ hostnames: ['b.local'] });
  writeFileSync(join(dataDir, 'a.crt'), a.serverCertPem);
  writeFileSync(join(dataDir, 'a.key'), a.serverKeyPem, { mode: 0o600 });
  writeFileSync(join(dataDir, 'b.key'), b.serverKeyPem, { mode: 0o600 });
  const configured = loadTlsMaterial({ dataDir, tlsCertFile: join(dataDir, 'a.crt'), tlsKeyFile: join(dataDir, 'a.key') });
  t.equal(configured?.fingerprint, certificateFingerprint(a.serverCertPem));
  t.throws(() => loadTlsMaterial({ dataDir, tlsCertFile: join(dataDir, 'a.crt'), tlsKeyFile: join(dataDir, 'b.key') }), {
    name: 'TlsError',
    message: /does not belong/,
  });
  t.throws(() => loadTlsMaterial({ dataDir, tlsCertFile: join(dataDir, 'missing.crt'), tlsKeyFile: join(dataDir, 'a.key') }), {
    name: 'TlsError',
  });
  await initLocalPki(dataDir, { hostnames: ['c.local'] });
  t.equal(loadTlsMaterial({ dataDir, tlsCertFile: null, tlsKeyFile: null })?.certFile, tlsPaths(dataDir).serverCert);
});

for (const kind of DB_KINDS) {
  t.test(`${kind}: startServer serves HTTPS after init; a client trusting the CA enrolls and reports`, async (t) => {
    const { dataDir, databaseUrl } = await openTestDatabase(t, kind);
    const pki = await initLocalPki(dataDir, { hostnames: ['vigie.local'] });
    const server = await startServer({ dataDir, databaseUrl, host: '127.0.0.1', port: 0, logLevel: 'silent' }, { env: {} });
    t.teardown(() => server.close());
    t.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    t.equal(server.tlsFingerprint, pki.serverFingerprint);
    const ca = readFileSync(pki.paths.caCert);

    const health = await fetchHttps(`${server.url}/healthz`, ca);
    t.equal(health.status, 200);
    t.equal(health.peerFingerprint, pki.serverFingerprint, 'the served certificate is the pinned one');
    t.match(String(health.headers['strict-transport-security'] ?? ''), /max-age=\d+/, 'HSTS over HTTPS');

    await t.rejects(fetchHttps(`${server.url}/healthz`, readFileSync(join(import.meta.dirname, 'tls.test.ts'))), 'an untrusted chain is refused');
    const other = await generateLocalPki({ hostnames: ['x.local'] });
    await t.rejects(fetchHttps(`${server.url}/healthz`, other.caCertPem), { code: /UNABLE_TO_VERIFY|SELF_SIGNED|CERT/ });

    const { token } = await createEnrollmentToken(server.db, { site: 'ch-demo', role: 'server' });
    const enrolled = await fetchHttps(`${server.url}/api/v1/enroll`, ca, {
      method: 'POST',
      body: { token, hostname: 'srv-01', os: TEST_OS, agent_version: '0.1.0' },
    });
    t.equal(enrolled.status, 201, enrolled.body);
    const host = JSON.parse(enrolled.body) as { host_id: string; credential: string; site: string; role: 'server' };
    const posted = await fetchHttps(`${server.url}/api/v1/reports`, ca, {
      method: 'POST',
      body: reportOf(host),
      headers: { authorization: `Bearer ${host.credential}` },
    });
    t.equal(posted.status, 201, posted.body);
  });
}

t.test('configured certificate files are served; plain HTTP stays the default without any', async (t) => {
  const dataDir = tempDir(t);
  const pki = await generateLocalPki({ hostnames: ['vigie.local'] });
  writeFileSync(join(dataDir, 'site.crt'), pki.serverCertPem);
  writeFileSync(join(dataDir, 'site.key'), pki.serverKeyPem, { mode: 0o600 });
  const server = await startServer(
    { dataDir, port: 0, logLevel: 'silent', tlsCertFile: join(dataDir, 'site.crt'), tlsKeyFile: join(dataDir, 'site.key') },
    { env: {} },
  );
  t.teardown(() => server.close());
  t.match(server.url, /^https:/);
  t.equal((await fetchHttps(`${server.url}/healthz`, pki.caCertPem)).status, 200);

  const plainDir = tempDir(t);
  const plain = await startServer({ dataDir: plainDir, port: 0, logLevel: 'silent' }, { env: {} });
  t.teardown(() => plain.close());
  t.match(plain.url, /^http:\/\/127\.0\.0\.1:/);
  t.equal(plain.tlsFingerprint, null);
  await t.rejects(startServer({ dataDir: plainDir, host: '0.0.0.0', port: 0, logLevel: 'silent' }, { env: {} }), { name: 'ConfigError' });
});
