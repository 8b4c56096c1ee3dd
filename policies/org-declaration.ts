// Organisation-level evidence the RSSI declares (catalogue 6.7, ORG-01..03): no agent can observe
// a SILENE exposure audit, an ADS/ORADAD directory audit or a crisis exercise, so a person states
// what was done, when, with which document as proof, and until when that statement holds.
// Pure: the schema of a declaration, the checks on a new one, and calendar-day arithmetic.
import { Type, type Static } from 'typebox';

/** What can be declared, and which ORG rule judges it. */
export const ORG_DECLARATION_KINDS = ['silene_audit', 'ads_audit', 'crisis_exercise', 'pca_test'] as const;
export type OrgDeclarationKind = (typeof ORG_DECLARATION_KINDS)[number];

export const ORG_RULE_OF_KIND: Record<OrgDeclarationKind, 'ORG-01' | 'ORG-02' | 'ORG-03'> = {
  silene_audit: 'ORG-01',
  ads_audit: 'ORG-02',
  crisis_exercise: 'ORG-03',
  pca_test: 'ORG-03',
};

/** The directory an ADS audit covers: the production AD, or a dedicated (backup) AD. */
export const DIRECTORY_ROLES = ['production', 'backup'] as const;
export type DirectoryRole = (typeof DIRECTORY_ROLES)[number];

const strict = { additionalProperties: false } as const;
const DATE_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';
/** Printable text on one line: no control characters (they would corrupt CLI tables and logs). */
const LINE_PATTERN = '^[^\\u0000-\\u001f\\u007f\\uD800-\\uDFFF]*$';
const line = (min: number, max: number) => Type.String({ minLength: min, maxLength: max, pattern: LINE_PATTERN });
const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

/** A new declaration as the API and the CLI take it (who declares comes from the session or the CLI). */
export const OrgDeclarationInputSchema = Type.Object(
  {
    kind: Type.Enum(ORG_DECLARATION_KINDS),
    /** Day the audit or exercise took place (YYYY-MM-DD, UTC calendar day). */
    performed_on: Type.String({ pattern: DATE_PATTERN }),
    /** Reference of the proof: report number, file name in the GED, minutes of the exercise. */
    evidence_ref: line(3, 200),
    /** Last day the declaration is evidence (inclusive, UTC); after it, the rule says unknown. */
    expires_on: Type.String({ pattern: DATE_PATTERN }),
    /** What was audited: the AD domain for an ADS audit (required), a scope for the others. */
    subject: Type.Optional(nullable(line(1, 200))),
    /** ADS audit only: production AD or a dedicated backup AD. */
    directory_role: Type.Optional(nullable(Type.Enum(DIRECTORY_ROLES))),
    /** SILENE audit only: the level the report gives. */
    level: Type.Optional(nullable(Type.Integer({ minimum: 0, maximum: 100 }))),
    /** ADS audit only: the ANSSI Active Directory control-point level reached, 1 to 5. */
    score: Type.Optional(nullable(Type.Integer({ minimum: 1, maximum: 5 }))),
    /** Exercise or PCA test: share of the establishment's activity covered, in percent. */
    coverage_percent: Type.Optional(nullable(Type.Integer({ minimum: 0, maximum: 100 }))),
  },
  strict,
);
export type OrgDeclarationInput = Static<typeof OrgDeclarationInputSchema>;

export const OrgDeclarationSchema = Type.Object(
  {
    id: Type.String(),
    kind: Type.Enum(ORG_DECLARATION_KINDS),
    rule_id: Type.String(),
    performed_on: Type.String(),
    evidence_ref: Type.String(),
    expires_on: Type.String(),
    subject: nullable(Type.String()),
    directory_role: nullable(Type.Enum(DIRECTORY_ROLES)),
    level: nullable(Type.Integer()),
    score: nullable(Type.Integer()),
    coverage_percent: nullable(Type.Integer()),
    declared_by: Type.String(),
    declared_at: Type.String(),
    withdrawn_at: nullable(Type.String()),
    withdrawn_by: nullable(Type.String()),
    withdrawal_reason: nullable(Type.String()),
  },
  strict,
);
export type OrgDeclaration = Static<typeof OrgDeclarationSchema>;

export const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a YYYY-MM-DD calendar date, or null when no such date exists. */
export function dayNumber(date: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return null;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(y, m - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d) return null;
  return ms / DAY_MS;
}

/** Today's day number (UTC). */
export function todayNumber(now: Date): number {
  return Math.floor(now.getTime() / DAY_MS);
}

/** The longest a declaration may be trusted without being renewed: its expiry is time-boxed. */
export const MAX_DECLARATION_VALIDITY_DAYS = 3 * 366;

/** Problems with a new declaration at `now`; empty when it may be stored. Messages are English. */
export function declarationInputErrors(input: OrgDeclarationInput, now: Date): string[] {
  const errors: string[] = [];
  const today = todayNumber(now);
  const performed = dayNumber(input.performed_on);
  const expires = dayNumber(input.expires_on);
  if (performed === null) errors.push(`performed_on "${input.performed_on}": no such date`);
  else if (performed > today) errors.push(`performed_on ${input.performed_on} is in the future: declare what has been done`);
  if (expires === null) errors.push(`expires_on "${input.expires_on}": no such date`);
  else {
    if (expires < today) errors.push(`expires_on ${input.expires_on} is already past`);
    if (performed !== null && expires < performed) errors.push('expires_on is before performed_on');
    if (expires > today + MAX_DECLARATION_VALIDITY_DAYS) {
      errors.push(`expires_on ${input.expires_on} is more than 3 years ahead: a declaration must be renewed`);
    }
  }
  if (input.evidence_ref.trim().length < 3) errors.push('evidence_ref: name the document that proves it (3 to 200 characters)');
  const subject = input.subject?.trim() ?? '';
  const has = (v: unknown) => v !== undefined && v !== null;
  switch (input.kind) {
    case 'silene_audit':
      if (has(input.score) || has(input.directory_role)) errors.push('score and directory_role belong to an ads_audit');
      if (has(input.coverage_percent)) errors.push('coverage_percent belongs to a crisis_exercise or a pca_test');
      break;
    case 'ads_audit':
      if (!has(input.score)) errors.push('ads_audit: score (1 to 5) is required');
      if (!has(input.directory_role)) errors.push('ads_audit: directory_role (production or backup) is required');
      if (subject === '') errors.push('ads_audit: subject (the audited AD domain, e.g. chu.local) is required');
      if (has(input.level)) errors.push('level belongs to a silene_audit');
      if (has(input.coverage_percent)) errors.push('coverage_percent belongs to a crisis_exercise or a pca_test');
      break;
    case 'crisis_exercise':
    case 'pca_test':
      if (has(input.level) || has(input.score) || has(input.directory_role)) {
        errors.push(`${input.kind}: level, score and directory_role belong to the audits`);
      }
      break;
  }
  return errors;
}

/** Whether the declaration is evidence at `now`: not withdrawn and its expiry day not over. */
export function declarationInForce(declaration: OrgDeclaration, now: Date): boolean {
  if (declaration.withdrawn_at !== null && Date.parse(declaration.withdrawn_at) <= now.getTime()) return false;
  const expires = dayNumber(declaration.expires_on);
  return expires !== null && expires >= todayNumber(now);
}
