// Policy packs: YAML files an auditor can read, validated by TypeBox, resolved through `extends`.
//
// A pack file (PackFileSchema) holds:
//   id, version, title {fr,en}, roles (the host roles it is the pack for; empty for abstract packs
//   such as `base`), extends [pack ids], parameters (pack-wide), rules (full rule definitions) and
//   overrides (partial changes to inherited rules: severity, escalation, applies_to, parameters).
// Resolution: parents are merged in `extends` order (a later parent wins), then the pack's own
// parameters, rules and overrides. Pack parameters and rule `parameters` merge key by key
// (shallow: an array given in an override replaces the inherited array whole).
// A pack's file name must be `<id>.yaml`; `extends` ids are looked up as files of that name.
//
// Allowlists: a pack carries entries inline (`allowlist:`) and/or in files (`allowlist_files:`,
// paths relative to the pack file, `entries: [...]` as in allowlist.ts). Entries merge along
// `extends` by id (a later parent wins, the pack's own entries win over inherited ones); two own
// entries with one id are an error. Loading validates the schema and that every entry compiles;
// hygiene (NET-02: /24, wildcard, 365 days...) is `vigie policy lint`'s job. The compiled index is
// cached per resolved allowlist (allowlistIndexOf) and judged at `now` by evaluate.
//
// Site overlays (SiteOverlayFileSchema, one YAML file per site named `<site>.yaml`) adjust the
// role packs for one site: pack-wide parameters, rule parameters (replace, or `append` to a list
// such as allowed_listeners; `roles` limits an override to some role packs) and allowlist entries.
// packFor(role, site, packs, overlays) returns the role pack with the site's overlay applied
// (cached), and records the overlay (site + version) in the pack so verdicts can be traced.
//
// Gateway escalation (the catalogue's ⇑ tag): `escalate_on_gateway: true` raises the severity
// on role `telemaintenance-gateway` to `gateway_severity`, which defaults to `critical`
// (WIFI-01 "medium (⇑ critical)" is `severity: medium, escalate_on_gateway: true`).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { LineCounter, parseDocument } from 'yaml';
import {
  AllowlistError,
  compileAllowlistIndex,
  compileNetworks,
  loadAllowlistFile,
  parseCidr,
  type AllowlistEntry,
  type AllowlistIndex,
  type NetworkSet,
} from './allowlist.js';
import type { HostRole } from './evidence.js';
import type { Severity } from './verdict.js';
import { RULE_REGISTRY } from './rules/registry.js';

import {
  strict,
  PACK_MAX_BYTES,
  PACK_MAX_EXTENDS_DEPTH,
  PACK_MAX_ALLOWLIST_ENTRIES,
  BilingualText,
  RuleId,
  Roles,
  type Reference,
  PackParametersFileSchema,
  type PackParameters,
  RuleParameters,
  InlineAllowlist,
  AllowlistFiles,
  PackFileSchema,
  type PackFile,
  type RuleConfig,
  SiteName,
  type Pack,
} from './pack-schema.js';

export * from './pack-schema.js';

/** A bad pack: names the file and says what is wrong (with the line when it is known). */
export class PackError extends Error {
  readonly file: string;
  readonly reason: string;
  constructor(file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'PackError';
    this.file = file;
    this.reason = reason;
  }
}

const packFileValidator = Compile(PackFileSchema);

/** Directory of the packs shipped with Vigie. */
export const SHIPPED_PACKS_DIR = fileURLToPath(new URL('./packs/', import.meta.url));

const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** Reads and validates one pack file, without resolving `extends`. */
export function parsePackFile(path: string): PackFile {
  const data = readValidatedYaml(path, packFileValidator);
  if (basename(path) !== `${data.id}.yaml`) {
    throw new PackError(path, `pack id "${data.id}" must match the file name (expected ${data.id}.yaml)`);
  }
  return data;
}

