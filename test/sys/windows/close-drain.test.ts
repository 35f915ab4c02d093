// A closing selector reaps its cancelled polls without blocking: portable, over a fake port.
import { describe, expect, it } from 'vitest';
import { drainCancelledPolls } from '../../../src/sys/windows/close-drain.js';

/** A port whose cancelled polls report back on the given dequeues (by call number, from 1). */
function fakePort(pending: number, completesAt: (call: number) => number) {
  const port = { pending, calls: 0, routed: 0 };
  const options = {
    dequeueNow: () => {
      port.calls++;
      const count = Math.min(port.pending, completesAt(port.calls));
      return { length: count };
    },
    route: (batch: { length: number }) => {
      port.routed += batch.length;
      port.pending -= batch.length;
    },
    pending: () => port.pending > 0,
    budgetMs: 200,
  };
  return { port, options };
}

describe('drainCancelledPolls', () => {
  it('finishes at once when every cancelled poll is already back, taking batch after batch', () => {
    const { port, options } = fakePort(5, () => 2);
    expect(drainCancelledPolls(options)).toBeUndefined();
    expect(port.routed).toBe(5);
    expect(port.calls).toBe(3);
  });

  it('returns before late completions arrive and reaps them later, without blocking the caller', async () => {
    const { port, options } = fakePort(2, (call) => (call >= 4 ? 1 : 0));
    const rest = drainCancelledPolls(options);
    expect(rest).toBeInstanceOf(Promise);
    // Only the immediate look happened: nothing waited inside the call.
    expect(port.calls).toBe(1);
    expect(port.pending).toBe(2);
    await rest;
    expect(port.pending).toBe(0);
    expect(port.routed).toBe(2);
  });

  it('gives up on polls that never report back once the budget is spent', async () => {
    const { port, options } = fakePort(3, () => 0);
    const started = performance.now();
    await drainCancelledPolls(options);
    expect(performance.now() - started).toBeGreaterThanOrEqual(options.budgetMs - 5);
    expect(port.pending).toBe(3);
    expect(port.calls).toBeGreaterThan(1);
  });
});
