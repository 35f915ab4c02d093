// pollAsync, the main-thread wait: it never blocks the event loop, honours AbortSignal, refuses
// a second concurrent wait, and close() ends it and frees everything.
import { describe, expect, it } from 'vitest';
import { nextTurn } from '../../src/core/next-turn.js';
import { Events, Interest, InvalidStateError, Poll, Waker } from '../../src/index.js';
import { NativeMemory } from '../../src/sys/windows/ffi/index.js';
import { WAIT_MS, connectedPair, has, newPoll, pollUntil, rawListener, useCleanups } from './fixtures/sockets.js';

useCleanups();

const tokensOf = (events: Events): number[] => [...events].map((event) => event.token);

describe('pollAsync', () => {
  it('keeps the event loop running while it waits', async () => {
    const poll = newPoll();
    const waker = new Waker(poll.registry(), 1);
    const events = new Events(4);
    let timerRan = false;
    // Only a timer callback ends this wait: a blocked event loop would never run it.
    setTimeout(() => {
      timerRan = true;
      waker.wake();
    }, 20);
    await poll.pollAsync(events);
    expect(timerRan).toBe(true);
    expect(tokensOf(events)).toEqual([1]);
  });

  it('a Poll that finds an event on every wait still lets timers and immediates run', async () => {
    const poll = newPoll();
    const waker = new Waker(poll.registry(), 9);
    const events = new Events(4);
    let timers = 0;
    let immediates = 0;
    let stopped = false;
    const interval = setInterval(() => timers++, 1);
    const immediate = (): void => {
      immediates++;
      if (!stopped) setImmediate(immediate);
    };
    setImmediate(immediate);
    let waits = 0;
    const end = performance.now() + 300;
    try {
      while (performance.now() < end) {
        // Ready before the wait begins: each wait finds its event at once.
        waker.wake();
        await poll.pollAsync(events, { timeout: WAIT_MS });
        expect(tokensOf(events)).toEqual([9]);
        waits++;
      }
    } finally {
      stopped = true;
      clearInterval(interval);
    }
    // A wait that finds its event at once still lets the event loop turn, at least once a
    // millisecond; between turns, waits are served back to back (docs/architecture.md, "One
    // turn of the event loop per millisecond").
    expect(waits).toBeGreaterThan(20);
    expect(timers).toBeGreaterThan(10);
    expect(immediates).toBeGreaterThan(10);
    expect(waits).toBeGreaterThan(2 * immediates);
  });

  it('work that yielded with nextTurn runs before a wait that finds its event at once', async () => {
    const poll = newPoll();
    const waker = new Waker(poll.registry(), 4);
    const events = new Events(4);
    waker.wake();
    await poll.pollAsync(events, { timeout: WAIT_MS });
    // Each round comes well within a millisecond of the last turn: only the yielded work makes
    // the next wait turn the event loop first.
    for (let round = 0; round < 20; round++) {
      let ran = false;
      nextTurn(() => (ran = true));
      waker.wake();
      await poll.pollAsync(events, { timeout: WAIT_MS });
      expect(tokensOf(events)).toEqual([4]);
      expect(ran, `round ${round}`).toBe(true);
    }
  });

  it('an AbortSignal rejects the wait with its reason and leaves the Poll usable', async () => {
    const poll = newPoll();
    const waker = new Waker(poll.registry(), 2);
    const events = new Events(4);
    const controller = new AbortController();
    const reason = new Error('stop waiting');
    const waiting = poll.pollAsync(events, { signal: controller.signal });
    setImmediate(() => controller.abort(reason));
    await expect(waiting).rejects.toBe(reason);
    waker.wake();
    await poll.pollAsync(events, { timeout: WAIT_MS });
    expect(tokensOf(events)).toEqual([2]);
  });

  it('an abort without a reason rejects with an AbortError', async () => {
    const poll = newPoll();
    const controller = new AbortController();
    const waiting = poll.pollAsync(new Events(4), { signal: controller.signal });
    setImmediate(() => controller.abort());
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('an already aborted signal rejects at once, without waiting', async () => {
    const poll = newPoll();
    const reason = new Error('too late');
    await expect(poll.pollAsync(new Events(4), { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    // Nothing is left waiting: the blocking poll is allowed.
    poll.poll(new Events(4), 0);
  });

  it('a signal aborted after the wait settled changes nothing', async () => {
    const poll = newPoll();
    const waker = new Waker(poll.registry(), 3);
    const controller = new AbortController();
    const events = new Events(4);
    waker.wake();
    await poll.pollAsync(events, { signal: controller.signal, timeout: WAIT_MS });
    controller.abort();
    waker.wake();
    await poll.pollAsync(events, { timeout: WAIT_MS });
    expect(tokensOf(events)).toEqual([3]);
  });

  it('a second wait while one is pending fails with ERR_POLL_BUSY; the first is unharmed', async () => {
    const poll = newPoll();
    const waker = new Waker(poll.registry(), 4);
    const events = new Events(4);
    const first = poll.pollAsync(events);
    await expect(poll.pollAsync(new Events(4), { timeout: 0 })).rejects.toMatchObject({ name: 'PollBusyError', code: 'ERR_POLL_BUSY' });
    expect(() => poll.poll(new Events(4), 0)).toThrow(InvalidStateError);
    expect(() => poll.poll(new Events(4), 0)).toThrow(expect.objectContaining({ code: 'ERR_POLL_BUSY' }));
    waker.wake();
    await first;
    expect(tokensOf(events)).toEqual([4]);
  });

  it('close() during a pending wait resolves it and frees every native block', async () => {
    const before = NativeMemory.liveBlocks;
    const beforeBytes = NativeMemory.liveBytes;
    const poll = new Poll();
    const { source } = rawListener();
    const pair = await connectedPair();
    poll.registry().register(source, 1, Interest.READABLE);
    poll.registry().register(pair.source, 2, Interest.READABLE);
    const events = new Events(4);
    const waiting = poll.pollAsync(events);
    setImmediate(() => poll.close());
    await waiting;
    expect(events.isEmpty()).toBe(true);
    expect(poll.closed).toBe(true);
    expect(NativeMemory.liveBlocks).toBe(before);
    expect(NativeMemory.liveBytes).toBe(beforeBytes);
    await expect(poll.pollAsync(events)).rejects.toMatchObject({ code: 'ERR_POLL_CLOSED' });
    expect(source.registered).toBe(false);
    poll.close();
  });

  it('for-await yields events; break frees the Poll for the next wait', async () => {
    const poll = newPoll();
    const waker = new Waker(poll.registry(), 5);
    waker.wake();
    waker.wake();
    const tokens: number[] = [];
    for await (const event of poll) {
      tokens.push(event.token);
      if (tokens.length === 2) break;
    }
    expect(tokens).toEqual([5, 5]);
    waker.wake();
    const seen = await pollUntil(poll, has(5, 'readable'));
    expect(seen.map((e) => e.token)).toEqual([5]);
  });

  it('for-await ends when the Poll is closed', async () => {
    const poll = newPoll();
    const tokens: number[] = [];
    setImmediate(() => poll.close());
    for await (const event of poll) tokens.push(event.token);
    expect(tokens).toEqual([]);
    expect(poll.closed).toBe(true);
  });
});