/** Reads a YAML file (bounded) and checks it against a compiled schema; errors name the line. */
function readValidatedYaml<T>(path: string, validator: { Check(v: unknown): v is T; Errors(v: unknown): { instancePath: string; keyword: string; message: string; params: unknown }[] }): T {
  let text: string;
  try {
    if (statSync(path).size > PACK_MAX_BYTES) throw new PackError(path, `file larger than ${PACK_MAX_BYTES} bytes`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof PackError) throw error;
    throw new PackError(path, `cannot read file: ${(error as Error).message}`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const line = lineCounter.linePos(yamlError.pos[0]).line;
    throw new PackError(path, `invalid YAML at line ${line}: ${yamlError.message.split('\n')[0]}`);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new PackError(path, `invalid YAML: ${(error as Error).message}`);
  }
  if (!validator.Check(data)) {
    const first = validator.Errors(data)[0];
    const where = first?.instancePath ?? '';
    const node = doc.getIn(pointerSegments(where), true) as { range?: [number, number, number] } | undefined;
    const line = node?.range ? lineCounter.linePos(node.range[0]).line : null;
    const detail = describeSchemaError(first, where);
    throw new PackError(path, `${where || '/'}${line !== null ? ` (line ${line})` : ''}: ${detail}`);
  }
  return data;
}

function pointerSegments(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describeSchemaError(error: { keyword: string; message: string; params: unknown } | undefined, where: string): string {
  if (!error) return 'does not match the pack schema';
  // TypeBox reports a field refused by additionalProperties: false as "schema is false" at its path.
  if (error.keyword === 'boolean') return `unknown field(s) ${where.split('/').pop() ?? ''}`;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required' && Array.isArray(params['requiredProperties'])) {
    return `missing field(s) ${(params['requiredProperties'] as string[]).join(', ')}`;
  }
  if (error.keyword === 'additionalProperties' && Array.isArray(params['additionalProperties'])) {
    return `unknown field(s) ${(params['additionalProperties'] as string[]).join(', ')}`;
  }
  return error.message;
}

/** Loads packs by id from a list of directories (first match wins), resolving `extends`. */
class PackResolver {
  private readonly resolved = new Map<string, Pack>();
  private readonly files = new Map<string, { path: string; file: PackFile }>();

  constructor(private readonly searchDirs: readonly string[]) {}

  /** Registers an already-parsed file so its id resolves to it. */
  add(path: string, file: PackFile): void {
    this.files.set(file.id, { path, file });
  }

  resolve(id: string, requiredBy: string | null, stack: readonly string[] = []): Pack {
    const done = this.resolved.get(id);
    if (done) return done;
    const entry = this.find(id, requiredBy);
    if (stack.includes(id)) {
      throw new PackError(entry.path, `extends cycle: ${[...stack, id].join(' -> ')}`);
    }
    if (stack.length >= PACK_MAX_EXTENDS_DEPTH) {
      throw new PackError(entry.path, `extends chain deeper than ${PACK_MAX_EXTENDS_DEPTH}`);
    }
    const parents = (entry.file.extends ?? []).map((parent) => this.resolve(parent, entry.path, [...stack, id]));
    const pack = mergePack(entry.path, entry.file, parents);
    this.resolved.set(id, pack);
    return pack;
  }

  private find(id: string, requiredBy: string | null): { path: string; file: PackFile } {
    const known = this.files.get(id);
    if (known) return known;
    for (const dir of this.searchDirs) {
      const path = join(dir, `${id}.yaml`);
      let exists = false;
      try {
        exists = statSync(path).isFile();
      } catch {
        exists = false;
      }
      if (exists) {
        const entry = { path, file: parsePackFile(path) };
        this.files.set(id, entry);
        return entry;
      }
    }
    throw new PackError(requiredBy ?? id, `extends unknown pack "${id}" (looked in ${this.searchDirs.join(', ')})`);
  }
}

/** Reads the allowlist files named by a pack or overlay (paths relative to it). */
function readAllowlistFiles(path: string, files: readonly string[] | undefined): { entries: AllowlistEntry[]; source: string }[] {
  return (files ?? []).map((relative, index) => {
    if (isAbsolute(relative)) throw new PackError(path, `/allowlist_files/${index}: ${relative} must be relative to the pack file`);
    const file = resolvePath(dirname(path), relative);
    try {
      return { entries: loadAllowlistFile(file), source: relative };
    } catch (error) {
      if (error instanceof AllowlistError) throw new PackError(path, `/allowlist_files/${index}: ${error.message}`);
      throw error;
    }
  });
}

/**
 * Merges allowlists: `inherited` lists in order (a later one replaces entries of the same id),
 * then `own` groups, which may not repeat an id among themselves.
 */
function mergeAllowlist(
  path: string,
  inherited: readonly (readonly AllowlistEntry[])[],
  own: readonly { entries: readonly AllowlistEntry[]; source: string }[],
): AllowlistEntry[] {
  const merged = new Map<string, AllowlistEntry>();
  for (const list of inherited) for (const entry of list) merged.set(entry.id, entry);
  const ownSource = new Map<string, string>();
  for (const group of own) {
    for (const entry of group.entries) {
      const first = ownSource.get(entry.id);
      if (first !== undefined) {
        throw new PackError(path, `allowlist entry ${entry.id} is defined twice (${first} and ${group.source})`);
      }
      ownSource.set(entry.id, group.source);
      merged.set(entry.id, structuredClone(entry));
    }
  }
  if (merged.size > PACK_MAX_ALLOWLIST_ENTRIES) {
    throw new PackError(path, `more than ${PACK_MAX_ALLOWLIST_ENTRIES} allowlist entries`);
  }
  return [...merged.values()];
}

function checkInternalNetworks(path: string, cidrs: readonly string[]): void {
  for (const [index, cidr] of cidrs.entries()) {
    const parsed = parseCidr(cidr);
    if (!parsed.ok) throw new PackError(path, `/parameters/internal_networks/${index}: ${parsed.reason}`);
  }
}

const indexCache = new WeakMap<readonly AllowlistEntry[], AllowlistIndex>();

/** The compiled allowlist index of a pack, compiled once per allowlist array (packs are immutable). */
export function allowlistIndexOf(pack: Pack): AllowlistIndex {
  let index = indexCache.get(pack.allowlist);
  if (!index) {
    index = compileAllowlistIndex(pack.allowlist);
    indexCache.set(pack.allowlist, index);
  }
  return index;
}

const networksCache = new WeakMap<readonly string[], NetworkSet>();

/** The pack's internal_networks compiled once (packs are immutable once loaded). */
export function internalNetworksOf(pack: Pack): NetworkSet {
  let set = networksCache.get(pack.parameters.internal_networks);
  if (!set) {
    set = compileNetworks(pack.parameters.internal_networks);
    networksCache.set(pack.parameters.internal_networks, set);
  }
  return set;
}

/** Compiles (and caches) a pack's allowlist; an entry that cannot match anything is a load error. */
function checkAllowlistCompiles(path: string, pack: Pack): void {
  const { rejected } = allowlistIndexOf(pack);
  if (rejected.length > 0) {
    const shown = rejected.slice(0, 5).map((r) => `${r.id}: ${r.reason}`);
    throw new PackError(path, `allowlist entries that cannot be compiled: ${shown.join('; ')}${rejected.length > 5 ? ` (and ${rejected.length - 5} more)` : ''}`);
  }
}

function mergePack(path: string, file: PackFile, parents: readonly Pack[]): Pack {
  const parameters: Partial<PackParameters> = {};
  const rules = new Map<string, RuleConfig>();
  for (const parent of parents) {
    Object.assign(parameters, parent.parameters);
    for (const rule of parent.rules) rules.set(rule.id, structuredClone(rule));
  }
  for (const [key, value] of Object.entries(file.parameters ?? {})) {
    if (value !== undefined) Object.assign(parameters, { [key]: value });
  }

  const own = new Set<string>();
  for (const [index, rule] of (file.rules ?? []).entries()) {
    if (own.has(rule.id)) throw new PackError(path, `/rules/${index}: rule ${rule.id} is defined twice`);
    if (rules.has(rule.id)) {
      throw new PackError(path, `/rules/${index}: rule ${rule.id} is inherited; change it under "overrides"`);
    }
    own.add(rule.id);
    const { gateway_severity, ...rest } = rule;
    rules.set(rule.id, { ...structuredClone(rest), gateway_severity: gateway_severity ?? null });
    if (gateway_severity !== undefined && !rule.escalate_on_gateway) {
      throw new PackError(path, `/rules/${index}: rule ${rule.id} has gateway_severity but escalate_on_gateway is false`);
    }
  }

  const overridden = new Set<string>();
  for (const [index, override] of (file.overrides ?? []).entries()) {
    const base = rules.get(override.id);
    if (!base) throw new PackError(path, `/overrides/${index}: rule ${override.id} is neither inherited nor defined here`);
    if (overridden.has(override.id)) throw new PackError(path, `/overrides/${index}: rule ${override.id} is overridden twice`);
    overridden.add(override.id);
    if (override.severity !== undefined) base.severity = override.severity;
    if (override.escalate_on_gateway !== undefined) {
      base.escalate_on_gateway = override.escalate_on_gateway;
      // Turning escalation off drops the inherited target; turning it on re-defaults it.
      base.gateway_severity = null;
    }
    if (override.gateway_severity !== undefined) base.gateway_severity = override.gateway_severity;
    if (override.applies_to !== undefined) base.applies_to = [...override.applies_to];
    if (override.parameters !== undefined) base.parameters = { ...base.parameters, ...structuredClone(override.parameters) };
  }

  for (const rule of rules.values()) finalizeRule(path, rule);

  if (parameters.evidence_max_age_hours === undefined) {
    throw new PackError(path, 'missing pack parameter evidence_max_age_hours (set it here or in an extended pack)');
  }
  if (parameters.local_business_data === undefined) {
    throw new PackError(path, 'missing pack parameter local_business_data (set it here or in an extended pack)');
  }
  if (parameters.internal_networks === undefined) {
    throw new PackError(path, 'missing pack parameter internal_networks (set it here or in an extended pack)');
  }
  checkInternalNetworks(path, parameters.internal_networks);
  const chain = parents.flatMap((p) => [p.id, ...p.extends]);
  const allowlist = mergeAllowlist(
    path,
    parents.map((p) => p.allowlist),
    [{ entries: file.allowlist ?? [], source: 'allowlist' }, ...readAllowlistFiles(path, file.allowlist_files)],
  );
  const pack: Pack = {
    id: file.id,
    version: file.version,
    title: file.title,
    roles: [...file.roles],
    extends: [...new Set(chain)],
    parameters: {
      evidence_max_age_hours: parameters.evidence_max_age_hours,
      local_business_data: parameters.local_business_data,
      internal_networks: [...parameters.internal_networks],
    },
    rules: [...rules.values()].sort((a, b) => a.id.localeCompare(b.id)),
    allowlist,
    overlay: null,
  };
  checkAllowlistCompiles(path, pack);
  return pack;
}

/** Checks what only a complete rule can show: an implementation exists, parameters fit it. */
function finalizeRule(path: string, rule: RuleConfig): void {
  const implementation = RULE_REGISTRY.get(rule.id);
  if (!implementation) {
    throw new PackError(path, `rule ${rule.id} has no implementation (known: ${[...RULE_REGISTRY.keys()].join(', ')})`);
  }
  if (rule.escalate_on_gateway) {
    rule.gateway_severity ??= 'critical';
    if (SEVERITY_RANK[rule.gateway_severity] < SEVERITY_RANK[rule.severity]) {
      throw new PackError(path, `rule ${rule.id}: gateway_severity ${rule.gateway_severity} is lower than severity ${rule.severity}`);
    }
  } else if (rule.gateway_severity !== null) {
    throw new PackError(path, `rule ${rule.id} has gateway_severity but escalate_on_gateway is false`);
  }
  const errors = implementation.parameterErrors(rule.parameters);
  if (errors.length > 0) throw new PackError(path, `rule ${rule.id}: ${errors.join('; ')}`);
}

export interface LoadPackOptions {
  /** Where `extends` ids are looked up; default: the file's own directory, then the shipped packs. */
  searchDirs?: readonly string[];
}

/** Loads one pack file and resolves its `extends`. Throws PackError with the file and the reason. */
export function loadPackFile(path: string, options: LoadPackOptions = {}): Pack {
  const file = parsePackFile(path);
  const resolver = new PackResolver(options.searchDirs ?? [dirname(path), SHIPPED_PACKS_DIR]);
  resolver.add(path, file);
  return resolver.resolve(file.id, null);
}

/** Loads every `*.yaml` pack of a directory, keyed by pack id; `extends` resolve within it. */
export function loadPackDirectory(dir: string): Map<string, Pack> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort();
  } catch (error) {
    throw new PackError(dir, `cannot list pack directory: ${(error as Error).message}`);
  }
  if (names.length > 500) throw new PackError(dir, 'more than 500 pack files');
  const resolver = new PackResolver([dir]);
  const files = names.map((name) => {
    const path = join(dir, name);
    const file = parsePackFile(path);
    resolver.add(path, file);
    return file;
  });
  const packs = new Map<string, Pack>();
  for (const file of files) packs.set(file.id, resolver.resolve(file.id, null));
  return packs;
}

