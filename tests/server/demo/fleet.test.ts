// The simulated GHT fleet of the demo: valid reports, reproducible, and judged by the shipped
// packs like a real establishment (every core rule exercised, few unknowns, the placed flaws found);
// then judged again with the demo's site overlays (server/demo/overlays/, what each RSSI declared),
// where the declaration noise is gone and only the placed flaws fail.
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { Compile } from 'typebox/compile';
import { HOST_ROLES, isUnavailable, Report } from '../../../policies/evidence.js';
import { evaluate } from '../../../policies/evaluate.js';
import { loadSiteOverlayDirectory, packFor, packForRole, packLabel } from '../../../policies/pack.js';
import type { Verdict } from '../../../policies/verdict.js';
import { DEMO_SITES, simulatedFleet } from '../../../server/demo/fleet.js';

const OVERLAYS_DIR = fileURLToPath(new URL('../../../server/demo/overlays/', import.meta.url));

const NOW = new Date('2026-11-20T09:00:00Z');
const validator = Compile(Report);

/** The 31-rule core of the catalogue, minus NET-02 (the allowlist lint, judged server-side, not per host). */
const CORE_RULES = [
  'NET-01', 'NET-03', 'NET-04', 'NET-05', 'NET-06', 'NET-07',
  'WIFI-01', 'WIFI-02', 'WIFI-03', 'WIFI-04', 'WIFI-05', 'WIFI-06',
  'BKP-01', 'BKP-02', 'BKP-03', 'BKP-04', 'BKP-05',
  'AUTH-01', 'AUTH-02', 'AUTH-03', 'AUTH-04', 'AUTH-05', 'AUTH-06',
  'TMA-01', 'TMA-02', 'TMA-03', 'TMA-04', 'TMA-05', 'TMA-06',
  'ADM-01',
];

function reportsOf(seed?: number): Report[] {
  return simulatedFleet(seed).map((host, i) => host.report(`host-${String(i).padStart(2, '0')}`, NOW));
}

interface Judged {
  report: Report;
  verdicts: Verdict[];
}

const judged: Judged[] = reportsOf().map((report) => ({ report, verdicts: evaluate(report, packForRole(report.host.role), NOW) }));
const overlays = loadSiteOverlayDirectory(OVERLAYS_DIR);
const judgedWithOverlays: Judged[] = reportsOf().map((report) => ({
  report,
  verdicts: evaluate(report, packFor(report.host.role, report.host.site, undefined, overlays), NOW),
}));

type VerdictLookup = (hostname: string, rule: string) => Verdict;
const lookupIn = (fleet: Judged[]): VerdictLookup => (hostname, rule) => {
  const host = fleet.find((j) => j.report.host.hostname === hostname);
  const verdict = host?.verdicts.find((v) => v.rule_id === rule);
  if (!verdict) throw new Error(`no verdict ${rule} for ${hostname}`);
  return verdict;
};
const verdictOf = lookupIn(judged);
const overlaidVerdictOf = lookupIn(judgedWithOverlays);
/** Hosts whose evidence is fresh (the silent lab server gives unknown for everything). */
const freshOf = (fleet: Judged[]) => fleet.filter((j) => !j.verdicts.every((v) => v.status === 'unknown'));

t.test('every simulated report validates against the Report schema', async (t) => {
  const fleet = simulatedFleet();
  t.equal(fleet.length, 48, '48 hosts');
  t.same(new Set(fleet.map((h) => h.identity.site)), new Set(DEMO_SITES.map((s) => s.id)), 'three sites');
  t.same(new Set(fleet.map((h) => h.identity.role)), new Set(HOST_ROLES), 'every role is present');
  t.equal(new Set(fleet.map((h) => h.identity.hostname)).size, fleet.length, 'host names are unique');
  for (const { report } of judged) {
    const errors = validator.Check(report) ? [] : [...validator.Errors(report)].slice(0, 3).map((e) => `${e.instancePath} ${e.message}`);
    t.same(errors, [], `${report.host.hostname} validates`);
  }
  t.equal(new Set(judged.map((j) => j.report.report_id)).size, judged.length, 'report ids are unique');
});

