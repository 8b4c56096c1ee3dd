// dnsmasq's query log (`log-queries` or `log-queries=extra`, `log-facility=FILE`), e.g.
//   Dec  7 00:10:33 dnsmasq[14761]: 2 127.0.0.1/52028 query[A] www.alias.test from 127.0.0.1
//   Dec  7 00:10:33 dnsmasq[14761]: 2 127.0.0.1/52028 config www.alias.test is <CNAME>
//   Dec  7 00:10:33 dnsmasq[14761]: 2 127.0.0.1/52028 config target.cdn.test is 192.0.2.30
// (without `extra`, no serial/client prefix). Answer lines are `reply|cached|config|<hosts file>
// NAME is VALUE`; every address answered within a query belongs to the name that was asked (the
// head of the CNAME chain), which is the name the application connects to. The time has no year
// and is the host's local time. dnsmasq records no process: `pid` is null.
import { normaliseName, type NameObservation } from './name-observation.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const LINE = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) dnsmasq\[\d+\]: (?:(\d+) (\S+) )?(.*)$/;
const QUERY = /^query\[[A-Z0-9]+\] (\S+) from \S+$/;
const ANSWER = /^(\S+) (\S+) is (\S+)$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const IPV6 = /^[0-9a-f:.]+$/i;

/** What a parse remembers between chunks of the same log: the open queries and their chains. */
export interface DnsmasqParseState {
  /** Asked name per query serial (log-queries=extra), most recent last; bounded. */
  bySerial: Map<string, string>;
  /** Without serials: the last name asked and the head of the last CNAME answer. */
  lastAsked: string | null;
  chainHead: string | null;
}

export function newDnsmasqState(): DnsmasqParseState {
  return { bySerial: new Map(), lastAsked: null, chainHead: null };
}

/** The time of a syslog-style stamp, in the year that puts it at most a day after `now`. */
function stampToMs(month: string, day: string, h: string, m: string, s: string, now: Date): number | null {
  const monthIndex = MONTHS.indexOf(month);
  if (monthIndex < 0) return null;
  let year = now.getFullYear();
  let at = new Date(year, monthIndex, Number(day), Number(h), Number(m), Number(s)).getTime();
  if (at > now.getTime() + 86_400_000) {
    year -= 1;
    at = new Date(year, monthIndex, Number(day), Number(h), Number(m), Number(s)).getTime();
  }
  return at;
}

/** Answers in complete lines of dnsmasq's log; unknown lines are skipped. */
export function parseDnsmasqLog(text: string, now: Date, state: DnsmasqParseState = newDnsmasqState()): NameObservation[] {
  const out: NameObservation[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line.trimEnd());
    if (!m) continue;
    const [, month, day, h, min, s, serial, , rest] = m;
    const body = rest ?? '';
    const query = QUERY.exec(body);
    if (query) {
      const name = normaliseName(query[1] ?? '');
      if (serial !== undefined) {
        if (name !== null) state.bySerial.set(serial, name);
        if (state.bySerial.size > 1000) state.bySerial.delete(state.bySerial.keys().next().value as string);
      } else {
        state.lastAsked = name;
        state.chainHead = null;
      }
      continue;
    }
    const answer = ANSWER.exec(body);
    if (!answer) continue;
    const [, verb, rawName, value] = answer;
    if (verb === 'forwarded' || verb === 'query' || verb === 'validation') continue;
    const answered = normaliseName(rawName ?? '');
    if (answered === null) continue;
    let head: string | null;
    if (serial !== undefined) head = state.bySerial.get(serial) ?? answered;
    else if (answered === state.lastAsked) head = answered;
    else head = state.chainHead ?? answered;
    if (value === '<CNAME>') {
      if (serial === undefined) state.chainHead = head;
      continue;
    }
    if (!value || !(IPV4.test(value) || (value.includes(':') && IPV6.test(value)))) continue; // NXDOMAIN, NODATA, <SRV>...
    const at = stampToMs(month ?? '', day ?? '', h ?? '', min ?? '', s ?? '', now);
    if (at === null) continue;
    const previous = out[out.length - 1];
    if (previous && previous.name === head && previous.at === at) previous.addresses.push(value);
    else out.push({ name: head, addresses: [value], at, pid: null, source: 'dnsmasq-log' });
  }
  return out;
}
