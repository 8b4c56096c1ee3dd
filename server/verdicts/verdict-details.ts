// The verdicts of a stored report as people see them. Ingestion keeps each rule's status and
// severity and the fingerprint of the pack that judged (server/db/verdicts.ts); the explanations
// are derived here by judging the stored report again with that same pack at the same instant.
// evaluate() is pure, so with an equal fingerprint (same rule code, same resolved pack) the
// result is the one ingestion computed; the statuses are compared all the same. When the pack
// that judged is no longer the one loaded (packs edited, Vigie upgraded) or the report body was
// pruned, the stored statuses are shown as they were, with an explanation saying so: a verdict
// is never re-judged silently under another pack.
import { evaluate, type EnrolledHost } from '../../policies/evaluate.js';
import type { Report } from '../../policies/evidence.js';
import { formatReference, type Pack } from '../../policies/pack.js';
import type { Verdict } from '../../policies/verdict.js';
import { findReportBody } from '../db/reports.js';
import type { Database } from '../db/schema.js';
import { findVerdictSet, type StoredVerdictSet } from '../db/verdicts.js';
import { packFingerprint } from './pack-fingerprint.js';
import { withGatewayGrants } from '../access/tma02-grants.js';

export interface ReportVerdicts {
  evaluated_at: string;
  pack_label: string;
  /** derived: explanations derived again; frozen: stored whole (carried over); statuses_only: see above. */
  source: 'derived' | 'frozen' | 'statuses_only';
  verdicts: Verdict[];
}

/** Same rules, statuses and severities (PostgreSQL's jsonb does not keep the stored key order). */
function sameOutcomes(stored: StoredVerdictSet, verdicts: readonly Verdict[]): boolean {
  const recorded = new Map(stored.results.map((r) => [r.rule_id, r]));
  return (
    recorded.size === verdicts.length &&
    verdicts.every((v) => recorded.get(v.rule_id)?.status === v.status && recorded.get(v.rule_id)?.severity === v.severity)
  );
}

function statusesOnly(stored: StoredVerdictSet, pack: Pack, reason: { fr: string; en: string }): Verdict[] {
  const rules = new Map(pack.rules.map((r) => [r.id, r]));
  return stored.results.map((r) => {
    const rule = rules.get(r.rule_id);
    return {
      rule_id: r.rule_id,
      title: rule?.title ?? { fr: r.rule_id, en: r.rule_id },
      severity: r.severity,
      status: r.status,
      explanation: reason,
      evidence: [],
      threshold: null,
      references: rule === undefined ? [] : rule.references.map(formatReference),
    };
  });
}

/**
 * The verdicts of `reportId` (undefined when it was never judged). `pack` is the pack the host's
 * reports are judged with now (role pack + site overlay).
 */
export async function reportVerdicts(db: Database, reportId: string, pack: Pack, enrolled?: EnrolledHost): Promise<ReportVerdicts | undefined> {
  const stored = await findVerdictSet(db, reportId);
  if (stored === undefined) return undefined;
  const base = { evaluated_at: stored.evaluated_at, pack_label: stored.pack_label };
  if (stored.details !== null) return { ...base, source: 'frozen', verdicts: stored.details };

  // A gateway's report was judged with the grant windows known at its evaluation: rebuild them. A
  // report judged before those grants were on record (an older server, a grant recorded with an
  // earlier decision time) was judged with the pack alone: that one is tried too.
  const withGrants = enrolled === undefined ? pack : await withGatewayGrants(db, pack, enrolled.host_id, new Date(stored.evaluated_at));
  const judgedWith = [withGrants, pack].find((p) => packFingerprint(p) === stored.pack_fingerprint) ?? withGrants;
  const sameFingerprint = packFingerprint(judgedWith) === stored.pack_fingerprint;
  const body: Report | null | undefined = sameFingerprint ? await findReportBody(db, reportId) : undefined;
  if (sameFingerprint && body) {
    const verdicts = evaluate(body, judgedWith, new Date(stored.evaluated_at), enrolled === undefined ? {} : { enrolled });
    if (sameOutcomes(stored, verdicts)) return { ...base, source: 'derived', verdicts };
  }
  const reason = !sameFingerprint
    ? {
        fr: `Verdict rendu par le pack « ${stored.pack_label} », qui n'est plus celui que le serveur applique : son explication ne peut être reconstituée. Le prochain rapport de l'hôte ou l'audit de nuit le jugera avec le pack actuel.`,
        en: `Verdict given by pack "${stored.pack_label}", which the server no longer applies: its explanation cannot be rebuilt. The host's next report or the nightly audit will judge it with the current pack.`,
      }
    : body === null
      ? {
          fr: 'Le rapport jugé a été purgé par la rétention des preuves : seul le statut du verdict est conservé.',
          en: 'The judged report was pruned by the evidence retention: only the verdict status is kept.',
        }
      : {
          fr: 'Le rapport jugé de nouveau ne donne pas le même statut : seul le statut enregistré est montré.',
          en: 'Judging the report again does not give the same status: only the recorded status is shown.',
        };
  return { ...base, source: 'statuses_only', verdicts: statusesOnly(stored, pack, reason) };
}