/** The packs shipped in policies/packs/, keyed by pack id. */
export function loadShippedPacks(): Map<string, Pack> {
  return loadPackDirectory(SHIPPED_PACKS_DIR);
}

let shippedCache: Map<string, Pack> | null = null;

/** The pack whose `roles` lists this role (exactly one must); shipped packs by default. */
export function packForRole(role: HostRole, packs?: Map<string, Pack>): Pack {
  const source = packs ?? (shippedCache ??= loadShippedPacks());
  const matches = [...source.values()].filter((p) => p.roles.includes(role));
  if (matches.length !== 1) {
    throw new Error(
      matches.length === 0
        ? `no pack declares role ${role}`
        : `several packs declare role ${role}: ${matches.map((p) => p.id).join(', ')}`,
    );
  }
  return matches[0] as Pack;
}

// ---------------------------------------------------------------- site overlays

/** A change an overlay makes to a rule's parameters, on every role pack or only on `roles`. */
export const OverlayOverrideSchema = Type.Object(
  {
    id: RuleId,
    /** Only these role packs (default: every role pack that has the rule). */
    roles: Type.Optional(Roles(1)),
    /** Keys replace the pack's keys (an array replaces the pack's array whole). */
    parameters: Type.Optional(RuleParameters),
    /** Items appended to a list parameter of the pack (e.g. extra allowed_listeners). */
    append: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Array(Type.Unknown(), { maxItems: 1000 }))),
  },
  strict,
);
export type OverlayOverride = Static<typeof OverlayOverrideSchema>;

