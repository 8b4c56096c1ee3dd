// What a rule concludes about one host, with its explanation in French and English.
import { Type, type Static } from 'typebox';

export const VERDICT_STATUSES = ['pass', 'warn', 'fail', 'not_applicable', 'unknown'] as const;
export type VerdictStatus = (typeof VERDICT_STATUSES)[number];

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

const strict = { additionalProperties: false } as const;
const Bilingual = Type.Object({ fr: Type.String(), en: Type.String() }, strict);
export type Bilingual = Static<typeof Bilingual>;

export const VerdictSchema = Type.Object(
  {
    rule_id: Type.String(),
    title: Bilingual,
    severity: Type.Enum(SEVERITIES),
    status: Type.Enum(VERDICT_STATUSES),
    /** Why: which evidence was looked at, against which threshold, and what was found. */
    explanation: Bilingual,
    /** JSON pointers into the report of the evidence items the rule read. */
    evidence: Type.Array(Type.String()),
    /** The threshold or condition applied, in words an auditor can check. */
    threshold: Type.Union([Type.String(), Type.Null()]),
    references: Type.Array(Type.String()),
  },
  strict,
);
export type Verdict = Static<typeof VerdictSchema>;
