// The dashboard's one message catalogue, assembled from one section per room. A page's texts live
// in its section (./messages-<room>.ts); add a section with one import and one spread line below.
import { coreMessages } from './messages-core.js';
import { fleetMessages } from './messages-fleet.js';
import { bastionMessages } from './messages-bastion.js';
import { adminMessages } from './messages-admin.js';
import { trendsMessages } from './messages-trends.js';
import { bulkMessages } from './messages-bulk.js';
import { accessMessages } from './messages-access.js';
import { overviewAccessMessages } from './messages-overview-access.js';
import { destinationsMessages } from './messages-destinations.js';

import type { MessageSection } from './message.js';

export type { Message, MessageSection } from './message.js';

export const CATALOGUE = {
  ...coreMessages,
  ...fleetMessages,
  ...bastionMessages,
  ...adminMessages,
  ...trendsMessages,
  ...bulkMessages,
  ...accessMessages,
  ...overviewAccessMessages,
  ...destinationsMessages,
} as const satisfies MessageSection;

export type MessageKey = keyof typeof CATALOGUE;
