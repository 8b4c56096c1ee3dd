// Factor classes of authentication (AUTH-04, AUTH-05, TEL-02): which factors, required together,
// make a multi-factor path.
import type { FactorType } from '../evidence.js';

/** Factors that are multi-factor on their own (card/device + PIN or biometric). */
const MULTI_FACTOR: ReadonlySet<FactorType> = new Set(['cps', 'e-cps', 'psc', 'whfb', 'smartcard']);
const KNOWLEDGE: ReadonlySet<FactorType> = new Set(['password', 'pin']);
/** FIDO2 counts as possession only: user verification (PIN) is not reported. */
const POSSESSION: ReadonlySet<FactorType> = new Set([
  'publickey', 'client-certificate', 'totp', 'hotp', 'push', 'sms', 'voice', 'email', 'fido2', 'u2f',
]);

/** True when the factors required together make >= 2 factor classes. */
export function isMultiFactor(factors: readonly FactorType[]): boolean {
  if (factors.some((f) => MULTI_FACTOR.has(f))) return true;
  return factors.some((f) => KNOWLEDGE.has(f)) && factors.some((f) => POSSESSION.has(f));
}
