// Live events of bastion sessions for read-only followers (the dashboard's live view over
// server-sent events): terminal output, notices (warnings, cut), audit events, the end. In-process
// only: a follower sees the sessions of the replica it is connected to (the list says which).
// Nothing here is kept: a follower that falls behind loses events, never slows the session.
import { EventEmitter } from 'node:events';

export type SessionEvent =
  | { type: 'output'; data: string; at: string }
  | { type: 'notice'; text: string; at: string }
  | { type: 'audit'; action: string; details: Record<string, unknown>; at: string }
  | { type: 'ended'; reason: string; at: string };

export const MAX_FOLLOWERS_PER_SESSION = 20;

export class SessionEventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  /** Whether anyone follows the session (callers skip building events nobody reads). */
  following(sessionId: string): boolean {
    return this.emitter.listenerCount(sessionId) > 0;
  }

  publish(sessionId: string, event: SessionEvent): void {
    if (this.emitter.listenerCount(sessionId) === 0) return;
    this.emitter.emit(sessionId, event);
  }

  /** Follow one session; returns the unsubscribe function, or null when it has too many followers. */
  follow(sessionId: string, listener: (event: SessionEvent) => void): (() => void) | null {
    if (this.emitter.listenerCount(sessionId) >= MAX_FOLLOWERS_PER_SESSION) return null;
    this.emitter.on(sessionId, listener);
    return () => this.emitter.off(sessionId, listener);
  }
}
