// Rule id -> implementation. A pack rule whose id is not here is a load error (PackError),
// so a rule can never be silently skipped or passed.
import { auth01 } from './auth.js';
import { bkp01 } from './backup.js';
import { net05 } from './network.js';
import type { RuleImplementation } from './rule.js';
import { wifi01 } from './wifi.js';

export const RULE_REGISTRY: ReadonlyMap<string, RuleImplementation> = new Map(
  [net05, wifi01, bkp01, auth01].map((rule) => [rule.id, rule]),
);
