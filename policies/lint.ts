// NET-02: server-side lint of an allowlist file (PA-066 R24; PGSSI-S 4.3.2.5, 4.3.2.6).
// Each finding names the file, the line (from the YAML node ranges) and the reason:
// - owner / purpose missing or blank; any schema violation of an entry;
// - IPv4 CIDR wider than /24, IPv6 wider than /48, and 0.0.0.0/0 or ::/0 in any form;
// - a wildcard anywhere but as the whole leftmost label, or directly under a registrable
//   domain (`*.example.fr`) or a public suffix (`*.fr`), unless `exception: true` with a
//   justification (deeper wildcards such as `*.cdn.vendor.fr` are accepted);
// - expires_at - approved_at over 365 days, or expiry before approval;
// - a URL prefix that does not canonicalise (userinfo, bad scheme, ambiguous encoding);
// - duplicate entry ids.
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve as resolvePath } from 'node:path';
import { Compile } from 'typebox/compile';
import { getDomain, getPublicSuffix } from 'tldts';
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { ALLOWLIST_MAX_BYTES, AllowlistEntrySchema, canonicalHost, canonicalUrl, parseCidr, type AllowlistEntry } from './allowlist.js';
import { HOST_ROLES } from './evidence.js';
import { loadPackFile, loadSiteOverlayFile, packFor, PackError } from './pack.js';

export const MAX_APPROVAL_DAYS = 365;
export const MIN_IPV4_PREFIX = 24;
export const MIN_IPV6_PREFIX = 48;
/** Findings beyond this are dropped (a summary finding says so). */
export const MAX_FINDINGS = 1000;

export interface LintFinding {
  file: string;
  /** 1-based line of the offending node (the entry, or its field when known). */
  line: number;
  entry_id: string | null;
  code: string;
  reason: string;
}

const entryValidator = Compile(AllowlistEntrySchema);
const DAY_MS = 86_400_000;

/** Lints allowlist YAML text (`entries: [...]`); `file` is only used in the findings. */
export function lintAllowlistText(text: string, file: string): LintFinding[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const lineOf = (node: unknown, fallback = 1): number => {
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    return range ? lineCounter.linePos(range[0]).line : fallback;
  };
  if (doc.errors.length > 0) {
    return doc.errors.slice(0, 10).map((e) => ({
      file,
      line: lineCounter.linePos(e.pos[0]).line,
      entry_id: null,
      code: 'yaml',
      reason: e.message.split('\n')[0] ?? 'invalid YAML',
    }));
  }
  const entries = isMap(doc.contents) ? doc.contents.get('entries', true) : undefined;
  if (!isSeq(entries)) {
    return [{ file, line: lineOf(doc.contents), entry_id: null, code: 'schema', reason: 'the file must be a map with an "entries" list' }];
  }
  return lintEntrySeq(entries, file, lineOf);
}

/** Lints the items of a YAML sequence of allowlist entries (an allowlist file's `entries`, a pack's `allowlist`). */
function lintEntrySeq(entries: { items: unknown[] }, file: string, lineOf: (node: unknown, fallback?: number) => number): LintFinding[] {
  const findings: LintFinding[] = [];
  const seen = new Map<string, number>();
  for (const item of entries.items.slice(0, 100_000)) {
    const entryLine = lineOf(item);
    const fieldLine = (...path: (string | number)[]): number =>
      isMap(item) ? lineOf((item as unknown as { getIn(p: unknown[], keep: boolean): Node | undefined }).getIn(path, true), entryLine) : entryLine;
    const data = (item as Node).toJSON() as unknown;
    const id = typeof (data as { id?: unknown })?.id === 'string' ? (data as { id: string }).id : null;
    const add = (code: string, reason: string, line = entryLine) => findings.push({ file, line, entry_id: id, code, reason });

    for (const key of ['owner', 'purpose'] as const) {
      const value = (data as Record<string, unknown> | null)?.[key];
      if (typeof value !== 'string' || value.trim() === '') add(`missing-${key}`, `${key} is missing or blank`, fieldLine(key));
    }
    if (id !== null) {
      const first = seen.get(id);
      if (first !== undefined) add('duplicate-id', `id ${id} already used at line ${first}`, fieldLine('id'));
      else seen.set(id, entryLine);
    }
    if (!entryValidator.Check(data)) {
      for (const error of entryValidator.Errors(data).slice(0, 3)) {
        const path = error.instancePath.split('/').slice(1);
        if (path.length === 1 && (path[0] === 'owner' || path[0] === 'purpose')) continue;
        const missing = (error.params as { requiredProperties?: string[] }).requiredProperties;
        const ownerOrPurposeOnly = missing?.every((m) => m === 'owner' || m === 'purpose');
        if (ownerOrPurposeOnly) continue;
        add('schema', `${error.instancePath || '/'}: ${missing ? `missing ${missing.join(', ')}` : error.message}`, fieldLine(...path));
      }
      continue;
    }
    lintEntry(data, add, fieldLine);
    if (findings.length >= MAX_FINDINGS) {
      findings.push({ file, line: entryLine, entry_id: null, code: 'too-many-findings', reason: `stopped after ${MAX_FINDINGS} findings` });
      break;
    }
  }
  return findings;
}

