import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import t from 'tap';
import { Value } from 'typebox/value';
import { EgressProbe, NetworkEvidence } from '../../../policies/evidence.js';
import { parseProbeTarget, runEgressProbes } from '../../../agent/collectors/egress-probes.js';
import { collectNetwork } from '../../../agent/collectors/network.js';

const dir = mkdtempSync(join(tmpdir(), 'vigie-probe-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

// A self-signed certificate for "localhost", made here so nothing is fetched.
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
const key = readFileSync(join(dir, 'key.pem'), 'utf8');

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => void server.close());
  return (server.address() as AddressInfo).port;
}

const sockets: Array<{ destroy(): void }> = [];
t.teardown(() => sockets.forEach((s) => s.destroy()));

t.test('outcomes against local servers: reachable, refused, TLS failure, timeout, DNS failure', async (t) => {
  const tcpPort = await listen(createServer((s) => s.end()));
  const tlsPort = await listen(createTlsServer({ cert, key }, (s) => s.end()));
  // Accepts TCP but never answers a TLS ClientHello: a handshake that times out.
  const silentPort = await listen(createServer((s) => void sockets.push(s)));
  // A closed port: bind, note the port, close.
  const closed = createServer();
  const closedPort = await new Promise<number>((resolve) => closed.listen(0, '127.0.0.1', () => resolve((closed.address() as AddressInfo).port)));
  await new Promise((resolve) => closed.close(resolve));

  const results = await runEgressProbes(
    [
      { target: `tcp://127.0.0.1:${tcpPort}`, expectation: 'reachable' },
      { target: `tcp://127.0.0.1:${closedPort}`, expectation: 'blocked' },
      { target: `tls://localhost:${tlsPort}`, expectation: 'reachable' },
      { target: `https://localhost:${tlsPort}/health`, expectation: 'reachable' },
      { target: `tls://localhost:${silentPort}`, expectation: 'blocked' },
      { target: 'tcp://updates.vendor.example:443', expectation: 'blocked' },
      { target: 'ftp://x', expectation: 'blocked' },
    ],
    {
      // Long enough for a loaded CI machine; only the silent server waits for it.
      timeoutMs: 2000,
      concurrency: 3,
      // Names other than localhost fail as an unknown name would, without leaving the host.
      resolve: async (host) => {
        if (host === 'localhost') return { address: '127.0.0.1' };
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      },
    },
  );
  for (const r of results) t.ok(Value.Check(EgressProbe, r), r.target);
  t.equal(results.length, 7);
  t.match(results, [
    { outcome: 'reachable', detail: null },
    { outcome: 'refused', detail: 'ECONNREFUSED' },
    { outcome: 'tls_failure', detail: 'DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate' },
    { outcome: 'tls_failure', detail: 'DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate' },
    { outcome: 'timeout', detail: /^TLS handshake took longer than \d+ ms$/ },
    { outcome: 'dns_failure', detail: 'ENOTFOUND' },
    { outcome: 'error', detail: 'invalid probe target' },
  ]);
  t.same(results.map((r) => r.expectation), ['reachable', 'blocked', 'reachable', 'reachable', 'blocked', 'blocked', 'blocked']);

  // With the establishment's CA trusted, the same TLS endpoint is reachable.
  const trusted = await runEgressProbes([{ target: `https://localhost:${tlsPort}/`, expectation: 'reachable' }], { ca: cert, timeoutMs: 2000 });
  t.match(trusted, [{ outcome: 'reachable', detail: /^TLS TLSv1\.[23]$/ }]);
});

t.test('a resolver that hangs is cut at the timeout', async (t) => {
  const results = await runEgressProbes([{ target: 'tcp://slow.example:80', expectation: 'blocked' }], { timeoutMs: 200, resolve: () => new Promise(() => {}) });
  t.match(results, [{ outcome: 'timeout', detail: 'DNS lookup took longer than 200 ms' }]);
});

t.test('collectNetwork: probes run only when the server sent targets; [] means none for this role', async (t) => {
  const port = await listen(createServer((s) => s.end()));
  const evidence = await collectNetwork({ probeTargets: [{ target: `tcp://127.0.0.1:${port}`, expectation: 'reachable' }] });
  t.ok(Value.Check(NetworkEvidence, evidence));
  t.match(evidence.egress_probes, [{ outcome: 'reachable' }]);
  t.same((await collectNetwork({ probeTargets: [] })).egress_probes, []);
  const tooMany = Array.from({ length: 201 }, () => ({ target: 'tcp://127.0.0.1:1', expectation: 'blocked' as const }));
  t.match((await collectNetwork({ probeTargets: tooMany })).egress_probes, { unavailable: /at most 200 probe targets/ });
});

t.test('parseProbeTarget', async (t) => {
  t.same(parseProbeTarget('tcp://10.0.0.1:445'), { kind: 'tcp', host: '10.0.0.1', port: 445 });
  t.same(parseProbeTarget('https://pki.chu.local/crl'), { kind: 'tls', host: 'pki.chu.local', port: 443 });
  t.same(parseProbeTarget('tls://[2001:db8::1]:8443'), { kind: 'tls', host: '2001:db8::1', port: 8443 });
  t.equal(parseProbeTarget('tcp://host'), null, 'tcp needs a port');
  t.equal(parseProbeTarget('tcp://host:70000'), null);
  t.equal(parseProbeTarget('tcp://host:80/path'), null);
  t.equal(parseProbeTarget('tcp://user@host:80'), null);
});
