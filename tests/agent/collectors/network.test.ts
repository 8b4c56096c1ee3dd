import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Value } from 'typebox/value';
import { NetworkEvidence } from '../../../policies/evidence.js';
import { collectNetwork, proxyFromEnv } from '../../../agent/collectors/network.js';

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-net-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('live: a process listening on 0.0.0.0:5900 shows up with its process name and pid', async (t) => {
  // A child that binds TCP 0.0.0.0:5900 and UDP 0.0.0.0:<ephemeral>, then reports the UDP port.
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const net = require('node:net'); const dgram = require('node:dgram');
       const server = net.createServer().listen(5900, '0.0.0.0', () => {
         const udp = dgram.createSocket('udp4'); udp.bind(0, '0.0.0.0', () => process.stdout.write(String(udp.address().port) + '\\n'));
       });
       setTimeout(() => process.exit(0), 30000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.teardown(() => void child.kill('SIGKILL'));
  const udpPort = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`listener child exited early (${code})`)));
  });

  const evidence = await collectNetwork();
  t.ok(Value.Check(NetworkEvidence, evidence), 'matches the report contract');
  if (!Array.isArray(evidence.listeners)) throw new Error(`listeners unavailable: ${JSON.stringify(evidence.listeners)}`);
  const vnc = evidence.listeners.find((l) => l.port === 5900 && l.protocol === 'tcp');
  t.same(vnc, { protocol: 'tcp', address: '0.0.0.0', port: 5900, process: 'node', pid: child.pid });
  const udp = evidence.listeners.find((l) => l.port === udpPort && l.protocol === 'udp');
  t.same(udp, { protocol: 'udp', address: '0.0.0.0', port: udpPort, process: 'node', pid: child.pid });

  // Loopback connections are not outbound flows; one snapshot is one sample, and says so.
  if ('unavailable' in evidence.outbound) throw new Error(evidence.outbound.unavailable);
  t.equal(evidence.outbound.samples, 1);
  t.equal(evidence.outbound.window_start, evidence.outbound.window_end);
  t.match(evidence.outbound.method, /single snapshot of the socket table/);
  t.notOk(evidence.outbound.flows.some((f) => f.remote_address.startsWith('127.') || f.remote_address === '::1'));
  t.same(evidence.egress_probes, { unavailable: 'no probe targets received from the server yet' });
});

// A fake procfs: tables as the kernel prints them plus a process owning two sockets.
function fakeProc(t: { teardown(fn: () => void): void }): string {
  const root = tempDir(t);
  mkdirSync(join(root, 'net'));
  const head4 = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
  writeFileSync(
    join(root, 'net/tcp'),
    head4 +
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0 100 0 0 10 0\n' +
      // 10.1.2.3:51000 -> 192.0.2.10:443 ESTABLISHED, owned by pid 4242
      '   1: 0302010A:C738 0A0200C0:01BB 01 00000000:00000000 00:00000000 00000000  1000        0 1002 1 0 20 4 30 10 -1\n' +
      // a loopback connection: not a flow
      '   2: 0100007F:C739 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 1003 1 0 20 4 30 10 -1\n' +
      // TIME_WAIT: not a live flow
      '   3: 0302010A:C73A 0A0200C0:0050 06 00000000:00000000 00:00000000 00000000     0        0 0 3 0\n',
  );
  const head6 = '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
  writeFileSync(
    join(root, 'net/tcp6'),
    head6 +
      // [::]:22 LISTEN, no owner visible
      '   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2001 1 0 100 0 0 10 0\n' +
      // ::ffff:10.1.2.3 -> ::ffff:198.51.100.7:8443 ESTABLISHED (IPv4-mapped), owned by pid 4242
      '   1: 0000000000000000FFFF00000302010A:D000 0000000000000000FFFF0000076433C6:20FB 01 00000000:00000000 00:00000000 00000000     0        0 2002 1 0 20 4 30 10 -1\n' +
      // 2001:db8::1 -> 2001:db8:0:0:0:0:0:2:443
      '   2: B80D0120000000000000000001000000:D001 B80D0120000000000000000002000000:01BB 01 00000000:00000000 00:00000000 00000000     0        0 2003 1 0 20 4 30 10 -1\n',
  );
  writeFileSync(
    join(root, 'net/udp'),
    '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n' +
      '  100: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 3001 2 0 0\n' +
      // an unbound UDP socket (port 0) is not a listener
      '  101: 00000000:0000 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 3002 2 0 0\n',
  );
  mkdirSync(join(root, '4242/fd'), { recursive: true });
  writeFileSync(join(root, '4242/comm'), 'curl\n');
  symlinkSync('socket:[1002]', join(root, '4242/fd/3'));
  symlinkSync('socket:[2002]', join(root, '4242/fd/4'));
  symlinkSync('/dev/null', join(root, '4242/fd/0'));
  mkdirSync(join(root, '77/fd'), { recursive: true });
  writeFileSync(join(root, '77/comm'), 'dhclient\n');
  symlinkSync('socket:[3001]', join(root, '77/fd/5'));
  return root;
}

