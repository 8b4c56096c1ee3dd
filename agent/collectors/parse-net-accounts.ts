// Pure parser of Windows `net accounts`: the local account policy (lockout, AUTH-07; password
// length, age and history, AUTH-08). Windows TRANSLATES this output: labels are read in English
// and French ("Lockout threshold:" / "Seuil de verrouillage :"). net.exe writes in the console's
// OEM code page (850 on a French host), so an accented label may reach the agent as "Dur\uFFFDe"
// or "DurÃ©e": accented letters of a label match any one to three characters. The closing line
// ("The command completed successfully." / "La commande s'est terminée correctement.") must be
// there: without it the output was cut. A label in neither language is an error, never a guess.
import type { LockoutPolicy } from '../../policies/evidence.js';

/** Each field's label, English first, then French (our rendering of the localised tool, unverified on a real host). */
const LABELS = {
  minAge: ['Minimum password age (days)', 'Durée de vie minimale du mot de passe (jours)'],
  maxAge: ['Maximum password age (days)', 'Durée de vie maximale du mot de passe (jours)'],
  minLength: ['Minimum password length', 'Longueur minimale du mot de passe'],
  history: ['Length of password history maintained', "Longueur de l'historique des mots de passe", 'Historique des mots de passe conservé'],
  threshold: ['Lockout threshold', 'Seuil de verrouillage'],
  duration: ['Lockout duration (minutes)', 'Durée de verrouillage (minutes)'],
  window: ['Lockout observation window (minutes)', "Fenêtre d'observation du verrouillage (minutes)"],
} as const;
type Field = keyof typeof LABELS;

const COMPLETED = [/The command completed successfully\./, /La commande s.{1,3}est termin.{1,3}e correctement\./];
/** "Never", "None", "Unlimited" and their French forms: no value set. */
const NONE = /^(never|none|unlimited|jamais|aucun|aucune|illimit.{1,3}e?)$/i;

/** A label as a pattern: accented letters and apostrophes match what a code-page mix-up makes of them. */
function labelPattern(label: string): RegExp {
  let source = '';
  for (const ch of label) {
    if (ch === "'" || ch === '\u2019') source += ".{1,3}";
    else if (/[\x20-\x7e]/.test(ch)) source += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else source += '[^\\s:]{1,3}';
  }
  return new RegExp(`^${source}$`, 'i');
}

const PATTERNS: Record<Field, RegExp[]> = Object.fromEntries(Object.entries(LABELS).map(([field, labels]) => [field, labels.map(labelPattern)])) as Record<Field, RegExp[]>;

/** What `net accounts` says, numbers as printed; null where it prints Never/None/Unlimited. */
export interface NetAccounts {
  language: 'en' | 'fr';
  min_age_days: number | null;
  max_age_days: number | null;
  min_length: number | null;
  history: number | null;
  /** 0 = never locks. */
  lockout_threshold: number;
  lockout_duration_minutes: number | null;
  lockout_window_minutes: number | null;
}

export function readNetAccounts(text: string): NetAccounts {
  const completed = COMPLETED.findIndex((re) => re.test(text));
  if (completed < 0) throw new Error('net accounts output incomplete (no completion line, in English or French)');
  const values: Partial<Record<Field, string>> = {};
  for (const raw of text.split(/\r?\n/).slice(0, 200)) {
    // "Label:   value" (English) or "Label :   value" (French): the first colon followed by blanks.
    const m = /^(.+?)[\s\u00a0\u202f]*:[\s\u00a0\u202f]+(\S.*?)\s*$/.exec(raw);
    if (!m) continue;
    const label = (m[1] ?? '').trim();
    for (const field of Object.keys(PATTERNS) as Field[]) {
      if (values[field] === undefined && PATTERNS[field].some((re) => re.test(label))) values[field] = m[2] ?? '';
    }
  }
  const value = (field: Field): string => {
    const v = values[field];
    if (v === undefined) throw new Error(`net accounts output has no "${LABELS[field][0]}" line (nor its French label)`);
    return v;
  };
  const number = (field: Field): number | null => {
    const raw = value(field);
    if (NONE.test(raw)) return null;
    if (!/^\d{1,7}$/.test(raw)) throw new Error(`net accounts: "${LABELS[field][0]}" is not a number: ${raw.slice(0, 30)}`);
    return Number(raw);
  };
  return {
    language: completed === 0 ? 'en' : 'fr',
    min_age_days: number('minAge'),
    max_age_days: number('maxAge'),
    min_length: number('minLength'),
    history: number('history'),
    lockout_threshold: number('threshold') ?? 0,
    lockout_duration_minutes: number('duration'),
    lockout_window_minutes: number('window'),
  };
}

/** The lockout policy (AUTH-07). */
export function parseNetAccounts(text: string): LockoutPolicy {
  const n = readNetAccounts(text);
  return { threshold: n.lockout_threshold, duration_minutes: n.lockout_duration_minutes, observation_window_minutes: n.lockout_window_minutes, source: 'net accounts' };
}