function lintEntry(
  entry: AllowlistEntry,
  add: (code: string, reason: string, line?: number) => void,
  fieldLine: (...path: (string | number)[]) => number,
): void {
  const m = entry.match;
  if ('cidr' in m) {
    const line = fieldLine('match', 'cidr');
    const cidr = parseCidr(m.cidr);
    if (!cidr.ok) add('cidr-invalid', cidr.reason, line);
    else if (cidr.value.prefix === 0) add('cidr-any', `${m.cidr} allows every address`, line);
    else if (cidr.value.ip.kind() === 'ipv4' && cidr.value.prefix < MIN_IPV4_PREFIX) {
      add('cidr-too-wide', `${m.cidr} is wider than /${MIN_IPV4_PREFIX}`, line);
    } else if (cidr.value.ip.kind() === 'ipv6' && cidr.value.prefix < MIN_IPV6_PREFIX) {
      add('cidr-too-wide', `${m.cidr} is wider than /${MIN_IPV6_PREFIX}`, line);
    }
  } else if ('fqdn' in m) {
    const line = fieldLine('match', 'fqdn');
    const wildcard = m.fqdn.startsWith('*.');
    const rest = wildcard ? m.fqdn.slice(2) : m.fqdn;
    if (rest.includes('*')) add('wildcard-form', `${m.fqdn}: a wildcard is allowed only as the whole leftmost label`, line);
    const host = canonicalHost(rest.replace(/\*/g, 'x'));
    if (!host.ok) add('fqdn-invalid', host.reason, line);
    else if (wildcard && host.value.ip === null) {
      const zone = host.value.host;
      const registrable = getDomain(zone, { allowPrivateDomains: true });
      const suffix = getPublicSuffix(zone, { allowPrivateDomains: true });
      const tooWide = zone === suffix || registrable === null || zone === registrable;
      const excused = entry.exception === true && (entry.justification ?? '').trim() !== '';
      if (tooWide && !excused) {
        add(
          'wildcard-registrable',
          `${m.fqdn} is a wildcard directly under ${zone === suffix || registrable === null ? 'a public suffix' : 'the registrable domain'} ${zone}: list exact FQDNs (or set exception: true with a justification)`,
          line,
        );
      }
    }
  } else {
    const url = canonicalUrl(m.url_prefix);
    if (!url.ok) add('url-invalid', url.reason, fieldLine('match', 'url_prefix'));
  }
  if (entry.exception === true && (entry.justification ?? '').trim() === '') {
    add('exception-without-justification', 'exception: true needs a justification', fieldLine('exception'));
  }
  const approved = Date.parse(entry.approved_at);
  const expires = Date.parse(entry.expires_at);
  if (expires < approved) add('expiry-before-approval', `expires_at ${entry.expires_at} is before approved_at ${entry.approved_at}`, fieldLine('expires_at'));
  else if (expires - approved > MAX_APPROVAL_DAYS * DAY_MS) {
    const days = Math.ceil((expires - approved) / DAY_MS);
    add('expiry-too-long', `expires ${days} days after approval (max ${MAX_APPROVAL_DAYS})`, fieldLine('expires_at'));
  }
}