/** The YAML format of a site overlay (`<site>.yaml`). */
export const SiteOverlayFileSchema = Type.Object(
  {
    site: SiteName,
    version: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    title: Type.Optional(BilingualText(200)),
    parameters: Type.Optional(PackParametersFileSchema),
    overrides: Type.Optional(Type.Array(OverlayOverrideSchema, { maxItems: 200 })),
    allowlist: Type.Optional(InlineAllowlist),
    allowlist_files: Type.Optional(AllowlistFiles),
  },
  strict,
);
export type SiteOverlayFile = Static<typeof SiteOverlayFileSchema>;

/** A loaded overlay: allowlist files read and merged with the inline entries. */
export interface SiteOverlay {
  file: string;
  site: string;
  version: number;
  parameters: Static<typeof PackParametersFileSchema>;
  overrides: OverlayOverride[];
  allowlist: AllowlistEntry[];
}

const overlayFileValidator = Compile(SiteOverlayFileSchema);

/** Reads and validates a site overlay; rule parameters are checked when applied (packFor). */
export function loadSiteOverlayFile(path: string): SiteOverlay {
  const data = readValidatedYaml(path, overlayFileValidator);
  if (basename(path) !== `${data.site}.yaml`) {
    throw new PackError(path, `site "${data.site}" must match the file name (expected ${data.site}.yaml)`);
  }
  const overrides = data.overrides ?? [];
  for (const [index, override] of overrides.entries()) {
    if (!RULE_REGISTRY.has(override.id)) throw new PackError(path, `/overrides/${index}: unknown rule ${override.id}`);
    if (override.parameters === undefined && override.append === undefined) {
      throw new PackError(path, `/overrides/${index}: rule ${override.id}: give parameters and/or append`);
    }
    // Several overrides of one rule apply in order, but may not set one parameter for one role twice.
    const keys = (o: OverlayOverride) => [...Object.keys(o.parameters ?? {}), ...Object.keys(o.append ?? {})];
    for (const [other, earlier] of overrides.slice(0, index).entries()) {
      if (earlier.id !== override.id) continue;
      const rolesOverlap =
        earlier.roles === undefined || override.roles === undefined || earlier.roles.some((r) => override.roles?.includes(r));
      const key = keys(override).find((k) => keys(earlier).includes(k));
      if (rolesOverlap && key !== undefined) {
        throw new PackError(path, `/overrides/${index}: ${override.id} parameter ${key} is already set for these roles at /overrides/${other}`);
      }
    }
  }
  if (data.parameters?.internal_networks) checkInternalNetworks(path, data.parameters.internal_networks);
  const allowlist = mergeAllowlist(path, [], [
    { entries: data.allowlist ?? [], source: 'allowlist' },
    ...readAllowlistFiles(path, data.allowlist_files),
  ]);
  const probe = compileAllowlistIndex(allowlist);
  if (probe.rejected.length > 0) {
    throw new PackError(path, `allowlist entries that cannot be compiled: ${probe.rejected.slice(0, 5).map((r) => `${r.id}: ${r.reason}`).join('; ')}`);
  }
  return { file: path, site: data.site, version: data.version, parameters: data.parameters ?? {}, overrides, allowlist };
}

