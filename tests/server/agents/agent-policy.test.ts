import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_AGENT_SCHEDULE } from '../../../policies/agent-config.js';
import { AGENT_POLICY_FILE, agentConfigFor, loadAgentPolicy } from '../../../server/agents/agent-policy.js';
import { ConfigError } from '../../../server/config.js';

function dirWith(content: string | null): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-agent-policy-'));
  if (content !== null) writeFileSync(join(dir, AGENT_POLICY_FILE), content);
  return dir;
}

t.test('no file: the default schedule and no probes', async (t) => {
  const policy = loadAgentPolicy(dirWith(null));
  t.same(agentConfigFor(policy, { role: 'workstation', site: 'chi-vallee' }), { schedule: DEFAULT_AGENT_SCHEDULE, probes: [] });
});

t.test('probes are handed out by role and site', async (t) => {
  const policy = loadAgentPolicy(
    dirWith(`
schedule: { cron: "*/5 * * * *", splay_seconds: 30 }
probes:
  - { target: "https://www.example.com", expectation: blocked }
  - { target: "tls://vpn.vendor-irm.example:443", expectation: reachable, roles: [telemaintenance-gateway], sites: [chi-vallee] }
  - { target: "tcp://10.10.1.53:53", expectation: reachable, roles: [server, workstation] }
`),
  );
  const gateway = agentConfigFor(policy, { role: 'telemaintenance-gateway', site: 'chi-vallee' });
  t.same(gateway.schedule, { cron: '*/5 * * * *', splay_seconds: 30 });
  t.same(gateway.probes.map((p) => p.target), ['https://www.example.com', 'tls://vpn.vendor-irm.example:443']);
  const otherSite = agentConfigFor(policy, { role: 'telemaintenance-gateway', site: 'ch-plateau' });
  t.same(otherSite.probes.map((p) => p.target), ['https://www.example.com']);
  const workstation = agentConfigFor(policy, { role: 'workstation', site: 'chi-vallee' });
  t.same(workstation.probes.map((p) => p.target), ['https://www.example.com', 'tcp://10.10.1.53:53']);
});

t.test('a bad file stops the server with the path and the reason', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['probes: [ {', /not valid YAML/],
    ['probes:\n  - { target: "ftp://x", expectation: blocked }', /\/probes\/0\/target/],
    ['probes:\n  - { target: "https://x", expectation: maybe }', /\/probes\/0\/expectation/],
    ['schedule: { cron: "every minute please", splay_seconds: 1 }', /not a valid cron/],
    ['schedule: { cron: "*/5 * * * *", splay_seconds: 1, extra: 1 }', /\/schedule/],
  ];
  for (const [content, reason] of cases) {
    let caught: unknown = null;
    try {
      loadAgentPolicy(dirWith(content));
    } catch (error) {
      caught = error;
    }
    t.ok(caught instanceof ConfigError, `${content}: refused`);
    t.match((caught as Error).message, reason);
    t.match((caught as Error).message, AGENT_POLICY_FILE);
  }
});