/** Lints an allowlist file on disk. */
export function lintAllowlistFile(path: string): LintFinding[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return [{ file: path, line: 1, entry_id: null, code: 'io', reason: `cannot read file: ${(error as Error).message}` }];
  }
  return lintAllowlistText(text, path);
}

/** What a policy file is, from its top-level keys. */
export type PolicyFileKind = 'allowlist' | 'pack' | 'overlay';

/**
 * Lints any policy file: an allowlist file (`entries:`), a pack (`id:` + `version:`) or a site
 * overlay (`site:`). For packs and overlays: NET-02 lint of the inline `allowlist` and of every
 * `allowlist_files` file, plus what loading the file reports (schema, extends, rule parameters),
 * as findings with code `load`.
 */
export function lintPolicyFile(path: string): { kind: PolicyFileKind | null; findings: LintFinding[] } {
  let text: string;
  try {
    if (statSync(path).size > ALLOWLIST_MAX_BYTES) {
      return { kind: null, findings: [{ file: path, line: 1, entry_id: null, code: 'io', reason: `file larger than ${ALLOWLIST_MAX_BYTES} bytes` }] };
    }
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { kind: null, findings: [{ file: path, line: 1, entry_id: null, code: 'io', reason: `cannot read file: ${(error as Error).message}` }] };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) return { kind: null, findings: lintAllowlistText(text, path) };
  const root = doc.contents;
  if (!isMap(root)) {
    return { kind: null, findings: [{ file: path, line: 1, entry_id: null, code: 'schema', reason: 'not an allowlist (entries:), a pack (id:, version:) or a site overlay (site:)' }] };
  }
  if (root.has('entries')) return { kind: 'allowlist', findings: lintAllowlistText(text, path) };
  const kind: PolicyFileKind | null = root.has('site') ? 'overlay' : root.has('id') && root.has('version') ? 'pack' : null;
  if (kind === null) {
    return { kind, findings: [{ file: path, line: 1, entry_id: null, code: 'schema', reason: 'not an allowlist (entries:), a pack (id:, version:) or a site overlay (site:)' }] };
  }
  const lineOf = (node: unknown, fallback = 1): number => {
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    return range ? lineCounter.linePos(range[0]).line : fallback;
  };
  const findings: LintFinding[] = [];
  const inline = root.get('allowlist', true);
  if (inline !== undefined) {
    if (isSeq(inline)) findings.push(...lintEntrySeq(inline, path, lineOf));
    else findings.push({ file: path, line: lineOf(inline), entry_id: null, code: 'schema', reason: 'allowlist must be a list of entries' });
  }
  const files = root.get('allowlist_files', true);
  if (isSeq(files)) {
    for (const item of files.items.slice(0, 64)) {
      const relative = (item as Node).toJSON() as unknown;
      if (typeof relative !== 'string' || isAbsolute(relative)) continue; // the load finding below says why
      findings.push(...lintAllowlistFile(resolvePath(dirname(path), relative)));
    }
  }
  try {
    if (kind === 'pack') loadPackFile(path);
    else {
      // Apply the overlay to every shipped role pack, as the server does at start: a parameter
      // that does not fit a rule is a finding here, not a refusal to start later.
      const overlay = loadSiteOverlayFile(path);
      const overlays = new Map([[overlay.site, overlay]]);
      for (const role of HOST_ROLES) packFor(role, overlay.site, undefined, overlays);
    }
  } catch (error) {
    if (!(error instanceof PackError)) throw error;
    // Entry problems are already reported above, with their own codes and lines.
    const aboutEntries = /^\/allowlist(\/|_files\/\d+: .*: \/)/.test(error.reason) && findings.length > 0;
    if (!aboutEntries) {
      const line = /\(line (\d+)\)|at line (\d+)/.exec(error.reason);
      findings.push({ file: error.file, line: Number(line?.[1] ?? line?.[2] ?? 1), entry_id: null, code: 'load', reason: error.reason });
    }
  }
  return { kind, findings };
}

/** `file:line: [code] reason` — the format `vigie policy lint` prints. */
export function formatFinding(finding: LintFinding): string {
  return `${finding.file}:${finding.line}: [${finding.code}] ${finding.entry_id !== null ? `${finding.entry_id}: ` : ''}${finding.reason}`;
}
