// Small drivers for tests of the net types: wait for events without blocking the event loop.
import { Events, type Event, type Poll } from '../../src/index.js';
import { afterEach } from 'vitest';

/** Polls until `predicate` accepts an event (returned) or `timeoutMs` passes (throws). */
export async function nextEvent(poll: Poll, predicate: (event: Event) => boolean, timeoutMs = 15_000): Promise<Event> {
  const events = new Events(64);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error('no matching event in time');
    await poll.pollAsync(events, { timeout: remaining });
    for (const event of events) if (predicate(event)) return event;
  }
}

/** Every event until `done()` says so, calling `onEvent` for each. */
export async function drive(poll: Poll, onEvent: (event: Event) => void, done: () => boolean, timeoutMs = 60_000): Promise<void> {
  const events = new Events(256);
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error('timed out driving the poll');
    await poll.pollAsync(events, { timeout: Math.min(remaining, 1000) });
    for (const event of events) onEvent(event);
  }
}

/** Polls until every token in `tokens` has had at least one event; returns them by token. */
export async function eventsFor(poll: Poll, tokens: number[], timeoutMs = 15_000): Promise<Map<number, Event>> {
  const seen = new Map<number, Event>();
  await drive(
    poll,
    (event) => {
      if (tokens.includes(event.token) && !seen.has(event.token)) seen.set(event.token, event);
    },
    () => tokens.every((t) => seen.has(t)),
    timeoutMs,
  );
  return seen;
}

/** Returns `track`: what it is given is closed after each test of the calling file, last first. */
export function closedAfterEach(): <T extends { close(): void }>(value: T) => T {
  const closers: (() => void)[] = [];
  afterEach(() => {
    for (const close of closers.splice(0).reverse()) close();
  });
  return (value) => {
    closers.push(() => value.close());
    return value;
  };
}
