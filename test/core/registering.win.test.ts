// Registry semantics against real sockets: reregister replaces token and interest (cancelling a
// poll in flight when needed), deregister silences a source for good, and a source can be
// registered again afterwards, with this Poll or another one.
import { describe, expect, it } from 'vitest';
import { Events, Interest, Waker } from '../../src/index.js';
import {
  QUIET_MS,
  connectedPair,
  has,
  newPoll,
  nodeClient,
  peerWrite,
  pollFor,
  pollUntil,
  rawListener,
  readUntilWouldBlock,
  useCleanups,
} from './fixtures/sockets.js';

useCleanups();

describe('reregister', () => {
  it('replaces token and interest and cancels the poll in flight', async () => {
    const poll = newPoll();
    const { source, peer } = await connectedPair();
    poll.registry().register(source, 1, Interest.READABLE);
    // Nothing to read: an AFD poll for RECEIVE is now pending in the kernel.
    expect(await pollFor(poll)).toEqual([]);
    poll.registry().reregister(source, 2, Interest.WRITABLE);
    // SEND is not covered by the pending poll: only a cancel and a new poll can report it.
    const seen = await pollUntil(poll, has(2, 'writable'));
    expect(seen).toMatchObject([{ token: 2, writable: true, readable: false }]);
    // READABLE is no longer wanted, under either token.
    await peerWrite(peer, 'data nobody asked for');
    expect(await pollFor(poll)).toEqual([]);
  });

  it('with a new token only, the pending poll reports under the new token', async () => {
    const poll = newPoll();
    const { source, peer } = await connectedPair();
    poll.registry().register(source, 1, Interest.READABLE);
    expect(await pollFor(poll)).toEqual([]);
    poll.registry().reregister(source, 2, Interest.READABLE);
    await peerWrite(peer, 'hello');
    const seen = await pollUntil(poll, has(2, 'readable'));
    expect(seen).toMatchObject([{ token: 2, readable: true }]);
  });

  it('adding an interest while a poll is pending reports the new interest', async () => {
    const poll = newPoll();
    const { source } = await connectedPair();
    poll.registry().register(source, 4, Interest.READABLE);
    expect(await pollFor(poll)).toEqual([]);
    poll.registry().reregister(source, 4, Interest.READABLE.add(Interest.WRITABLE));
    const seen = await pollUntil(poll, has(4, 'writable'));
    expect(seen).toMatchObject([{ token: 4, writable: true, readable: false }]);
  });

  it('to an interest that cannot fire, before any poll, reports nothing (mio: reregister without poll)', async () => {
    const poll = newPoll();
    const { source, port } = rawListener();
    poll.registry().register(source, 0, Interest.READABLE);
    await nodeClient(port);
    // A listener is never writable; the pending connection must not leak out as READABLE.
    poll.registry().reregister(source, 0, Interest.WRITABLE);
    expect(await pollFor(poll)).toEqual([]);
  });
});

describe('deregister', () => {
  it('no events after deregister, even with data arriving', async () => {
    const poll = newPoll();
    const { source, peer } = await connectedPair();
    poll.registry().register(source, 1, Interest.READABLE.add(Interest.WRITABLE));
    // Writable at once; then a READABLE poll is pending.
    expect(await pollUntil(poll, has(1, 'writable'))).toMatchObject([{ token: 1, writable: true }]);
    poll.registry().deregister(source);
    expect(source.registered).toBe(false);
    await peerWrite(peer, 'after deregister');
    expect(await pollFor(poll)).toEqual([]);
  });

  it('deregister before the first poll: the queued poll is never issued', async () => {
    const poll = newPoll();
    const { source, peer } = await connectedPair();
    await peerWrite(peer, 'ready');
    poll.registry().register(source, 1, Interest.READABLE);
    poll.registry().deregister(source);
    expect(await pollFor(poll)).toEqual([]);
  });

  it('register after deregister works, with a new token', async () => {
    const poll = newPoll();
    const { source, peer } = await connectedPair();
    poll.registry().register(source, 1, Interest.READABLE);
    expect(await pollFor(poll)).toEqual([]);
    poll.registry().deregister(source);
    await peerWrite(peer, 'hello');
    expect(await pollFor(poll)).toEqual([]);
    poll.registry().register(source, 3, Interest.READABLE);
    expect(source.registered).toBe(true);
    expect(await pollUntil(poll, has(3, 'readable'))).toMatchObject([{ token: 3, readable: true }]);
    expect(readUntilWouldBlock(source).data.toString()).toBe('hello');
  });

  it('register, deregister, register again before any poll (mio: registering after deregistering)', async () => {
    const poll = newPoll();
    const { source } = rawListener();
    poll.registry().register(source, 0, Interest.READABLE);
    poll.registry().deregister(source);
    poll.registry().register(source, 0, Interest.READABLE);
    expect(await pollFor(poll)).toEqual([]);
  });

  it('a deregistered source can move to another Poll', async () => {
    const first = newPoll();
    const second = newPoll();
    const { source, peer } = await connectedPair();
    first.registry().register(source, 1, Interest.READABLE);
    expect(await pollFor(first)).toEqual([]);
    first.registry().deregister(source);
    second.registry().register(source, 2, Interest.READABLE);
    await peerWrite(peer, 'to the second Poll');
    expect(await pollUntil(second, has(2, 'readable'))).toMatchObject([{ token: 2, readable: true }]);
    expect(await pollFor(first)).toEqual([]);
  });

  it('a connection arriving after a listener is deregistered wakes nobody but the Waker (mio issue 1205)', async () => {
    const poll = newPoll();
    const waker = new Waker(poll.registry(), 10);
    const { source, port } = rawListener();
    poll.registry().register(source, 1, Interest.READABLE);
    const events = new Events(16);
    poll.poll(events, 0);
    expect(events.isEmpty()).toBe(true);
    await nodeClient(port);
    poll.registry().deregister(source);
    setTimeout(() => waker.wake(), QUIET_MS);
    await poll.pollAsync(events);
    expect([...events].map((e) => [e.token, e.isReadable()])).toEqual([[10, true]]);
  });
});

describe('many sources', () => {
  it('each event carries the token of its own source, 0 and MAX_SAFE_INTEGER included', async () => {
    const poll = newPoll();
    const pairs = await Promise.all([connectedPair(), connectedPair(), connectedPair()]);
    const tokens = [0, 77, Number.MAX_SAFE_INTEGER];
    pairs.forEach((pair, i) => poll.registry().register(pair.source, tokens[i] as number, Interest.READABLE));
    const [first, , third] = pairs;
    await peerWrite(first.peer, 'one');
    await peerWrite(third.peer, 'three');
    const seen = await pollUntil(poll, (events) => has(0, 'readable')(events) && has(Number.MAX_SAFE_INTEGER, 'readable')(events));
    expect(seen.map((e) => e.token).sort((a, b) => a - b)).toEqual([0, Number.MAX_SAFE_INTEGER]);
    expect(await pollFor(poll)).toEqual([]);
  });
});
