// distinctEndpoints groups flows by (address, port, protocol, FQDN): a "|" an agent puts in an
// address or FQDN must not make two different endpoints one (the second would go unjudged).
import t from 'tap';
import type { OutboundFlow } from '../../../policies/evidence.js';
import type { RuleContext } from '../../../policies/rules/rule.js';
import { distinctEndpoints } from '../../../policies/rules/flows.js';

const flow = (remote_address: string, remote_port: number, remote_fqdn: string | null): OutboundFlow => ({
  protocol: 'tcp',
  remote_address,
  remote_port,
  remote_fqdn,
  process: 'x',
  pid: 1,
  first_seen: '2025-06-01T00:00:00.000Z',
  last_seen: '2025-06-01T01:00:00.000Z',
});

// The endpoints are cached per evaluation context; only its identity matters here.
const context = () => ({}) as RuleContext;

t.test('fields joined with "|" cannot collide', async (t) => {
  // Joined naively both give "a|1|tcp|2|tcp|".
  const flows = [flow('a|1|tcp', 2, null), flow('a', 1, '2|tcp|')];
  const endpoints = distinctEndpoints(flows, context());
  t.equal(endpoints.length, 2);
  t.same(endpoints.map((e) => e.index), [0, 1]);
});

t.test('the same endpoint seen twice is one, counted twice', async (t) => {
  const flows = [flow('192.0.2.1', 443, 'a.example'), flow('192.0.2.1', 443, 'a.example'), flow('192.0.2.1', 443, null)];
  const endpoints = distinctEndpoints(flows, context());
  t.same(endpoints.map((e) => [e.index, e.count]), [[0, 2], [2, 1]]);
});
