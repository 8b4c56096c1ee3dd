// What every route plugin receives: the database, the clock, the policy packs, the configuration.
import type { Pack } from '../../policies/pack.js';
import type { ServerConfig } from '../config.js';
import type { Database } from '../db/schema.js';
import { ErrorBody } from '../errors.js';

export interface RouteContext {
  db: Database;
  config: ServerConfig;
  packs: Map<string, Pack>;
  now: () => Date;
}

/** Every route may answer these with the one error format. */
export const errorResponses = { '4xx': ErrorBody, '5xx': ErrorBody } as const;
