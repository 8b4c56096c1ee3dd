import t from 'tap';
import { evaluate } from '../../../policies/evaluate.js';
import { canonicalListenerAddress, isLoopback } from '../../../policies/rules/addresses.js';
import type { Listener, Report } from '../../../policies/evidence.js';
import {
  BUILDER_ADMIN_ADDRESS,
  BUILDER_COLLECTED_AT,
  buildReport,
  listener,
  withListeners,
} from '../../helpers/report-builder.js';
import { shippedWith, verdictOf } from '../pack-fixtures.js';

const AT = new Date(BUILDER_COLLECTED_AT);
const withAdmin = shippedWith('server', 'NET-05', { admin_addresses: [BUILDER_ADMIN_ADDRESS, 'fd00::5'] });
const net05 = (report: Report, pack = withAdmin) => verdictOf(evaluate(report, pack, AT), 'NET-05');
const only = (...listeners: Listener[]) => withListeners(buildReport(), listeners);

t.test('loopback listeners are ignored, whatever their port', async (t) => {
  const v = net05(
    only(
      listener(5900, '127.0.0.1', 'tcp', 'x11vnc'),
      listener(7070, '127.5.5.5'),
      listener(5938, '::1'),
      listener(3389, '[::1]'),
      listener(5901, '::ffff:127.0.0.1'),
    ),
  );
  t.equal(v.status, 'pass');
  t.match(v.explanation.en, /0 compliant listener\(s\), 5 loopback listener\(s\) ignored/);
  t.ok(isLoopback('127.255.255.254'));
  t.notOk(isLoopback('128.0.0.1'));
  t.notOk(isLoopback('0177.0.0.1'), 'shorthand/octal forms are not what the kernel prints: not loopback');
  t.notOk(isLoopback('*'));
  t.equal(canonicalListenerAddress('[fe80::1%eth0]'), 'fe80::1');
  t.equal(canonicalListenerAddress('not-an-ip'), null);
});

t.test('0.0.0.0:5900 fails and names VNC and the process', async (t) => {
  const v = net05(only(listener(22, BUILDER_ADMIN_ADDRESS, 'tcp', 'sshd'), listener(5900, '0.0.0.0', 'tcp', 'x11vnc')));
  t.equal(v.status, 'fail');
  t.match(v.explanation.en, /0\.0\.0\.0:5900\/tcp \(x11vnc\): remote-control port \(VNC\) not allowlisted/);
  t.match(v.explanation.fr, /port de prise en main à distance \(VNC\)/);
  t.same(v.evidence, ['/network/listeners/1']);
  for (const [port, name] of [[5938, 'TeamViewer'], [7070, 'AnyDesk'], [3389, 'RDP'], [5903, 'VNC']] as const) {
    t.match(net05(only(listener(port, '10.1.2.3', 'tcp', null))).explanation.en, new RegExp(`\\(${name}\\)`));
  }
  t.equal(net05(only(listener(5904))).explanation.en.includes('remote-control'), false, '5904 is an ordinary unknown port');
});

t.test('an allowlisted remote-control port passes', async (t) => {
  const pack = shippedWith('server', 'NET-05', {
    admin_addresses: [BUILDER_ADMIN_ADDRESS],
    allowed_listeners: [{ port: 5900, protocol: 'tcp', purpose: 'vendor viewer on the MRI console' }],
  });
  t.equal(net05(only(listener(5900, '0.0.0.0', 'tcp', 'vnc')), pack).status, 'pass');
});

t.test('SSH on Unix must bind only to admin addresses', async (t) => {
  t.equal(net05(only(listener(22, BUILDER_ADMIN_ADDRESS, 'tcp', 'sshd'))).status, 'pass');
  t.equal(net05(only(listener(22, 'fd00:0:0::5', 'tcp', 'sshd'))).status, 'pass', 'IPv6 compared canonically');
  for (const wildcard of ['[::]', '::', '0.0.0.0', '10.0.0.6', '*']) {
    const v = net05(only(listener(22, wildcard, 'tcp', 'sshd')));
    t.equal(v.status, 'fail', `${wildcard}:22 fails`);
    t.match(v.explanation.en, /SSH bound to an address that is not an admin address/);
  }
  t.match(net05(only(listener(22, '[::]', 'tcp', 'sshd'))).explanation.en, /\[::\]:22\/tcp \(sshd\)/);
  const windows = buildReport({ host: { os: { platform: 'windows', distro: null, release: null, arch: null } } });
  t.equal(net05(withListeners(windows, [listener(22, '0.0.0.0', 'tcp', 'sshd.exe')])).status, 'pass', 'the binding rule is for Unix hosts');
  t.equal(net05(only(listener(22, '0.0.0.0', 'udp', null))).status, 'fail', 'udp 22 is not the allowlisted tcp 22');
});

t.test('SSH with no admin address declared is a warning, not a pass', async (t) => {
  const noAdmin = shippedWith('server', 'NET-05', {});
  const v = net05(only(listener(22, '0.0.0.0', 'tcp', 'sshd')), noAdmin);
  t.equal(v.status, 'warn');
  t.match(v.explanation.en, /no admin address is declared/);
  const both = net05(only(listener(22, '0.0.0.0', 'tcp', 'sshd'), listener(8080, '0.0.0.0', 'tcp', 'java')), noAdmin);
  t.equal(both.status, 'fail', 'fail outranks warn');
  t.same(both.evidence, ['/network/listeners/0', '/network/listeners/1']);
});

t.test('SSH on a workstation is not in its allowlist', async (t) => {
  const ws = withListeners(buildReport({ host: { role: 'workstation' } }), [listener(22, '10.9.9.9', 'tcp', 'sshd')]);
  const v = verdictOf(evaluate(ws, shippedWith('workstation', 'NET-05', {}), AT), 'NET-05');
  t.equal(v.status, 'fail');
  t.match(v.explanation.en, /not in the role's listener allowlist/);
});

t.test('allowlist entries match port, protocol and the bind address when given', async (t) => {
  const pack = shippedWith('server', 'NET-05', {
    admin_addresses: [BUILDER_ADMIN_ADDRESS],
    allowed_listeners: [{ port: 443, protocol: 'tcp', bind: '10.0.0.7' }, { port: 68, protocol: 'udp' }],
  });
  t.equal(net05(only(listener(443, '10.0.0.7', 'tcp', 'nginx')), pack).status, 'pass');
  t.equal(net05(only(listener(443, '0.0.0.0', 'tcp', 'nginx')), pack).status, 'fail');
  t.equal(net05(only(listener(68, '0.0.0.0', 'tcp', null)), pack).status, 'fail');
  t.match(net05(only({ protocol: 'tcp', address: '0.0.0.0', port: 9, process: null, pid: 77 }), pack).explanation.en, /\(pid 77\)/);
  t.match(net05(only(listener(9, '0.0.0.0', 'tcp', null)), pack).explanation.en, /\(\?\)/);
});

t.test('unobservable listeners are unknown; long lists are bounded', async (t) => {
  const v = net05(withListeners(buildReport(), { unavailable: 'ss: operation not permitted' }));
  t.equal(v.status, 'unknown');
  t.match(v.explanation.en, /ss: operation not permitted/);
  const many = Array.from({ length: 50 }, (_, i) => listener(10_000 + i, '0.0.0.0', 'tcp', 'svc'));
  const big = net05(only(...many));
  t.equal(big.status, 'fail');
  t.equal(big.evidence.length, 50);
  t.match(big.explanation.en, /50 non-compliant listener\(s\): .*; and 30 more\./);
  t.match(big.explanation.fr, /et 30 autre\(s\)/);
});
