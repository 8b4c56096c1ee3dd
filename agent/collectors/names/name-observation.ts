// A DNS answer seen on the host, whatever the source (dnsmasq log, systemd-resolved monitor,
// Windows DNS Client event 3008, Sysmon 22, the Windows cache): the name asked, the addresses
// answered, when, and by which process when the source says. Never a name from reverse DNS.
import { domainToASCII } from 'node:url';
import type { NameConfidence, NameSource } from '../../../policies/evidence.js';

export interface NameObservation {
  /** The name the application asked (the head of any CNAME chain), lower case, no trailing dot. */
  name: string;
  /** Answer addresses as the resolver printed them (IPv4 dotted quad or IPv6). */
  addresses: string[];
  /** When the answer was given, in ms since the epoch; null for a cache snapshot (no time). */
  at: number | null;
  /** The process that asked, when the source records it (Windows events); null otherwise. */
  pid: number | null;
  source: NameSource;
}

/** Lower case, one trailing dot removed; null when it is not a plausible DNS name. */
export function normaliseName(raw: string): string | null {
  let name = raw.trim().toLowerCase().replace(/\.$/, '');
  // Windows events print IDN names in Unicode; the allowlist compares A-labels (punycode).
  if (/[^\x00-\x7f]/.test(name)) name = domainToASCII(name);
  if (name.length === 0 || name.length > 253) return null;
  if (!/^[a-z0-9_*-]+(\.[a-z0-9_-]+)*$/.test(name)) return null;
  // Reverse-lookup names are never taken as the name of a destination.
  if (name.endsWith('.in-addr.arpa') || name.endsWith('.ip6.arpa')) return null;
  return name;
}

/** Canonical text of an answer address: IPv4-mapped IPv6 (::ffff:a.b.c.d, as Windows prints it) becomes IPv4. */
export function normaliseAddress(raw: string): string {
  const text = raw.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  return mapped ? mapped[1]! : text;
}

export type { NameConfidence, NameSource };