/** Loads every `*.yaml` overlay of a directory, keyed by site. */
export function loadSiteOverlayDirectory(dir: string): Map<string, SiteOverlay> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort();
  } catch (error) {
    throw new PackError(dir, `cannot list overlay directory: ${(error as Error).message}`);
  }
  if (names.length > 5000) throw new PackError(dir, 'more than 5000 overlay files');
  const overlays = new Map<string, SiteOverlay>();
  for (const name of names) {
    const overlay = loadSiteOverlayFile(join(dir, name));
    overlays.set(overlay.site, overlay);
  }
  return overlays;
}

/** Applies an overlay to a role pack; errors name the overlay file. Result is a new pack. */
export function applySiteOverlay(pack: Pack, overlay: SiteOverlay, role: HostRole): Pack {
  const path = overlay.file;
  const rules = pack.rules.map((rule) => structuredClone(rule));
  for (const [index, override] of overlay.overrides.entries()) {
    if (override.roles !== undefined && !override.roles.includes(role)) continue;
    const rule = rules.find((r) => r.id === override.id);
    if (!rule) {
      if (override.roles === undefined) continue; // a site-wide override of a rule this role pack has not
      throw new PackError(path, `/overrides/${index}: pack ${pack.id} (role ${role}) has no rule ${override.id}`);
    }
    if (override.parameters !== undefined) rule.parameters = { ...rule.parameters, ...structuredClone(override.parameters) };
    for (const [key, items] of Object.entries(override.append ?? {})) {
      const current = rule.parameters[key];
      if (!Array.isArray(current)) {
        throw new PackError(path, `/overrides/${index}/append/${key}: rule ${override.id} has no list parameter ${key} in pack ${pack.id}`);
      }
      rule.parameters[key] = [...(current as unknown[]), ...structuredClone(items)];
    }
    const errors = RULE_REGISTRY.get(rule.id)?.parameterErrors(rule.parameters) ?? [];
    if (errors.length > 0) throw new PackError(path, `/overrides/${index}: rule ${rule.id} (pack ${pack.id}): ${errors.join('; ')}`);
  }
  const p = overlay.parameters;
  const parameters: PackParameters = {
    evidence_max_age_hours: p.evidence_max_age_hours ?? pack.parameters.evidence_max_age_hours,
    local_business_data: p.local_business_data ?? pack.parameters.local_business_data,
    internal_networks: [...(p.internal_networks ?? pack.parameters.internal_networks)],
  };
  const result: Pack = {
    ...pack,
    parameters,
    rules,
    allowlist: mergeAllowlist(path, [pack.allowlist, overlay.allowlist], []),
    overlay: { site: overlay.site, version: overlay.version },
  };
  checkAllowlistCompiles(path, result);
  return result;
}

