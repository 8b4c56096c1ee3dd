// The shapes of policy packs, as TypeBox schemas: the YAML file format, a resolved pack, a rule of
// it and the pack-wide parameters. Apart from pack.ts (which loads and resolves packs) so that the
// rules can name these types without importing the loader, which imports the rules' registry.
import { Type, type Static } from 'typebox';
import { AllowlistEntrySchema } from './allowlist.js';
import { HOST_ROLES, HostIdentity } from './evidence.js';
import { SEVERITIES } from './verdict.js';

export const strict = { additionalProperties: false } as const;

/** Largest pack file accepted, so a hostile or broken file cannot exhaust memory. */
export const PACK_MAX_BYTES = 256 * 1024;
/** Deepest `extends` chain accepted. */
export const PACK_MAX_EXTENDS_DEPTH = 16;
/** Most allowlist entries a resolved pack may hold (inline + files + inherited + overlay). */
export const PACK_MAX_ALLOWLIST_ENTRIES = 100_000;
/** Most allowlist files one pack or overlay may name. */
export const PACK_MAX_ALLOWLIST_FILES = 32;

const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });
export const BilingualText = (maxLength = 2000) =>
  Type.Object({ fr: Text(maxLength), en: Text(maxLength) }, strict);

export const PackId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$' });
export const RuleId = Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Z]{2,8}-[0-9]{2,3}$' });
// Type.Enum (not Type.Union of mapped literals, whose static type collapses to never).
export const SeveritySchema = Type.Enum(SEVERITIES);
const HostRoleEnum = Type.Enum(HOST_ROLES);
export const Roles = (minItems: number) =>
  Type.Array(HostRoleEnum, { minItems, maxItems: HOST_ROLES.length, uniqueItems: true });

/** A citation by document and measure number (never the guide's text). */
export const ReferenceSchema = Type.Object(
  { document: Text(32), measure: Text(64) },
  strict,
);
export type Reference = Static<typeof ReferenceSchema>;

const InternalNetworks = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 256 });

/** Pack-wide parameters as written in a file: all optional, inherited when absent. */
export const PackParametersFileSchema = Type.Object(
  {
    /** Evidence older than this is stale and every verdict is unknown. Inclusive: exactly the limit is fresh. */
    evidence_max_age_hours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 24 * 366 })),
    /** Workstations of this pack hold business data locally (brings BKP-01 onto them). */
    local_business_data: Type.Optional(Type.Boolean()),
    /** The establishment's internal ranges (CIDR); endpoints outside them are "Internet". Replaced whole. */
    internal_networks: Type.Optional(InternalNetworks),
  },
  strict,
);

/** Pack-wide parameters once resolved: every key present. */
export const PackParametersSchema = Type.Object(
  {
    evidence_max_age_hours: Type.Number({ exclusiveMinimum: 0, maximum: 24 * 366 }),
    local_business_data: Type.Boolean(),
    internal_networks: InternalNetworks,
  },
  strict,
);
export type PackParameters = Static<typeof PackParametersSchema>;

export const RuleParameters = Type.Record(Type.String({ maxLength: 64 }), Type.Unknown());

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

/** Allowlist entries written in the pack itself. */
export const InlineAllowlist = Type.Array(AllowlistEntrySchema, { maxItems: 10_000 });
/** Allowlist files (`entries: [...]`), relative to the pack or overlay file. */
export const AllowlistFiles = Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), {
  maxItems: PACK_MAX_ALLOWLIST_FILES,
  uniqueItems: true,
});

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
    allowlist: Type.Optional(InlineAllowlist),
    allowlist_files: Type.Optional(AllowlistFiles),
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

export const SiteName = HostIdentity.properties.site;

/** The site overlay applied to a pack, for traceability of verdicts. */
export const AppliedOverlaySchema = Type.Object(
  { site: SiteName, version: Type.Integer({ minimum: 1 }) },
  strict,
);
export type AppliedOverlay = Static<typeof AppliedOverlaySchema>;

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
    /** Allowlist entries merged along `extends` (and the site overlay); judged at `now` by evaluate. */
    allowlist: Type.Array(AllowlistEntrySchema, { maxItems: PACK_MAX_ALLOWLIST_ENTRIES }),
    /** The site overlay applied by packFor, or null for a plain role pack. */
    overlay: Type.Union([AppliedOverlaySchema, Type.Null()]),
  },
  strict,
);
export type Pack = Static<typeof PackSchema>;
