// A telemaintenance gateway set up for real, isolated from this machine, for the live per-role
// check (issue 19's "done when"): a network namespace of its own with an nftables ruleset, an
// OpenVPN server for the vendor (certificates made here, tun0 up), rsyslog forwarding over TCP to
// a collector (a second rsyslogd) with impstats, and chronyd synchronised on a local NTP server
// (a second chronyd); the agent runs inside that namespace and a private mount namespace where
// /etc/passwd, /etc/shadow, /etc/group (plus a locked vendor account in `vendors`), /etc/openvpn,
// /etc/wireguard and /etc/rsyslog.d are the temporary ones. Nothing of this machine's firewall,
// accounts or configuration is touched; close() stops every daemon by its pid and deletes the
// namespace and the folder. Needs root, iproute2, nftables, openvpn, rsyslog, chrony, openssl.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { childEnv } from './child-env.js';

export interface GatewayHost {
  dir: string;
  /** The agent's config file (vendor groups, chrony socket, rsyslog stats file, admin networks). */
  configFile: string;
  /** The vendor tunnel's OpenVPN configuration, as the agent reads it at /etc/openvpn/server/. */
  openVpnConfig: string;
  /** Writes a site pack (extends the gateway pack) declaring the collector's retention; returns its path. */
  sitePack(collectorRetentionDays: number): string;
  /** Runs `vigie-agent ARGS` inside the gateway's namespaces. */
  agent(agentPath: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Stops everything and removes the namespace and the folder; a second call does nothing. */
  close(): Promise<void>;
}

const VENDOR = 'vendor-ge';
export const VENDOR_TUNNEL_GOOD = `# Vendor tunnel (GE Healthcare maintenance): TLS >= 1.2, client certificates required.
port 1194
proto udp
dev tun0
topology subnet
server 10.8.0.0 255.255.255.0
ca ca.crt
cert gateway.crt
key gateway.key
dh none
tls-version-min 1.2
data-ciphers AES-256-GCM
remote-cert-tls client
verb 1
`;

function run(cmd: string, args: readonly string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout || '').slice(0, 400)}`);
  return r.stdout;
}

/** Polls `ready` every 200 ms, at most `timeoutMs`; throws with `what` if it never holds. */
async function until(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`gateway set-up: ${what} not ready within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function gatewayHost(): Promise<GatewayHost> {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-gateway-'));
  const ns = `vigie-tmg-${process.pid}-${randomBytes(3).toString('hex')}`;
  const daemons: ChildProcess[] = [];
  let nsCreated = false;
  const daemon = (args: string[], log: string) => {
    const child = spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => chunks.push(c));
    child.stderr?.on('data', (c: Buffer) => chunks.push(c));
    child.on('close', () => writeFileSync(join(dir, log), Buffer.concat(chunks)));
    daemons.push(child);
    return child;
  };
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await Promise.all(
      daemons.map(
        (d) =>
          new Promise<void>((done) => {
            if (d.exitCode !== null || d.signalCode !== null) return done();
            d.once('close', () => done());
            d.kill('SIGTERM');
            setTimeout(() => d.kill('SIGKILL'), 5000).unref();
          }),
      ),
    );
    if (nsCreated) spawnSync('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    run('ip', ['netns', 'add', ns]);
    nsCreated = true;
    run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    // Ingress: default drop, the vendor's declared address to the tunnel, SSH from the admin network.
    run('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], `table inet vigie_gateway {
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    iif "lo" accept
    ip saddr 203.0.113.10 udp dport 1194 accept
    ip saddr 10.20.90.0/24 tcp dport 22 accept
    log prefix "vigie-gateway drop " drop
  }
}
`);

    // /etc as the agent will see it: this host's accounts plus a locked vendor account.
    const etc = join(dir, 'etc');
    for (const d of ['openvpn/server', 'wireguard', 'rsyslog.d']) mkdirSync(join(etc, d), { recursive: true });
    const expires = Math.floor(Date.now() / 86_400_000) + 30;
    writeFileSync(join(etc, 'passwd'), `${readFileSync('/etc/passwd', 'utf8').trimEnd()}\n${VENDOR}:x:64001:64001:GE Healthcare maintenance:/home/${VENDOR}:/bin/bash\n`);
    writeFileSync(join(etc, 'group'), `${readFileSync('/etc/group', 'utf8').trimEnd()}\nvendors:x:64001:${VENDOR}\n`);
    writeFileSync(join(etc, 'shadow'), `${readFileSync('/etc/shadow', 'utf8').trimEnd()}\n${VENDOR}:!$y$j9T$placeholder$notarealhash:${expires - 60}:0:99999:7::${expires}:\n`, { mode: 0o640 });

    // The vendor tunnel: a CA, the gateway's certificate, an OpenVPN server bringing tun0 up.
    const server = join(etc, 'openvpn/server');
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    run('openssl', ['req', '-x509', ...ec, '-keyout', join(server, 'ca.key'), '-out', join(server, 'ca.crt'), '-days', '2', '-subj', '/CN=Vigie test vendor CA']);
    run('openssl', ['req', ...ec, '-keyout', join(server, 'gateway.key'), '-out', join(server, 'gateway.csr'), '-subj', '/CN=gateway']);
    writeFileSync(join(server, 'ext'), 'extendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n');
    run('openssl', ['x509', '-req', '-in', join(server, 'gateway.csr'), '-CA', join(server, 'ca.crt'), '-CAkey', join(server, 'ca.key'), '-CAcreateserial', '-out', join(server, 'gateway.crt'), '-days', '2', '-extfile', join(server, 'ext')]);
    const openVpnConfig = join(server, `${VENDOR}.conf`);
    writeFileSync(openVpnConfig, VENDOR_TUNNEL_GOOD);
    daemon(['openvpn', '--cd', server, '--config', `${VENDOR}.conf`], 'openvpn.log');

    // rsyslog: a collector, and the gateway's rsyslogd forwarding to it with impstats every second.
    const forward = join(etc, 'rsyslog.d/forward.conf');
    writeFileSync(forward, '*.* action(type="omfwd" target="127.0.0.1" port="6514" protocol="tcp")\n');
    for (const d of ['collector', 'sender']) mkdirSync(join(dir, d));
    writeFileSync(join(dir, 'collector.conf'), `global(workDirectory="${dir}/collector")\nmodule(load="imtcp")\ninput(type="imtcp" address="127.0.0.1" port="6514")\n*.* action(type="omfile" file="${dir}/collected.log")\n`);
    const stats = join(dir, 'impstats.log');
    const socket = join(dir, 'log.sock');
    writeFileSync(
      join(dir, 'sender.conf'),
      `global(workDirectory="${dir}/sender")\nmodule(load="imuxsock" SysSock.Use="off")\ninput(type="imuxsock" Socket="${socket}" CreatePath="on")\n` +
        `module(load="impstats" interval="1" format="json" log.file="${stats}" log.syslog="off")\ninclude(file="${forward}")\n`,
    );
    daemon(['rsyslogd', '-n', '-f', join(dir, 'collector.conf'), '-i', join(dir, 'collector.pid')], 'collector.log');
    daemon(['rsyslogd', '-n', '-f', join(dir, 'sender.conf'), '-i', join(dir, 'sender.pid')], 'sender.log');

    // chrony: a local NTP server and the gateway's chronyd (-x: never touches this machine's clock).
    const chronyRun = join(dir, 'chrony');
    mkdirSync(chronyRun, { mode: 0o700 });
    writeFileSync(join(dir, 'ntp-server.conf'), `local stratum 8\nallow 127.0.0.1\nbindaddress 127.0.0.1\ncmdport 0\nbindcmdaddress ${chronyRun}/server.sock\npidfile ${chronyRun}/server.pid\n`);
    writeFileSync(join(dir, 'chrony.conf'), `server 127.0.0.1 iburst minpoll -4 maxpoll -4\nport 0\ncmdport 0\nbindcmdaddress ${chronyRun}/chronyd.sock\npidfile ${chronyRun}/chronyd.pid\n`);
    daemon(['chronyd', '-d', '-x', '-u', 'root', '-f', join(dir, 'ntp-server.conf')], 'ntp-server.log');
    daemon(['chronyd', '-d', '-x', '-u', 'root', '-f', join(dir, 'chrony.conf')], 'chronyd.log');

    const statsText = () => (existsSync(stats) ? readFileSync(stats, 'utf8') : '');
    await until(() => /"origin": "omfwd"/.test(statsText()), 30_000, 'rsyslog impstats');
    run('ip', ['netns', 'exec', ns, 'logger', '-u', socket, '-t', 'vigie-test', 'vendor session opened on the gateway']);
    await until(() => /"bytes\.sent": [1-9]/.test(statsText()) && existsSync(join(dir, 'collected.log')), 30_000, 'rsyslog delivery to the collector');
    await until(() => spawnSync('chronyc', ['-h', `${chronyRun}/chronyd.sock`, '-n', '-c', 'tracking'], { encoding: 'utf8' }).stdout.trim().endsWith(',Normal'), 60_000, 'chronyd synchronisation');
    await until(() => spawnSync('ip', ['netns', 'exec', ns, 'cat', '/sys/class/net/tun0/flags'], { encoding: 'utf8' }).status === 0, 30_000, 'OpenVPN tun0');

    const configFile = join(dir, 'agent.json');
    writeFileSync(configFile, JSON.stringify({ vendor_groups: ['vendors'], chrony_socket: `${chronyRun}/chronyd.sock`, rsyslog_stats_file: stats, admin_networks: ['10.20.90.0/24'] }));
    const binds: [string, string][] = [
      [join(etc, 'passwd'), '/etc/passwd'],
      [join(etc, 'group'), '/etc/group'],
      [join(etc, 'shadow'), '/etc/shadow'],
      [join(etc, 'openvpn'), '/etc/openvpn'],
      [join(etc, 'rsyslog.d'), '/etc/rsyslog.d'],
      [join(etc, 'wireguard'), '/etc/wireguard'],
    ];
    const script = `set -e; ${binds.map(([src, dst]) => `if [ -e '${dst}' ]; then mount --bind '${src}' '${dst}'; fi`).join('; ')}; exec "$@"`;
    return {
      dir,
      configFile,
      openVpnConfig,
      sitePack(collectorRetentionDays) {
        const packs = join(dir, 'packs');
        mkdirSync(packs, { recursive: true });
        const file = join(packs, 'site-gateway.yaml');
        writeFileSync(
          file,
          `# The site's overlay: what only the site can declare (collector retention, its NTP source).
id: site-gateway
version: 1
title: { fr: Passerelle du site, en: Site gateway }
roles: [telemaintenance-gateway]
extends: [telemaintenance-gateway]
overrides:
  - id: TMA-04
    parameters: { collector_retention_days: ${collectorRetentionDays} }
  - id: LOG-01
    parameters: { ntp_sources: ['127.0.0.1'] }
`,
        );
        return file;
      },
      agent(agentPath, args) {
        return new Promise((done) => {
          const child = spawn('ip', ['netns', 'exec', ns, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', process.execPath, agentPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (c) => (stdout += c));
          child.stderr.on('data', (c) => (stderr += c));
          child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
        });
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
