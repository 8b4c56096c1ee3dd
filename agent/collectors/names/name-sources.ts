// The name sources a flow sampler polls. Each says whether it is read and, when not, why (and
// how to enable it): the report never guesses a name and never hides that it has none.
import type { NameSourceState } from '../../../policies/evidence.js';
import type { NameObservation } from './name-observation.js';

export interface NameSources {
  /** Answers seen since the last poll. Never throws: a failing source records its reason. */
  poll(now: Date): NameObservation[];
  /** Each source's state for the report. */
  states(): NameSourceState[];
  stop(): void;
}

/** No source at all, with the reason (e.g. a platform without one). */
export function noNameSources(states: NameSourceState[]): NameSources {
  return { poll: () => [], states: () => states, stop: () => undefined };
}
