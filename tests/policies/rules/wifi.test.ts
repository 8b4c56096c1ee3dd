import t from 'tap';
import { evaluate } from '../../../policies/evaluate.js';
import type { Report } from '../../../policies/evidence.js';
import { BUILDER_COLLECTED_AT, buildReport, wifiInterface, withWifi } from '../../helpers/report-builder.js';
import { shippedWith, verdictOf } from '../pack-fixtures.js';

const AT = new Date(BUILDER_COLLECTED_AT);
const gateway = buildReport({ host: { role: 'telemaintenance-gateway' } });
const wifi01 = (report: Report, required = false) =>
  verdictOf(evaluate(report, shippedWith('telemaintenance-gateway', 'WIFI-01', { wifi_required: required }), AT), 'WIFI-01');

t.test('no WLAN hardware is not_applicable (there is no radio), never pass', async (t) => {
  const v = wifi01(withWifi(gateway, { hardware_present: false, interfaces: [] }));
  t.equal(v.status, 'not_applicable');
  t.match(v.explanation.en, /No Wi-Fi device is present .*there is no radio/);
  t.match(v.explanation.fr, /pas de radio/);
  t.equal(wifi01(withWifi(gateway, { hardware_present: false }), true).status, 'not_applicable', 'even when Wi-Fi is required');
});

t.test('an interface that is up or has its radio on fails', async (t) => {
  const up = wifi01(withWifi(gateway, { hardware_present: true, interfaces: [wifiInterface({ radio: 'on', oper_state: 'up' })] }));
  t.equal(up.status, 'fail');
  t.match(up.explanation.en, /wlan0 \(radio on, up\): Wi-Fi interface active/);
  t.same(up.evidence, ['/wifi/interfaces/0']);
  t.equal(up.severity, 'critical', 'medium escalated on the gateway');
  t.equal(wifi01(withWifi(gateway, { hardware_present: true, interfaces: [wifiInterface({ radio: 'on', oper_state: 'down' })] })).status, 'fail', 'radio on');
  t.equal(wifi01(withWifi(gateway, { hardware_present: true, interfaces: [wifiInterface({ radio: 'off', oper_state: 'up' })] })).status, 'fail', 'up');
  t.equal(
    wifi01(withWifi(gateway, { hardware_present: false, interfaces: [wifiInterface({ radio: 'on' })] })).status,
    'fail',
    'a listed interface wins over hardware_present: false',
  );
});

t.test('radio off everywhere passes; radio unknown is unknown; worst wins', async (t) => {
  const off = wifi01(withWifi(gateway, { hardware_present: true, interfaces: [wifiInterface(), wifiInterface({ name: 'wlan1', oper_state: 'unknown' })] }));
  t.equal(off.status, 'pass');
  t.match(off.explanation.en, /Every Wi-Fi radio is off: wlan0 .*; wlan1/);
  const unknown = wifi01(withWifi(gateway, { hardware_present: true, interfaces: [wifiInterface(), wifiInterface({ name: 'wlan1', radio: 'unknown' })] }));
  t.equal(unknown.status, 'unknown');
  t.same(unknown.evidence, ['/wifi/interfaces/1']);
  const mixed = wifi01(
    withWifi(gateway, { hardware_present: true, interfaces: [wifiInterface({ radio: 'unknown' }), wifiInterface({ name: 'wlan1', radio: 'on' })] }),
  );
  t.equal(mixed.status, 'fail');
  t.same(mixed.evidence, ['/wifi/interfaces/1']);
});

t.test('a WLAN device with no observed interface is unknown', async (t) => {
  const v = wifi01(withWifi(gateway, { hardware_present: true, interfaces: [] }));
  t.equal(v.status, 'unknown');
  t.match(v.explanation.en, /no interface was observed/);
});

t.test('wifi_required = true passes with an explanation', async (t) => {
  const v = wifi01(withWifi(gateway, { hardware_present: true, interfaces: [wifiInterface({ radio: 'on', oper_state: 'up' })] }), true);
  t.equal(v.status, 'pass');
  t.match(v.explanation.en, /requires Wi-Fi \(wifi_required = true\)/);
  t.equal(v.threshold, 'wifi_required = true: the role needs Wi-Fi');
});
