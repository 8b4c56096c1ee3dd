// The Stormshield (SNS) web-log parser on lines written in the format of the SNS log reference
// ("Logs - web traffic", l_web / syslog key=value): no Stormshield appliance runs here, so the
// lines are generated in that documented format. What is kept: time (local + tz), client, host
// (dstname, else dst), port, block; never user, arg (the URL) or domain.
import t from 'tap';
import { parseStormshieldLine } from '../../../../server/inventory/proxy/parse-stormshield.js';

const line = (fields: Record<string, string | undefined>) =>
  Object.entries({
    id: 'firewall', time: '"2026-12-07 09:15:02"', fw: '"SN310A"', tz: '+0100', startime: '"2026-12-07 09:15:01"', pri: '5', confid: '01', slotlevel: '2', ruleid: '12',
    srcif: '"Ethernet1"', src: '10.20.3.14', srcport: '50122', dstif: '"Ethernet0"', dst: '192.0.2.45', dstport: '443', dstportname: 'https', dstname: 'dmp.sante.fr',
    proto: 'https', op: '"CONNECT"', result: '0', arg: '"/dossier?patient=123456"', user: '"jdupont"', domain: '"chu"', action: 'pass', logtype: '"web"',
    ...fields,
  })
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

t.test('a web line: time with its zone, client, name, port; nothing of the user or the URL', async (t) => {
  const parsed = parseStormshieldLine(line({}));
  t.same(parsed, { at: Date.parse('2026-12-07T08:15:02.000Z'), client: '10.20.3.14', host: 'dmp.sante.fr', port: 443, denied: false, sni: false });
  t.notMatch(JSON.stringify(parsed), /jdupont|patient|chu|dossier/);
});

t.test('zones west of Greenwich, blocks, and the address when no name was logged', async (t) => {
  t.match(parseStormshieldLine(line({ tz: '-0330' })), { at: Date.parse('2026-12-07T12:45:02.000Z') });
  t.match(parseStormshieldLine(line({ action: 'block' })), { denied: true });
  t.match(parseStormshieldLine(line({ dstname: undefined })), { host: '192.0.2.45' });
  t.match(parseStormshieldLine(line({ dstname: '""' })), { host: '192.0.2.45' }, 'an empty name falls back to the address');
  t.match(parseStormshieldLine(line({ tz: undefined })), { at: Date.parse('2026-12-07T09:15:02.000Z') }, 'no tz: UTC');
  t.match(parseStormshieldLine(line({ user: '"d\\"upont"' })), { client: '10.20.3.14' }, 'escaped quotes in a value do not shift the fields');
});

t.test('other log types and blank lines are skipped; broken web lines are invalid', async (t) => {
  t.equal(parseStormshieldLine(line({ logtype: '"connection"' })), null);
  t.equal(parseStormshieldLine(line({ logtype: 'filter' })), null);
  t.equal(parseStormshieldLine(''), null);
  t.equal(parseStormshieldLine('   '), null);
  t.equal(parseStormshieldLine('garbage without the marker'), 'invalid');
  t.equal(parseStormshieldLine(line({ time: '"07/12/2026 09:15:02"' })), 'invalid', 'a time not in the SNS format');
  t.equal(parseStormshieldLine(line({ tz: 'CET' })), 'invalid');
  t.equal(parseStormshieldLine(line({ src: undefined })), 'invalid');
  t.equal(parseStormshieldLine(line({ dstname: undefined, dst: undefined })), 'invalid');
  t.equal(parseStormshieldLine(line({ dstport: '0' })), 'invalid');
  t.equal(parseStormshieldLine(line({ dstport: '70000' })), 'invalid');
  t.equal(parseStormshieldLine(line({ dstport: 'https' })), 'invalid');
  t.equal(parseStormshieldLine(line({ time: '"2026-13-45 99:99:99"' })), 'invalid', 'an impossible date');
});
