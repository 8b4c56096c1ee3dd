// rsyslog's impstats file proves a delivery only by bytes actually sent: captured from a real
// rsyslogd 8.2302 (tests/fixtures/rsyslog/, provenance in tests/fixtures/README.md), once with its
// collector listening and once with the collector down, where the omfwd action still counts the
// message as "processed" (it failed) and must not pass for a delivery.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { rsyslogLastDelivery } from '../../../agent/collectors/system.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../../fixtures/rsyslog', name), 'utf8');
/** impstats writes ctime in the daemon's local time; the agent reads it in its own (the same host's). */
const local = (ctime: string) => new Date(ctime).toISOString();

t.test('delivered: the record where bytes.sent grew', async (t) => {
  t.same(rsyslogLastDelivery(fixture('impstats-delivered.txt')), { at: local('Dec 7 2026 14:24:07') });
});

t.test('collector down: processed grew, nothing sent: no delivery', async (t) => {
  const down = fixture('impstats-collector-down.txt');
  t.match(down, /"processed": 1, "failed": 1/, 'the fixture shows the misleading counter');
  t.same(rsyslogLastDelivery(down), { unavailable: 'rsyslog stats show no delivery by a forwarding action (nothing sent, or the collector refused it)' });
});

t.test('no forwarding action, one record only, garbage lines', async (t) => {
  const noForward = fixture('impstats-delivered.txt').split('\n').filter((l) => !/omfwd/.test(l)).join('\n');
  t.same(rsyslogLastDelivery(noForward), { unavailable: 'rsyslog stats show no forwarding action (omfwd, omrelp)' });
  const firstRecordOnly = fixture('impstats-delivered.txt').split('\n').filter((l) => /14:24:07/.test(l)).join('\n');
  t.match(rsyslogLastDelivery(firstRecordOnly), { unavailable: /no delivery/ }, 'one record has nothing to compare with');
  t.match(rsyslogLastDelivery('Mon Dec  7 14:24:07 2026: { "name": "TCP-1.2.3.4-514", "origin": "omfwd", "bytes.sent": \n garbage {{'), { unavailable: /no forwarding action/ });
  // omrelp: processed growing without failures is a delivery; with failures growing, it is not.
  const relp = (p: number, f: number, s: string) => `Mon Dec  7 14:${s} 2026: { "name": "action-1-omrelp", "origin": "core.action", "processed": ${p}, "failed": ${f} }`;
  t.same(rsyslogLastDelivery([relp(0, 0, '00:01'), relp(2, 0, '00:02')].join('\n')), { at: local('Dec 7 2026 14:00:02') });
  t.match(rsyslogLastDelivery([relp(0, 0, '00:01'), relp(2, 2, '00:02')].join('\n')), { unavailable: /no delivery/ });
});
