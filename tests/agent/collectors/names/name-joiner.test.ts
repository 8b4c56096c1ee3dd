import t from 'tap';
import { NameJoiner } from '../../../../agent/collectors/names/name-joiner.js';

const at = (s: number) => Date.parse('2026-12-07T08:00:00Z') + s * 1000;
const iso = (s: number) => new Date(at(s)).toISOString();

t.test('same process and address before the flow: exact; another process: inferred; after the flow: no name', async (t) => {
  const j = new NameJoiner();
  j.add({ name: 'dmp.sante.fr', addresses: ['::ffff:192.0.2.45'], at: at(0), pid: 5124, source: 'dns-client-event' });
  t.same(j.join({ remote_address: '192.0.2.45', pid: 5124, first_seen: iso(10) }), { name: 'dmp.sante.fr', source: 'dns-client-event', confidence: 'exact' });
  t.same(j.join({ remote_address: '192.0.2.45', pid: 999, first_seen: iso(10) }), { name: 'dmp.sante.fr', source: 'dns-client-event', confidence: 'inferred' });
  t.equal(j.join({ remote_address: '192.0.2.45', pid: 5124, first_seen: iso(-1) }), null, 'an answer given after the flow was first seen cannot name it');
  t.equal(j.join({ remote_address: '192.0.2.46', pid: 5124, first_seen: iso(10) }), null);
});

t.test('sources without PID: one name is exact, a shared (CDN) address is inferred with the latest name', async (t) => {
  const j = new NameJoiner();
  j.add({ name: 'a.example', addresses: ['192.0.2.7'], at: at(0), pid: null, source: 'dnsmasq-log' });
  t.equal(j.join({ remote_address: '192.0.2.7', pid: 1, first_seen: iso(5) })?.confidence, 'exact');
  j.add({ name: 'b.example', addresses: ['192.0.2.7'], at: at(3), pid: null, source: 'dnsmasq-log' });
  t.same(j.join({ remote_address: '192.0.2.7', pid: 1, first_seen: iso(5) }), { name: 'b.example', source: 'dnsmasq-log', confidence: 'inferred' });
});

t.test('cache seeds name only what no timed answer names, as cache; pruning keeps the window', async (t) => {
  const j = new NameJoiner(3600_000);
  j.add({ name: 'seed.example', addresses: ['198.51.100.1'], at: null, pid: null, source: 'dns-client-cache' });
  t.same(j.join({ remote_address: '198.51.100.1', pid: 4, first_seen: iso(0) }), { name: 'seed.example', source: 'dns-client-cache', confidence: 'cache' });
  j.add({ name: 'old.example', addresses: ['198.51.100.2'], at: at(0), pid: null, source: 'dnsmasq-log' });
  t.equal(j.join({ remote_address: '198.51.100.2', pid: 4, first_seen: iso(7200) }), null, 'an answer older than the window is not used');
  j.prune(at(10));
  t.equal(j.size, 1, 'the timed answer is pruned, the seed kept');
});
