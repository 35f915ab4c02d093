// mio's Waker: wakes a Poll from the same thread or another one with a READABLE event for its
// token, and fails cleanly once its Poll is gone.
import { describe, expect, it } from 'vitest';
import { Events, InvalidArgumentError, InvalidStateError, Waker } from '../../src/index.js';
import { QUIET_MS, has, newPoll, pollFor, pollUntil, useCleanups } from './fixtures/sockets.js';
import { startTsWorker } from './fixtures/ts-worker.js';

useCleanups();

const wakeWorker = new URL('./fixtures/wake-worker.ts', import.meta.url);

describe('Waker', () => {
  it('from the same thread: the next poll returns one READABLE event for its token', () => {
    const poll = newPoll();
    const waker = new Waker(poll.registry(), 10);
    waker.wake();
    const events = new Events(8);
    poll.poll(events, 10_000);
    expect([...events].map((e) => [e.token, e.isReadable(), e.isWritable()])).toEqual([[10, true, false]]);
    // One wake, one event.
    poll.poll(events, 0);
    expect(events.isEmpty()).toBe(true);
  });

  it('from the same thread wakes a pending pollAsync', async () => {
    const poll = newPoll();
    const waker = new Waker(poll.registry(), 3);
    const events = new Events(8);
    const waiting = poll.pollAsync(events);
    setImmediate(() => waker.wake());
    await waiting;
    expect([...events].map((e) => e.token)).toEqual([3]);
  });

  it('several Wakers of one Poll keep their own tokens', async () => {
    const poll = newPoll();
    const a = new Waker(poll.registry(), 1);
    const b = new Waker(poll.registry(), 2);
    a.wake();
    b.wake();
    const seen = await pollUntil(poll, (events) => has(1, 'readable')(events) && has(2, 'readable')(events));
    expect(seen.map((e) => e.token).sort()).toEqual([1, 2]);
  });

  it('from a worker thread wakes a pending pollAsync of the main thread', async () => {
    const poll = newPoll();
    const waker = new Waker(poll.registry(), 42);
    const worker = startTsWorker(wakeWorker);
    const events = new Events(8);
    const waiting = poll.pollAsync(events);
    // The target is plain data: it crosses the thread boundary by structured clone.
    worker.send({ target: waker.target, times: 1 });
    expect(await worker.next()).toEqual({ ok: true });
    await waiting;
    expect([...events].map((e) => [e.token, e.isReadable()])).toEqual([[42, true]]);
  });

  it('wakes queued by a worker before the poll are delivered to the next poll', async () => {
    const poll = newPoll();
    const waker = new Waker(poll.registry(), 7);
    const worker = startTsWorker(wakeWorker);
    worker.send({ target: waker.target, times: 3 });
    expect(await worker.next()).toEqual({ ok: true });
    const seen = await pollUntil(poll, (events) => events.length >= 3);
    expect(seen.map((e) => e.token)).toEqual([7, 7, 7]);
    expect(await pollFor(poll, QUIET_MS)).toEqual([]);
  });

  it('rejects a bad token and a bad target before any native call', () => {
    const poll = newPoll();
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) {
      expect(() => new Waker(poll.registry(), bad)).toThrow(InvalidArgumentError);
    }
    expect(() => Waker.fromTarget({ port: 1 } as never)).toThrow(InvalidArgumentError);
    expect(() => Waker.fromTarget(null as never)).toThrow(InvalidArgumentError);
    const lifetime = new Int32Array(new SharedArrayBuffer(8));
    expect(() => Waker.fromTarget({ port: 1n, token: -1, lifetime } as never)).toThrow(InvalidArgumentError);
    expect(() => Waker.fromTarget({ port: 1n, token: 1 } as never)).toThrow(InvalidArgumentError);
    expect(() => Waker.fromTarget({ port: 1n, token: 1, lifetime: new Int32Array(2) } as never)).toThrow(InvalidArgumentError);
  });

  it('cannot be created for a closed Poll', () => {
    const poll = newPoll();
    poll.close();
    expect(() => new Waker(poll.registry(), 1)).toThrow(expect.objectContaining({ name: 'PollClosedError', code: 'ERR_POLL_CLOSED' }));
    expect(() => new Waker(poll.registry(), 1)).toThrow(InvalidStateError);
  });

  it('waking a closed Poll throws ERR_POLL_CLOSED instead of crashing', () => {
    const poll = newPoll();
    const waker = new Waker(poll.registry(), 1);
    poll.close();
    expect(() => waker.wake()).toThrow(InvalidStateError);
    expect(() => waker.wake()).toThrow(expect.objectContaining({ code: 'ERR_POLL_CLOSED' }));
  });

  it('a Waker of a closed Poll never reaches a new Poll that got its port handle value', async () => {
    const old = newPoll();
    const waker = new Waker(old.registry(), 66);
    old.close();
    // Windows (and Wine) hand out a closed handle's value again: the next ports may reuse it.
    const fresh = Array.from({ length: 4 }, () => newPoll());
    expect(() => waker.wake()).toThrow(expect.objectContaining({ code: 'ERR_POLL_CLOSED' }));
    for (const poll of fresh) expect(await pollFor(poll, 50)).toEqual([]);
  });

  it('waking a closed Poll from a worker reports ERR_POLL_CLOSED to the worker', async () => {
    const poll = newPoll();
    const waker = new Waker(poll.registry(), 1);
    const worker = startTsWorker(wakeWorker);
    poll.close();
    worker.send({ target: waker.target, times: 1 });
    expect(await worker.next()).toMatchObject({ ok: false, name: 'PollClosedError', code: 'ERR_POLL_CLOSED' });
  });
});