t.test('the sections a real agent of each platform reports are present', async (t) => {
  for (const { report } of judged) {
    const name = report.host.hostname;
    const { network, wifi, mfa, backups } = report;
    if ('unavailable' in network || 'unavailable' in wifi || 'unavailable' in mfa || 'unavailable' in backups) {
      t.fail(`${name}: a whole section is unavailable`);
      continue;
    }
    for (const key of ['proxy_policy', 'browser_doh', 'firewall', 'smb1'] as const) t.ok(network[key] !== undefined, `${name}: network.${key}`);
    for (const key of ['ip_forwarding', 'bridges', 'hotspot', 'wired_interfaces', 'profiles'] as const) t.ok(wifi[key] !== undefined, `${name}: wifi.${key}`);
    t.ok(mfa.local_admins !== undefined && mfa.lockout !== undefined, `${name}: local admins and lockout`);
    if (report.host.os.platform === 'windows') {
      t.ok(mfa.windows_logon !== undefined || report.host.role === 'server', `${name}: dsregcmd`);
      t.ok(wifi.connection_sharing !== undefined, `${name}: ICS state`);
    } else {
      t.ok(mfa.pam !== undefined && !('unavailable' in mfa.sshd) && mfa.sshd.installed && mfa.sshd.per_user !== undefined, `${name}: sshd per user and PAM`);
    }
    if (!('unavailable' in network.outbound)) {
      const hours = (Date.parse(network.outbound.window_end) - Date.parse(network.outbound.window_start)) / 3_600_000;
      t.equal(hours, 24, `${name}: 24 h observation window`);
    }
    t.equal(report.telemaintenance !== undefined, report.host.role === 'telemaintenance-gateway', `${name}: telemaintenance section only on gateways`);
    if (report.host.role === 'backup-server') {
      t.ok(backups.repositories && backups.offline_copies && backups.restore_tests && backups.console, `${name}: backup inventory`);
    }
  }
});

t.test('no secret-looking material in any report', async (t) => {
  const text = JSON.stringify(judged.map((j) => j.report));
  t.notMatch(text, /-----BEGIN|AAAA[0-9A-Za-z+/]{30,}|\$(?:2[aby]|5|6|y)\$|password\s*[=:]\s*\S/i);
});

t.test('the fleet is deterministic for a seed', async (t) => {
  t.same(reportsOf(2022), reportsOf(2022), 'same seed, same reports (report ids included)');
  t.same(reportsOf(), reportsOf(2022), 'the default seed is 2022');
  t.notSame(reportsOf(7), reportsOf(2022), 'another seed gives another fleet');
});

t.test('the shipped packs judge every core rule somewhere', async (t) => {
  const ids = new Set(judged.flatMap((j) => j.verdicts.map((v) => v.rule_id)));
  t.same([...ids].sort(), [...CORE_RULES].sort(), 'the packs hold exactly the core rules');
  for (const rule of CORE_RULES) {
    const judgedSomewhere = judged.some((j) => j.verdicts.some((v) => v.rule_id === rule && v.status !== 'unknown' && v.status !== 'not_applicable'));
    if (rule === 'TMA-06') {
      // Needs the maintained devices' flow matrix, site data the shipped packs cannot have.
      t.notOk(judgedSomewhere, 'TMA-06 stays unknown with the shipped packs');
      continue;
    }
    t.ok(judgedSomewhere, `${rule} is judged (pass, warn or fail) on at least one host`);
  }
});

t.test('TMA-06 waits for the flow matrix without an overlay', async (t) => {
  const gateways = judged.filter((j) => j.report.host.role === 'telemaintenance-gateway');
  t.ok(gateways.length >= 6);
  for (const { report } of gateways) {
    const verdict = verdictOf(report.host.hostname, 'TMA-06');
    t.equal(verdict.status, 'unknown', `${report.host.hostname}: TMA-06 unknown`);
    t.match(verdict.explanation.en, /declared_flows/);
  }
});

t.test('unknown verdicts stay a small minority', async (t) => {
  const applicable = judged.flatMap((j) => j.verdicts.filter((v) => v.status !== 'not_applicable'));
  const unknown = applicable.filter((v) => v.status === 'unknown').length;
  // Measured 9.9 % (52 / 523), 30 of them from the one silent host whose evidence is stale. The
  // rest: TMA-01/04/06 and BKP-05 waiting for site declarations, honest `unavailable` sections.
  t.ok(unknown / applicable.length < 0.12, `${unknown} / ${applicable.length} unknown`);
  const fresh = judged.filter((j) => !j.verdicts.every((v) => v.status === 'unknown'));
  t.equal(judged.length - fresh.length, 1, 'one silent host (stale evidence)');
  const freshApplicable = fresh.flatMap((j) => j.verdicts.filter((v) => v.status !== 'not_applicable'));
  const freshUnknown = freshApplicable.filter((v) => v.status === 'unknown').length;
  t.ok(freshUnknown / freshApplicable.length < 0.05, `fresh hosts: ${freshUnknown} / ${freshApplicable.length} unknown`);
});

