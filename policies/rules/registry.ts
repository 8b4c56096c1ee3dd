// Rule id -> implementation. A pack rule whose id is not here is a load error (PackError),
// so a rule can never be silently skipped or passed.
import { auth01, auth02, auth03, auth04, auth05, auth06 } from './auth.js';
import { bkp01, bkp02, bkp03, bkp04, bkp05 } from './backup.js';
import { adm01 } from './admin.js';
import { net01, net03, net04, net05, net06, net07 } from './network.js';
import type { RuleImplementation } from './rule.js';
import { inv01, inv02, inv03 } from './inventory.js';
import { log01 } from './logging.js';
import { net08 } from './remote-control.js';
import { adm02 } from './admin-interface.js';
import { auth07, auth08 } from './accounts.js';
import { enc01, net09 } from './telework.js';
import { bkp06, bkp07, bkp08 } from './backup-operations.js';
import { wifi07 } from './access-point.js';
import { tma01, tma02, tma03, tma04, tma05, tma06 } from './telemaintenance.js';
import { wifi01, wifi02, wifi03, wifi04, wifi05, wifi06 } from './wifi.js';

export const RULE_REGISTRY: ReadonlyMap<string, RuleImplementation> = new Map(
  [net05, wifi01,
    net01, net03, net04, net06, net07, wifi02, wifi03, wifi04, wifi05, wifi06, adm01, bkp01, auth01,
    bkp02, bkp03, bkp04, bkp05, auth02, auth03, auth04, auth05, auth06, tma01, tma02, tma03, tma04, tma05, tma06,
    // evidence (issue 19)
    inv01, inv02, inv03, log01, net08, adm02, auth07, auth08, enc01, net09, bkp06, bkp07, bkp08, wifi07].map((rule) => [rule.id, rule]),
);
