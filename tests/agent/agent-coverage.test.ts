// policies/agent-coverage.ts says what a real agent of each platform reports (the demo carries no
// more): pinned here to the real collectors. Linux runs on this host; Windows replays PowerShell
// fixtures (tests/fixtures/powershell/); macOS runs with no tool on PATH (every field unavailable,
// still present).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { AGENT_FIELDS, fieldsBeyondAgent } from '../../policies/agent-coverage.js';
import type { Evidence } from '../../policies/evidence.js';
import { collectEvidence } from '../../agent/collect.js';
import { WINDOWS_SCRIPTS } from '../../agent/collectors/windows-evidence.js';

const keys = (value: object | undefined) => (value === undefined || 'unavailable' in value ? null : Object.keys(value).sort());
/** Fields only the running agent's flow sampler adds (a single collection has no name history). */
const SAMPLER_ONLY = ['name_resolution', 'local_addresses'];

t.test('Linux: the real collectors on this host report exactly the table, gateway section included', async (t) => {
  const evidence = await collectEvidence({ backupSources: [], role: 'telemaintenance-gateway' });
  const fields = AGENT_FIELDS.linux;
  t.same(fieldsBeyondAgent('linux', evidence), []);
  t.same(keys(evidence.network), [...fields.network].sort());
  if ('unavailable' in evidence.wifi) throw new Error(`wifi unavailable: ${evidence.wifi.unavailable}`);
  t.same(keys(evidence.wifi), [...(evidence.wifi.hardware_present ? fields.wifi : fields.wifiWithoutHardware)].sort());
  t.same(keys(evidence.backups), fields.backups.filter((k) => k !== 'hosts_covered').sort(), 'hosts_covered only with reportHostsCovered');
  t.same(keys(evidence.mfa), [...fields.mfa].sort());
  t.same(keys(evidence.system), [...(fields.system ?? [])].sort());
  t.same(keys(evidence.telemaintenance), [...(fields.telemaintenance ?? [])].sort());
});

t.test('Windows: the PowerShell collectors replayed report exactly the table', async (t) => {
  const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures/powershell', name), 'utf8');
  const answers: Record<keyof typeof WINDOWS_SCRIPTS, string> = {
    firewall: fixture('firewall-fr-ps51.json'),
    smb1: fixture('smb1-fr-ps51.json'),
    proxy: fixture('proxy-fr-ps51-gpo.json'),
    admins: fixture('local-admins-fr-ps51.json'),
    os: fixture('os-fr-win11-pro.json'),
    time: fixture('time-fr-ps51-domain.json'),
    updates: fixture('updates-fr-ps51-wsus.json'),
    bitlocker: fixture('bitlocker-fr-ps51-laptop.json'),
    routing: fixture('routing-en-ps7-bridge.json'),
    passwordPolicy: fixture('password-policy-fr-ps51.json'),
    entryPoints: fixture('entry-points-fr-ps51-server.json'),
    remoteControl: fixture('remote-control-fr-ps51.json'),
    logForwarding: fixture('log-forwarding-fr-ps51-wef.json'),
    vpn: fixture('vpn-fr-ps51-aovpn.json'),
  };
  const byScript = new Map(Object.entries(WINDOWS_SCRIPTS).map(([name, script]) => [script, name as keyof typeof WINDOWS_SCRIPTS]));
  const evidence: Evidence = await collectEvidence({
    platform: 'win32',
    env: { PATH: '/nonexistent' },
    sshd: { binary: '/nonexistent/sshd' },
    backupSources: [],
    powershell: async (script) => answers[byScript.get(script) ?? 'os'],
  });
  const fields = AGENT_FIELDS.windows;
  t.same(fieldsBeyondAgent('windows', evidence), []);
  t.same(keys(evidence.network), fields.network.filter((k) => !SAMPLER_ONLY.includes(k)).sort());
  t.same(keys(evidence.wifi), [...fields.wifiWithoutHardware].sort(), 'no 802.11 adapter in this fixture');
  t.same(keys(evidence.mfa), [...fields.mfa].sort());
  t.same(keys(evidence.system), [...(fields.system ?? [])].sort());
  t.equal(evidence.telemaintenance, undefined);
});

t.test('macOS: sockets, proxy/DNS, backups, sshd and PAM; no system section', async (t) => {
  const evidence = await collectEvidence({ platform: 'darwin', env: { PATH: '/nonexistent' }, sshd: { binary: '/nonexistent/sshd' }, backupSources: [] });
  const fields = AGENT_FIELDS.darwin;
  t.same(fieldsBeyondAgent('darwin', evidence), []);
  t.same(keys(evidence.network), [...fields.network].sort());
  t.match(evidence.wifi, { unavailable: /Linux and Windows only/ });
  t.same(keys(evidence.mfa), [...fields.mfa].sort());
  t.equal(evidence.system, undefined);
  t.same(fieldsBeyondAgent('darwin', { ...evidence, system: { unavailable: 'x' } }), [], 'an unavailable section is never "beyond"');
  t.same(fieldsBeyondAgent('windows', { ...evidence, mfa: { sshd: { installed: false, settings: null }, pam: { services: [] } } }), ['/mfa/pam'], 'a Linux-only field on Windows is named');
});