t.test('most hosts mostly pass', async (t) => {
  const fresh = judged.filter((j) => !j.verdicts.every((v) => v.status === 'unknown'));
  const mostlyPassing = fresh.filter((j) => {
    const counts = { good: 0, bad: 0 };
    for (const v of j.verdicts) {
      if (v.status === 'pass' || v.status === 'warn') counts.good++;
      else if (v.status === 'fail' || v.status === 'unknown') counts.bad++;
    }
    return counts.good > 2 * counts.bad;
  });
  t.ok(mostlyPassing.length / fresh.length > 0.8, `${mostlyPassing.length} / ${fresh.length} hosts pass or warn on more than two thirds of their rules`);
});

/** The placed flaws and their verdicts; site declarations must not change them. */
function expectPlacedFlaws(t: Test, lookup: VerdictLookup): void {
  const expect = (hostname: string, rule: string, status: Verdict['status'], pattern: RegExp) => {
    const v = lookup(hostname, rule);
    t.equal(v.status, status, `${rule} ${hostname}`);
    t.match(v.explanation.en, pattern, `${rule} ${hostname}: ${v.explanation.en.slice(0, 120)}`);
  };
  expect('val-pc-radio-004', 'NET-05', 'fail', /VNC/);
  expect('val-pc-pharma-007', 'NET-05', 'fail', /VNC/);
  expect('pla-pc-radio-004', 'NET-05', 'fail', /VNC/);
  expect('val-pc-onco-011', 'NET-05', 'fail', /TeamViewer/);
  expect('val-pc-onco-011', 'NET-01', 'fail', /teamviewer/);
  expect('val-pc-accueil-008', 'AUTH-03', 'fail', /password-only/);
  expect('val-pc-labo-009', 'AUTH-06', 'fail', /daily user is an administrator/);
  expect('val-pc-pharma-007', 'NET-04', 'fail', /firefox: DoH not turned off/);
  expect('val-tmg-scanner-01', 'AUTH-01', 'fail', /single factor/);
  expect('val-tmg-scanner-01', 'AUTH-02', 'fail', /no second-factor module/);
  expect('val-tmg-scanner-01', 'TMA-01', 'fail', /ingress rule from any/);
  expect('pla-tmg-scanner-01', 'WIFI-01', 'fail', /wlp2s0/);
  expect('pla-tmg-scanner-01', 'WIFI-06', 'fail', /Box-Invites/);
  expect('val-pc-labo-009', 'WIFI-02', 'fail', /WIFI-GARE-GRATUIT/);
  expect('pla-tmg-irm-01', 'TMA-02', 'fail', /outside any approved window/);
  expect('pla-srv-pacs-01', 'NET-06', 'fail', /SMBv1/);
  expect('riv-srv-dpi-01', 'BKP-01', 'fail', /restic/);
  expect('riv-bkp-01', 'BKP-02', 'fail', /RDX.*too old/);
  expect('riv-bkp-01', 'BKP-05', 'fail', /MFA supported but not enabled/);
  expect('riv-bkp-01', 'BKP-01', 'unknown', /passphrase/);
  expect('val-tmg-tep-01', 'TMA-04', 'fail', /syslog/);
  expect('riv-tmg-scanner-01', 'TMA-05', 'warn', /pre-shared key/);
  expect('pla-srv-dpi-01', 'BKP-01', 'warn', /older than 24 h/);
  expect('pla-bkp-01', 'BKP-04', 'warn', /older than 90 d/);
  expect('val-srv-dpi-01', 'BKP-01', 'pass', /recent/);
  expect('val-pc-urg-001', 'NET-01', 'pass', /allowlisted/);
}

t.test('the placed flaws are found', async (t) => {
  expectPlacedFlaws(t, verdictOf);
});

// ---------------------------------------------------------------- with the demo site overlays

