// The one wait loop of the selector. A round issues the queued polls, waits on the port and
// routes what came back; the loop ends when the target has events, the selector closed or the
// deadline passed. It is a generator that yields each wait it wants, so the same loop is driven
// by a blocking dequeue (select), by the pump thread (selectAsync) and forever by the
// background wait.
import type { Completion } from './iocp.js';
import type { EventSink } from './completion-router.js';

/** One wait the loop asks for: at most `limit` packets, for up to `timeoutMs` (undefined: no limit). */
export interface WaitRequest {
  timeoutMs: number | undefined;
  limit: number;
}

/** What the loop runs on: the selector's polls and routing. */
export interface WaitHost {
  isClosed(): boolean;
  /** Issues the polls queued since the last wait. */
  updateSockets(): void;
  route(completions: Iterable<Completion>, sink: EventSink): void;
}

/** Where a loop's events go. */
export interface WaitTarget {
  readonly sink: EventSink;
  /** Packets the next wait may take: never more than the target can hold, so no edge is parked needlessly. */
  readonly room: number;
  /** Events are at hand: the loop ends after this round, and the first wait does not block. */
  readonly hasEvents: boolean;
}

export type WaitLoop = Generator<WaitRequest, void, Iterable<Completion>>;

export function* waitLoop(host: WaitHost, target: WaitTarget, timeoutMs: number | undefined): WaitLoop {
  const deadline = timeoutMs === undefined ? Infinity : performance.now() + timeoutMs;
  let wait = target.hasEvents ? 0 : timeoutMs;
  for (;;) {
    host.updateSockets();
    const room = target.room;
    const completions = room > 0 ? yield { timeoutMs: wait === undefined ? undefined : Math.ceil(wait), limit: room } : [];
    host.route(completions, target.sink);
    if (target.hasEvents || host.isClosed()) return;
    const remaining = deadline - performance.now();
    if (remaining <= 0) return;
    wait = remaining === Infinity ? undefined : remaining;
  }
}
