// Names joined to flows on Linux from a real dnsmasq: the test resolves through a dnsmasq it
// starts (query log on), opens a real TCP connection to the answered address, samples the real
// /proc socket table, and checks the flow carries the name, its source and confidence.
import { readFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { promises as dns } from 'node:dns';
import t from 'tap';
import { Value } from 'typebox/value';
import { NetworkEvidence } from '../../../../policies/evidence.js';
import { FlowSampler } from '../../../../agent/collectors/flow-sampler.js';
import { LinuxNameSources } from '../../../../agent/collectors/names/linux-name-sources.js';
import { parseDnsmasqLog } from '../../../../agent/collectors/names/parse-dnsmasq-log.js';
import { collectNetwork } from '../../../../agent/collectors/network.js';
import { startDnsmasq } from '../../../helpers/dnsmasq.js';

/** A non-loopback IPv4 address of this machine: a connection to it is an outbound flow in /proc. */
function hostAddress(): string | null {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

const ip = hostAddress();

t.test('a flow to an address dnsmasq answered carries the name asked (exact, dnsmasq-log)', async (t) => {
  if (ip === null) throw new Error('this machine has no non-loopback IPv4 address to connect to');
  const address = ip;
  const server: Server = createServer((s) => s.on('error', () => undefined));
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as { port: number }).port;

  const dnsmasq = await startDnsmasq({ addresses: [['pacs.chu-exemple.test', address]], hostRecords: [['other.example.test', '192.0.2.99']] });
  t.teardown(() => dnsmasq.stop());
  const resolver = new dns.Resolver();
  resolver.setServers([`127.0.0.1:${dnsmasq.port}`]);

  const names = new LinuxNameSources({ dnsmasqLog: dnsmasq.logFile, resolvectl: false });
  const sampler = new FlowSampler({ intervalMs: 60_000, names });
  t.teardown(() => sampler.stop());
  sampler.sample(); // cursor at the log's end: earlier lines are not replayed

  t.same(await resolver.resolve4('pacs.chu-exemple.test'), [address]);
  t.same(await resolver.resolve4('other.example.test'), ['192.0.2.99']);
  // dnsmasq writes the log line before answering; wait until it is there.
  for (let i = 0; i < 100 && !readFileSync(dnsmasq.logFile, 'utf8').includes('pacs.chu-exemple.test is'); i += 1) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 1100)); // the log's times have second resolution: the flow comes a second later

  const socket: Socket = connect(port, address);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  t.teardown(() => socket.destroy());

  const network = await collectNetwork({ flowSampler: sampler, probeTargets: [] });
  t.ok(Value.Check(NetworkEvidence, network), 'the network section validates against the contract');
  const outbound = network.outbound;
  if ('unavailable' in outbound) throw new Error(outbound.unavailable);
  const flow = outbound.flows.find((f) => f.remote_address === address && f.remote_port === port && f.pid === process.pid);
  t.ok(flow, 'the real connection is in the sampled flows');
  t.equal(flow?.remote_fqdn, 'pacs.chu-exemple.test');
  t.equal(flow?.remote_fqdn_source, 'dnsmasq-log');
  t.equal(flow?.remote_fqdn_confidence, 'exact');
  const resolution = network.name_resolution;
  if (resolution === undefined || 'unavailable' in resolution) throw new Error('name_resolution should be read');
  t.equal(resolution.version, 1);
  t.match(resolution.sources, [{ source: 'dnsmasq-log', state: 'read' }, { source: 'resolved-monitor', state: 'unavailable' }]);
  t.ok(resolution.flows_named.exact >= 1);
});

t.test('the real log: CNAME answers belong to the name asked; both log formats', async (t) => {
  for (const extraLog of [true, false]) {
    const dnsmasq = await startDnsmasq({ addresses: [], hostRecords: [['edge.cdn.example.test', '192.0.2.30']], cnames: [['www.portail.example.test', 'edge.cdn.example.test']], extraLog });
    t.teardown(() => dnsmasq.stop());
    const resolver = new dns.Resolver();
    resolver.setServers([`127.0.0.1:${dnsmasq.port}`]);
    t.same(await resolver.resolve4('www.portail.example.test'), ['192.0.2.30']);
    t.same(await resolver.resolve4('edge.cdn.example.test'), ['192.0.2.30']);
    const text = readFileSync(dnsmasq.logFile, 'utf8');
    const observations = parseDnsmasqLog(text, new Date());
    t.same(
      observations.map((o) => [o.name, o.addresses]),
      [
        ['www.portail.example.test', ['192.0.2.30']],
        ['edge.cdn.example.test', ['192.0.2.30']],
      ],
      `log-queries${extraLog ? '=extra' : ''}: ${text.split('\n').filter((l) => l.includes('portail')).join(' | ')}`,
    );
    t.ok(observations.every((o) => o.pid === null && o.source === 'dnsmasq-log' && o.at !== null && Math.abs(o.at - Date.now()) < 60_000));
  }
});