t.test('the demo overlays load and apply to every role pack of their site', async (t) => {
  t.same([...overlays.keys()].sort(), DEMO_SITES.map((s) => s.id).sort(), 'one overlay per demo site');
  for (const site of DEMO_SITES) {
    t.equal(overlays.get(site.id)?.version, 1, `${site.id}: version 1`);
    for (const role of HOST_ROLES) {
      const pack = packFor(role, site.id, undefined, overlays);
      t.equal(packLabel(pack), `${packForRole(role).id} v${packForRole(role).version} + site ${site.id} v1`, `${site.id}/${role}: overlay applied`);
    }
  }
  // The declarations the fleet's addresses rely on, as the packs see them.
  for (const site of DEMO_SITES) {
    const rule = (role: (typeof HOST_ROLES)[number], id: string) => packFor(role, site.id, undefined, overlays).rules.find((r) => r.id === id)?.parameters ?? {};
    t.same(rule('server', 'NET-04')['dns_resolvers'], [`${site.lan}.1.10`, `${site.lan}.1.11`], `${site.id}: resolvers are the site's DCs`);
    const admin = rule('server', 'NET-05')['admin_addresses'];
    t.ok(Array.isArray(admin) && admin.length > 0 && admin.every((a) => String(a).startsWith(`${site.adminNet}.`)), `${site.id}: admin addresses on ${site.adminNet}.0/24`);
    t.same(rule('workstation', 'WIFI-04')['allowed_ssids'], ['GHT-VALLEE-PRO'], `${site.id}: enterprise SSID`);
  }
});

t.test('with the overlays, the placed flaws are still found', async (t) => {
  expectPlacedFlaws(t, overlaidVerdictOf);
  // Declaring the admin addresses turns the wrongly bound sshd into a failure of its own.
  t.match(overlaidVerdictOf('val-tmg-scanner-01', 'NET-05').explanation.en, /0\.0\.0\.0:22\/tcp \(sshd\): SSH bound to an address that is not an admin address/);
  // The open profile stays outside the declared SSIDs; the enterprise SSID no longer fails.
  const wifi04 = overlaidVerdictOf('val-pc-labo-009', 'WIFI-04');
  t.equal(wifi04.status, 'fail');
  t.match(wifi04.explanation.en, /WIFI-GARE-GRATUIT/);
  t.notMatch(wifi04.explanation.en, /GHT-VALLEE-PRO/);
  // Declaring the production forest judges the AD-backed backup console: it uses that forest.
  const bkp05 = overlaidVerdictOf('pla-bkp-01', 'BKP-05');
  t.equal(bkp05.status, 'fail');
  t.match(bkp05.explanation.en, /production directory ght-vallee\.local/);
});

/** Remote-control listeners (as in the shipped NET-05) and sshd on a wildcard address, from the evidence. */
function listenerFlaw(report: Report): boolean {
  if (isUnavailable(report.network) || isUnavailable(report.network.listeners)) return false;
  const remoteControl = new Set([5900, 5901, 5902, 5903, 5938, 7070, 3389]);
  return report.network.listeners.some(
    (l) =>
      (l.protocol === 'tcp' && remoteControl.has(l.port) && !l.address.startsWith('127.')) ||
      (report.host.os.platform === 'linux' && l.protocol === 'tcp' && l.port === 22 && (l.address === '0.0.0.0' || l.address === '::')),
  );
}

t.test('with the overlays, NET-05 fails only on remote-control listeners and a wrongly bound sshd', async (t) => {
  const flawed: string[] = [];
  for (const { report } of freshOf(judgedWithOverlays)) {
    const before = verdictOf(report.host.hostname, 'NET-05');
    const after = overlaidVerdictOf(report.host.hostname, 'NET-05');
    if (after.status === 'not_applicable') continue;
    if (listenerFlaw(report)) {
      flawed.push(report.host.hostname);
      t.equal(after.status, 'fail', `${report.host.hostname}: NET-05 still fails: ${after.explanation.en.slice(0, 120)}`);
    } else {
      t.equal(after.status, 'pass', `${report.host.hostname}: NET-05 ${before.status} without overlay, pass with it: ${after.explanation.en.slice(0, 120)}`);
    }
  }
  t.same(flawed.sort(), ['pla-pc-radio-004', 'val-pc-onco-011', 'val-pc-pharma-007', 'val-pc-radio-004', 'val-tmg-scanner-01'], 'the placed listener flaws');
  const noOverlayFails = freshOf(judged).filter((j) => j.verdicts.some((v) => v.rule_id === 'NET-05' && v.status === 'fail')).length;
  t.ok(noOverlayFails > 30, `${noOverlayFails} hosts fail NET-05 without the overlays (Windows and application listeners)`);
});

