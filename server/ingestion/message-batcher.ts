// Messages between the server and its ingestion thread, sent together once per event-loop turn.
// Each postMessage wakes the other thread and pays its own serialisation set-up; under load many
// reports are ready in the same turn, so they travel in one message.
export class MessageBatcher<T> {
  private pending: T[] = [];
  private scheduled: NodeJS.Immediate | null = null;

  constructor(private readonly send: (messages: T[]) => void) {}

  /** Queue `message`; it leaves at the end of this turn (or with an earlier flush). */
  push(message: T): void {
    this.pending.push(message);
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Send what is queued now. */
  flush(): void {
    if (this.scheduled !== null) clearImmediate(this.scheduled);
    this.scheduled = null;
    if (this.pending.length === 0) return;
    const messages = this.pending;
    this.pending = [];
    this.send(messages);
  }

  /** Drop what is queued (its receiver is gone). */
  clear(): void {
    if (this.scheduled !== null) clearImmediate(this.scheduled);
    this.scheduled = null;
    this.pending = [];
  }
}