t.test('fake procfs: listeners and flows with owners, IPv6 and IPv4-mapped addresses', async (t) => {
  const procRoot = fakeProc(t);
  const at = new Date('2026-11-22T10:00:00.000Z');
  const evidence = await collectNetwork({ procRoot, platform: 'linux', now: () => at, env: {} });
  t.ok(Value.Check(NetworkEvidence, evidence));
  t.same(evidence.listeners, [
    { protocol: 'tcp', address: '::', port: 22, process: null, pid: null },
    { protocol: 'tcp', address: '127.0.0.1', port: 8080, process: null, pid: null },
    { protocol: 'udp', address: '0.0.0.0', port: 68, process: 'dhclient', pid: 77 },
  ]);
  const iso = at.toISOString();
  t.same(evidence.outbound, {
    method: 'single snapshot of the socket table (/proc/net) at collection time',
    window_start: iso,
    window_end: iso,
    samples: 1,
    flows: [
      { protocol: 'tcp', remote_address: '192.0.2.10', remote_port: 443, remote_fqdn: null, process: 'curl', pid: 4242, first_seen: iso, last_seen: iso },
      { protocol: 'tcp', remote_address: '198.51.100.7', remote_port: 8443, remote_fqdn: null, process: 'curl', pid: 4242, first_seen: iso, last_seen: iso },
      { protocol: 'tcp', remote_address: '2001:db8::2', remote_port: 443, remote_fqdn: null, process: null, pid: null, first_seen: iso, last_seen: iso },
    ],
  });
});

t.test('an unreadable socket table gives unavailable, not an empty list', async (t) => {
  const evidence = await collectNetwork({ procRoot: tempDir(t), platform: 'linux', env: {} });
  t.match(evidence.listeners, { unavailable: /socket table unreadable: cannot read .*net\/tcp/ });
  t.match(evidence.outbound, { unavailable: /socket table unreadable/ });
});

t.test('a corrupted socket table gives unavailable', async (t) => {
  const root = tempDir(t);
  mkdirSync(join(root, 'net'));
  writeFileSync(join(root, 'net/tcp'), 'hello\n');
  writeFileSync(join(root, 'net/udp'), 'hello\n');
  const evidence = await collectNetwork({ procRoot: root, platform: 'linux', env: {} });
  t.match(evidence.listeners, { unavailable: /not a \/proc\/net socket table/ });
});

t.test('other platforms say they are not supported yet; Windows without PowerShell says so', async (t) => {
  const evidence = await collectNetwork({ platform: 'win32', env: {} });
  t.match(evidence.listeners, { unavailable: /Windows socket table unreadable: powershell: not installed/ });
  t.match(evidence.proxy_dns, { unavailable: /this host: win32/ });
  const mac = await collectNetwork({ platform: 'darwin', env: {} });
  t.match(mac.listeners, { unavailable: /Linux only \(this host: darwin\)/ });
});

t.test('proxy variables: lower case first, credentials stripped, no_proxy kept', async (t) => {
  t.same(
    proxyFromEnv({
      http_proxy: 'http://alice:s3cret@proxy.chu.local:3128/',
      HTTP_PROXY: 'http://ignored:3128',
      HTTPS_PROXY: 'bob:pw@proxy.chu.local:3129',
      NO_PROXY: 'localhost,.chu.local',
    }),
    { http: 'http://proxy.chu.local:3128/', https: 'proxy.chu.local:3129', no_proxy: 'localhost,.chu.local' },
  );
  t.same(proxyFromEnv({}), { http: null, https: null, no_proxy: null });
});

t.test('fake /etc: resolvers and systemd-resolved DNS-over-TLS with drop-ins', async (t) => {
  const procRoot = fakeProc(t);
  const fsRoot = tempDir(t);
  mkdirSync(join(fsRoot, 'etc/systemd/resolved.conf.d'), { recursive: true });
  writeFileSync(join(fsRoot, 'etc/resolv.conf'), '# generated\nsearch chu.local\nnameserver 10.0.0.53\nnameserver fd00::53 # v6\n;nameserver 9.9.9.9\n');
  writeFileSync(join(fsRoot, 'etc/systemd/resolved.conf'), '[Resolve]\n#DNSOverTLS=no\nDNS=10.0.0.53\n');
  let evidence = await collectNetwork({ procRoot, fsRoot, platform: 'linux', env: { https_proxy: 'http://p:1' } });
  t.same(evidence.proxy_dns, { env_proxy: { http: null, https: 'http://p:1', no_proxy: null }, resolvers: ['10.0.0.53', 'fd00::53'], dns_over_tls: false });

  writeFileSync(join(fsRoot, 'etc/systemd/resolved.conf.d/50-dot.conf'), '[Resolve]\nDNSOverTLS=yes\n');
  evidence = await collectNetwork({ procRoot, fsRoot, platform: 'linux', env: {} });
  t.match(evidence.proxy_dns, { dns_over_tls: true });

  writeFileSync(join(fsRoot, 'etc/systemd/resolved.conf.d/60-opportunistic.conf'), '[Resolve]\nDNSOverTLS=opportunistic\n');
  evidence = await collectNetwork({ procRoot, fsRoot, platform: 'linux', env: {} });
  t.match(evidence.proxy_dns, { dns_over_tls: false }, 'opportunistic falls back to cleartext: not DoT');

  rmSync(join(fsRoot, 'etc/systemd'), { recursive: true });
  evidence = await collectNetwork({ procRoot, fsRoot, platform: 'linux', env: {} });
  t.match(evidence.proxy_dns, { dns_over_tls: null }, 'no resolved config: unknown');

  rmSync(join(fsRoot, 'etc/resolv.conf'));
  evidence = await collectNetwork({ procRoot, fsRoot, platform: 'linux', env: {} });
  t.match(evidence.proxy_dns, { unavailable: /cannot read \/etc\/resolv.conf/ });
});