t.test('with the overlays, every telemaintenance rule is judged on every fresh gateway', async (t) => {
  const gateways = freshOf(judgedWithOverlays).filter((j) => j.report.host.role === 'telemaintenance-gateway');
  t.equal(gateways.length, 6, 'six gateways');
  for (const { report } of gateways) {
    const tma06 = overlaidVerdictOf(report.host.hostname, 'TMA-06');
    t.equal(tma06.status, 'pass', `${report.host.hostname}: TMA-06 ${tma06.explanation.en}`);
    for (const rule of ['TMA-01', 'TMA-02', 'TMA-03', 'TMA-04', 'TMA-05']) {
      t.not(overlaidVerdictOf(report.host.hostname, rule).status, 'unknown', `${report.host.hostname}: ${rule} judged`);
    }
  }
  const ids = new Set(judgedWithOverlays.flatMap((j) => j.verdicts.filter((v) => v.status !== 'unknown' && v.status !== 'not_applicable').map((v) => v.rule_id)));
  t.same([...ids].sort(), [...CORE_RULES].sort(), 'every core rule is judged somewhere, TMA-06 included');
});

t.test('with the overlays, only the placed flaws fail and unknown stays low', async (t) => {
  const fails = judgedWithOverlays
    .flatMap((j) => j.verdicts.filter((v) => v.status === 'fail').map((v) => `${v.rule_id} ${j.report.host.hostname}`))
    .sort();
  t.same(fails, [
    'AUTH-01 val-tmg-scanner-01', 'AUTH-02 val-tmg-scanner-01', 'AUTH-03 pla-pc-accueil-008', 'AUTH-03 val-pc-accueil-008',
    'AUTH-04 val-tmg-scanner-01', 'AUTH-06 val-pc-labo-009', 'BKP-01 riv-srv-dpi-01', 'BKP-02 riv-bkp-01',
    'BKP-05 pla-bkp-01', 'BKP-05 riv-bkp-01', 'NET-01 val-pc-onco-011', 'NET-04 val-pc-pharma-007',
    'NET-05 pla-pc-radio-004', 'NET-05 val-pc-onco-011', 'NET-05 val-pc-pharma-007', 'NET-05 val-pc-radio-004',
    'NET-05 val-tmg-scanner-01', 'NET-06 pla-srv-pacs-01', 'TMA-01 val-tmg-scanner-01', 'TMA-02 pla-tmg-irm-01',
    'TMA-04 val-tmg-tep-01', 'WIFI-01 pla-tmg-scanner-01', 'WIFI-02 pla-tmg-scanner-01', 'WIFI-02 val-pc-labo-009',
    'WIFI-04 val-pc-labo-009', 'WIFI-06 pla-tmg-scanner-01',
  ], 'every failure is a placed flaw (or, for pla-bkp-01, the console on the declared production forest)');
  for (const rule of ['NET-04', 'AUTH-06']) {
    const warned = judgedWithOverlays.filter((j) => j.verdicts.some((v) => v.rule_id === rule && v.status === 'warn')).length;
    t.equal(warned, 0, `${rule}: no "not declared" warning left`);
  }

  const applicable = judgedWithOverlays.flatMap((j) => j.verdicts.filter((v) => v.status !== 'not_applicable'));
  const unknown = applicable.filter((v) => v.status === 'unknown').length;
  // Measured 6.7 % (35 / 523), 30 of them from the silent host.
  t.ok(unknown / applicable.length < 0.08, `${unknown} / ${applicable.length} unknown`);
  const freshApplicable = freshOf(judgedWithOverlays).flatMap((j) => j.verdicts.filter((v) => v.status !== 'not_applicable'));
  const freshUnknown = freshApplicable.filter((v) => v.status === 'unknown');
  // Measured 1.0 % (5 / 493): only the honest `unavailable` evidence (borg passphrase, the DCs'
  // and the Windows PACS' offline copies wbadmin cannot see); nothing waits for a declaration.
  t.ok(freshUnknown.length / freshApplicable.length < 0.02, `fresh hosts: ${freshUnknown.length} / ${freshApplicable.length} unknown`);
  for (const v of freshUnknown) t.match(v.explanation.en, /could not/, `${v.rule_id}: ${v.explanation.en.slice(0, 120)}`);
});