const overlaidCache = new WeakMap<Pack, WeakMap<SiteOverlay, Pack>>();

/**
 * The pack judging a host of `role` at `site`: the role pack (shipped by default) with the site's
 * overlay applied when `overlays` has one for the site. Cached per (pack, overlay) object.
 */
export function packFor(
  role: HostRole,
  site: string | null,
  packs?: Map<string, Pack>,
  overlays?: ReadonlyMap<string, SiteOverlay>,
): Pack {
  const pack = packForRole(role, packs);
  const overlay = site === null ? undefined : overlays?.get(site);
  if (!overlay) return pack;
  let bySite = overlaidCache.get(pack);
  if (!bySite) overlaidCache.set(pack, (bySite = new WeakMap()));
  let result = bySite.get(overlay);
  if (!result) bySite.set(overlay, (result = applySiteOverlay(pack, overlay, role)));
  return result;
}

/** "server v2" or "server v2 + site chi-vallee v3": which pack judged, for auditors. */
export function packLabel(pack: Pick<Pack, 'id' | 'version' | 'overlay'>): string {
  return `${pack.id} v${pack.version}${pack.overlay ? ` + site ${pack.overlay.site} v${pack.overlay.version}` : ''}`;
}

/** The severity of a rule on a host of this role (escalated on telemaintenance gateways). */
export function effectiveSeverity(rule: RuleConfig, role: HostRole): Severity {
  if (role === 'telemaintenance-gateway' && rule.escalate_on_gateway && rule.gateway_severity !== null) {
    return SEVERITY_RANK[rule.gateway_severity] > SEVERITY_RANK[rule.severity] ? rule.gateway_severity : rule.severity;
  }
  return rule.severity;
}

/** A reference as shown in verdicts: "HYG M17". */
export function formatReference(reference: Reference): string {
  return `${reference.document} ${reference.measure}`;
}
