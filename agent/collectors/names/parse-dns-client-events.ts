// Windows DNS answers from event XML, as `wevtutil qe CHANNEL /q:... /f:xml` prints it (events
// concatenated, or wrapped in <Events> with /e:Events):
// - DNS Client (Microsoft-Windows-DNS-Client/Operational) event 3008 "query completed": the
//   calling process in <Execution ProcessID=...>, QueryName, QueryStatus, QueryResults;
// - Sysmon event 22 (DnsQuery): ProcessId, UtcTime, QueryName, QueryStatus, QueryResults, Image.
// QueryResults reads `type:  5 edge.cdn.net;::ffff:192.0.2.7;2001:db8::7;`: CNAME targets as
// `type: N name`, IPv4 answers as IPv4-mapped IPv6. The XML form (not RenderedXml's message)
// is language-neutral; a French host differs only in the rendered message, which is ignored.
// Each event's EventRecordID is returned so the caller reads from a cursor.
import { normaliseAddress, normaliseName, type NameObservation } from './name-observation.js';

const EVENT = /<Event[\s>][\s\S]*?<\/Event>/g;
const MAX_EVENTS = 20_000;

function decodeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&amp;/g, '&');
}

function dataField(event: string, name: string): string | null {
  const m = new RegExp(`<Data Name=['"]${name}['"]\\s*(?:/>|>([\\s\\S]*?)</Data>)`).exec(event);
  if (!m) return null;
  return decodeXml(m[1] ?? '');
}

function systemAttribute(event: string, element: string, attribute: string): string | null {
  const m = new RegExp(`<${element}\\b[^>]*\\b${attribute}=['"]([^'"]*)['"]`).exec(event);
  return m ? decodeXml(m[1]!) : null;
}

function systemText(event: string, element: string): string | null {
  const m = new RegExp(`<${element}>([^<]*)</${element}>`).exec(event);
  return m ? decodeXml(m[1]!) : null;
}

/** Addresses of a QueryResults string (CNAME `type:` entries skipped). */
export function queryResultAddresses(results: string): string[] {
  const addresses: string[] = [];
  for (const part of results.split(';')) {
    const item = part.trim();
    if (item === '' || item.startsWith('type:')) continue;
    const address = normaliseAddress(item);
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(address) || /^[0-9a-f:]+$/.test(address)) addresses.push(address);
  }
  return addresses;
}

export interface DnsEventRead {
  observations: NameObservation[];
  /** The highest EventRecordID read (the next cursor); null when no event was read. */
  lastRecordId: number | null;
  events: number;
}

/** Reads 3008 and Sysmon 22 events; other events, failed queries and answers without addresses are skipped. */
export function parseDnsClientEvents(xml: string): DnsEventRead {
  const observations: NameObservation[] = [];
  let lastRecordId: number | null = null;
  let events = 0;
  for (const match of xml.matchAll(EVENT)) {
    if (events >= MAX_EVENTS) break;
    events += 1;
    const event = match[0];
    const recordId = Number(systemText(event, 'EventRecordID'));
    if (Number.isSafeInteger(recordId) && (lastRecordId === null || recordId > lastRecordId)) lastRecordId = recordId;
    const id = Number(systemText(event, 'EventID'));
    let pid: number | null;
    let at: number;
    let source: NameObservation['source'];
    if (id === 3008) {
      pid = Number(systemAttribute(event, 'Execution', 'ProcessID'));
      at = Date.parse(systemAttribute(event, 'TimeCreated', 'SystemTime') ?? '');
      source = 'dns-client-event';
    } else if (id === 22 && /Microsoft-Windows-Sysmon/.test(event)) {
      pid = Number(dataField(event, 'ProcessId'));
      // Sysmon prints UtcTime as "2026-12-07 08:15:02.451" (UTC, no zone mark).
      const utc = dataField(event, 'UtcTime');
      at = utc ? Date.parse(`${utc.replace(' ', 'T')}Z`) : Date.parse(systemAttribute(event, 'TimeCreated', 'SystemTime') ?? '');
      source = 'sysmon-dns';
    } else {
      continue;
    }
    if (Number(dataField(event, 'QueryStatus') ?? '-1') !== 0) continue;
    const name = normaliseName(dataField(event, 'QueryName') ?? '');
    if (name === null || Number.isNaN(at)) continue;
    const addresses = queryResultAddresses(dataField(event, 'QueryResults') ?? '');
    if (addresses.length === 0) continue;
    observations.push({ name, addresses, at, pid: Number.isInteger(pid) && pid > 0 ? pid : null, source });
  }
  return { observations, lastRecordId, events };
}
