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
// Gateway escalation (the catalogue's ⇑ tag): `escalate_on_gateway: true` raises the severity
// on role `telemaintenance-gateway` to `gateway_severity`, which defaults to `critical`
// (WIFI-01 "medium (⇑ critical)" is `severity: medium, escalate_on_gateway: true`).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { LineCounter, parseDocument } from 'yaml';
import { HOST_ROLES, type HostRole } from './evidence.js';
import { SEVERITIES, type Severity } from './verdict.js';
import { RULE_REGISTRY } from './rules/registry.js';

const strict = { additionalProperties: false } as const;

/** Largest pack file accepted, so a hostile or broken file cannot exhaust memory. */
export const PACK_MAX_BYTES = 256 * 1024;
/** Deepest `extends` chain accepted. */
export const PACK_MAX_EXTENDS_DEPTH = 16;

const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });
export const BilingualText = (maxLength = 2000) =>
  Type.Object({ fr: Text(maxLength), en: Text(maxLength) }, strict);

export const PackId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$' });
export const RuleId = Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Z]{2,8}-[0-9]{2,3}$' });
// Type.Enum (not Type.Union of mapped literals, whose static type collapses to never).
export const SeveritySchema = Type.Enum(SEVERITIES);
const HostRoleEnum = Type.Enum(HOST_ROLES);
const Roles = (minItems: number) =>
  Type.Array(HostRoleEnum, { minItems, maxItems: HOST_ROLES.length, uniqueItems: true });

/** A citation by document and measure number (never the guide's text). */
export const ReferenceSchema = Type.Object(
  { document: Text(32), measure: Text(64) },
  strict,
);
export type Reference = Static<typeof ReferenceSchema>;

/** Pack-wide parameters as written in a file: all optional, inherited when absent. */
export const PackParametersFileSchema = Type.Object(
  {
    /** Evidence older than this is stale and every verdict is unknown. Inclusive: exactly the limit is fresh. */
    evidence_max_age_hours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 24 * 366 })),
    /** Workstations of this pack hold business data locally (brings BKP-01 onto them). */
    local_business_data: Type.Optional(Type.Boolean()),
  },
  strict,
);

/** Pack-wide parameters once resolved: every key present. */
export const PackParametersSchema = Type.Object(
  {
    evidence_max_age_hours: Type.Number({ exclusiveMinimum: 0, maximum: 24 * 366 }),
    local_business_data: Type.Boolean(),
  },
  strict,
);
export type PackParameters = Static<typeof PackParametersSchema>;

const RuleParameters = Type.Record(Type.String({ maxLength: 64 }), Type.Unknown());

/** A full rule definition in a pack file. */
export const RuleFileSchema = Type.Object(
  {
    id: RuleId,
    title: BilingualText(200),
    rationale: BilingualText(),
    remediation: BilingualText(),
    severity: SeveritySchema,
    escalate_on_gateway: Type.Boolean(),
    gateway_severity: Type.Optional(SeveritySchema),
    applies_to: Roles(1),
    references: Type.Array(ReferenceSchema, { minItems: 1, maxItems: 32 }),
    parameters: RuleParameters,
  },
  strict,
);

/** A change to an inherited rule; `parameters` keys replace the inherited keys. */
export const RuleOverrideSchema = Type.Object(
  {
    id: RuleId,
    severity: Type.Optional(SeveritySchema),
    escalate_on_gateway: Type.Optional(Type.Boolean()),
    gateway_severity: Type.Optional(SeveritySchema),
    applies_to: Type.Optional(Roles(1)),
    parameters: Type.Optional(RuleParameters),
  },
  strict,
);

/** The YAML file format. */
export const PackFileSchema = Type.Object(
  {
    id: PackId,
    version: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    title: BilingualText(200),
    roles: Roles(0),
    extends: Type.Optional(Type.Array(PackId, { maxItems: 8, uniqueItems: true })),
    parameters: Type.Optional(PackParametersFileSchema),
    rules: Type.Optional(Type.Array(RuleFileSchema, { maxItems: 200 })),
    overrides: Type.Optional(Type.Array(RuleOverrideSchema, { maxItems: 200 })),
  },
  strict,
);
export type PackFile = Static<typeof PackFileSchema>;

/** A rule of a resolved pack. `gateway_severity` is null when the rule does not escalate. */
export const RuleConfigSchema = Type.Object(
  {
    id: RuleId,
    title: BilingualText(200),
    rationale: BilingualText(),
    remediation: BilingualText(),
    severity: SeveritySchema,
    escalate_on_gateway: Type.Boolean(),
    gateway_severity: Type.Union([SeveritySchema, Type.Null()]),
    applies_to: Roles(1),
    references: Type.Array(ReferenceSchema, { minItems: 1, maxItems: 32 }),
    parameters: RuleParameters,
  },
  strict,
);
export type RuleConfig = Static<typeof RuleConfigSchema>;

/** A resolved pack: `extends` merged, every rule complete and its parameters validated. */
export const PackSchema = Type.Object(
  {
    id: PackId,
    version: Type.Integer({ minimum: 1 }),
    title: BilingualText(200),
    roles: Roles(0),
    /** The chain of packs merged into this one, nearest first (informational). */
    extends: Type.Array(PackId),
    parameters: PackParametersSchema,
    rules: Type.Array(RuleConfigSchema),
  },
  strict,
);
export type Pack = Static<typeof PackSchema>;

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
  if (!packFileValidator.Check(data)) {
    const first = packFileValidator.Errors(data)[0];
    const where = first?.instancePath ?? '';
    const node = doc.getIn(pointerSegments(where), true) as { range?: [number, number, number] } | undefined;
    const line = node?.range ? lineCounter.linePos(node.range[0]).line : null;
    const detail = describeSchemaError(first, where);
    throw new PackError(path, `${where || '/'}${line !== null ? ` (line ${line})` : ''}: ${detail}`);
  }
  if (basename(path) !== `${data.id}.yaml`) {
    throw new PackError(path, `pack id "${data.id}" must match the file name (expected ${data.id}.yaml)`);
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
  const chain = parents.flatMap((p) => [p.id, ...p.extends]);
  return {
    id: file.id,
    version: file.version,
    title: file.title,
    roles: [...file.roles],
    extends: [...new Set(chain)],
    parameters: {
      evidence_max_age_hours: parameters.evidence_max_age_hours,
      local_business_data: parameters.local_business_data,
    },
    rules: [...rules.values()].sort((a, b) => a.id.localeCompare(b.id)),
  };
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
