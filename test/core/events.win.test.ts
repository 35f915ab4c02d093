// What events say and when: mio's edge triggering emulated on AFD's level-triggered polls (an
// event does not repeat until WouldBlock or reregister), readiness kinds, timeouts, and batches
// larger than the caller's Events.
import { describe, expect, it } from 'vitest';
import { Events, Interest } from '../../src/index.js';
import { SD_SEND, SOL_SOCKET, SO_LINGER, ws2_32 } from '../../src/sys/windows/ffi/index.js';
import {
  QUIET_MS,
  WAIT_MS,
  closeRaw,
  connectedPair,
  drainRaw,
  has,
  newPoll,
  peerWrite,
  pollFor,
  pollUntil,
  rawPair,
  readSome,
  readUntilWouldBlock,
  seen,
  useCleanups,
  writeUntilWouldBlock,
  type Seen,
} from './fixtures/sockets.js';

useCleanups();

describe('timeouts', () => {
  it('nothing registered: the blocking poll returns empty once its timeout passes', () => {
    const poll = newPoll();
    const events = new Events(4);
    poll.poll(events, 30);
    expect(events.isEmpty()).toBe(true);
  });

  it('a zero timeout still reports ready events (blocking poll)', async () => {
    const poll = newPoll();
    const { source, peer } = await connectedPair();
    await peerWrite(peer, 'ready');
    poll.registry().register(source, 8, Interest.READABLE.add(Interest.WRITABLE));
    const events = new Events(8);
    const all: Seen[] = [];
    // The first call issues the AFD poll; a ready socket answers it without any wait.
    for (let i = 0; i < 50 && !(has(8, 'readable')(all) && has(8, 'writable')(all)); i++) {
      poll.poll(events, 0);
      for (const event of events) all.push(seen(event));
    }
    expect(has(8, 'readable')(all)).toBe(true);
    expect(has(8, 'writable')(all)).toBe(true);
  });

  it('a zero timeout still reports ready events (pollAsync)', async () => {
    const poll = newPoll();
    const { source } = await connectedPair();
    poll.registry().register(source, 9, Interest.WRITABLE);
    const events = new Events(8);
    const all: Seen[] = [];
    for (let i = 0; i < 50 && !has(9, 'writable')(all); i++) {
      await poll.pollAsync(events, { timeout: 0 });
      for (const event of events) all.push(seen(event));
    }
    expect(all).toMatchObject([{ token: 9, writable: true }]);
  });
});

describe('edge triggering', () => {
  it('READABLE does not repeat while data waits, nor for new data, until a read hits WouldBlock', async () => {
    const poll = newPoll();
    const { source, peer } = await connectedPair();
    poll.registry().register(source, 1, Interest.READABLE);
    await peerWrite(peer, 'abcdef');
    expect(await pollUntil(poll, has(1, 'readable'))).toMatchObject([{ token: 1, readable: true }]);
    // Still readable, but the edge was reported.
    expect(await pollFor(poll)).toEqual([]);
    // A read that does not reach WouldBlock does not re-arm either.
    expect(readSome(source, 2)).toBe(2);
    await peerWrite(peer, 'more');
    expect(await pollFor(poll)).toEqual([]);
    // WouldBlock re-arms: nothing is left to read, so nothing fires until new data arrives.
    expect(readUntilWouldBlock(source).data.toString()).toBe('cdefmore');
    expect(await pollFor(poll)).toEqual([]);
    await peerWrite(peer, 'again');
    expect(await pollUntil(poll, has(1, 'readable'))).toMatchObject([{ token: 1, readable: true }]);
    expect(await pollFor(poll)).toEqual([]);
  });

  it('reregister re-arms a fired READABLE: the unread data is reported again', async () => {
    const poll = newPoll();
    const { source, peer } = await connectedPair();
    poll.registry().register(source, 1, Interest.READABLE);
    await peerWrite(peer, 'unread');
    expect(await pollUntil(poll, has(1, 'readable'))).toHaveLength(1);
    expect(await pollFor(poll)).toEqual([]);
    poll.registry().reregister(source, 1, Interest.READABLE);
    expect(await pollUntil(poll, has(1, 'readable'))).toMatchObject([{ token: 1, readable: true }]);
  });

  it('WRITABLE on a connected socket fires once, then after reregister, then after a send hit WouldBlock', async () => {
    const poll = newPoll();
    const { source, peer } = await rawPair();
    poll.registry().register(source, 2, Interest.WRITABLE);
    expect(await pollUntil(poll, has(2, 'writable'))).toMatchObject([{ token: 2, writable: true, readable: false }]);
    expect(await pollFor(poll)).toEqual([]);

    poll.registry().reregister(source, 2, Interest.WRITABLE);
    expect(await pollUntil(poll, has(2, 'writable'))).toMatchObject([{ token: 2, writable: true }]);
    expect(await pollFor(poll)).toEqual([]);

    // Fill every buffer between us and the peer, which does not read yet.
    expect(writeUntilWouldBlock(source)).toBeGreaterThan(0);
    expect(await pollFor(poll)).toEqual([]);
    // The peer reads: room comes back, and WouldBlock had re-armed WRITABLE.
    const all: Seen[] = [];
    const deadline = performance.now() + WAIT_MS;
    while (!has(2, 'writable')(all) && performance.now() < deadline) {
      drainRaw(peer);
      all.push(...(await pollUntil(poll, has(2, 'writable'), 50)));
    }
    expect(all).toMatchObject([{ token: 2, writable: true }]);
    expect(await pollFor(poll)).toEqual([]);
  });

  it('READABLE | WRITABLE: each kind is reported once until WouldBlock re-arms the registration', async () => {
    const poll = newPoll();
    const { source, peer } = await connectedPair();
    await peerWrite(peer, 'both');
    poll.registry().register(source, 3, Interest.READABLE.add(Interest.WRITABLE));
    const first = await pollUntil(poll, (events) => has(3, 'readable')(events) && has(3, 'writable')(events));
    expect(first.filter((e) => e.readable)).toHaveLength(1);
    expect(first.filter((e) => e.writable)).toHaveLength(1);
    expect(await pollFor(poll)).toEqual([]);
    // Like mio, WouldBlock re-arms the whole registration; a socket with room to send is then
    // reported WRITABLE again too.
    readUntilWouldBlock(source);
    await peerWrite(peer, 'more');
    const second = await pollUntil(poll, (events) => has(3, 'readable')(events) && has(3, 'writable')(events));
    expect(second.filter((e) => e.readable)).toHaveLength(1);
    expect(second.filter((e) => e.writable)).toHaveLength(1);
    expect(await pollFor(poll)).toEqual([]);
  });
});

describe('readiness kinds', () => {
  it('a peer FIN is READABLE with read-closed, and the read sees EOF', async () => {
    const poll = newPoll();
    const { source, peer } = await rawPair();
    poll.registry().register(source, 5, Interest.READABLE);
    expect(await pollFor(poll)).toEqual([]);
    ws2_32.shutdown(peer, SD_SEND);
    const events = await pollUntil(poll, has(5, 'readClosed'));
    expect(events).toMatchObject([{ token: 5, readable: true, readClosed: true, error: false }]);
    expect(readUntilWouldBlock(source)).toEqual({ data: Buffer.alloc(0), eof: true });
  });

  it('a peer reset is read-closed and write-closed', async () => {
    const poll = newPoll();
    const { source, peer } = await rawPair();
    poll.registry().register(source, 6, Interest.READABLE);
    expect(await pollFor(poll)).toEqual([]);
    // SO_LINGER with a zero timeout makes closesocket send RST.
    const linger = Buffer.alloc(4);
    linger.writeUInt16LE(1, 0);
    ws2_32.setSockOpt(peer, SOL_SOCKET, SO_LINGER, linger);
    closeRaw(peer);
    const events = await pollUntil(poll, has(6, 'writeClosed'));
    expect(events).toMatchObject([{ token: 6, readable: true, readClosed: true, writeClosed: true }]);
  });

  it('PRIORITY alone is a valid interest that stays quiet without out-of-band data', async () => {
    const poll = newPoll();
    const { source, peer } = await connectedPair();
    poll.registry().register(source, 7, Interest.PRIORITY);
    await peerWrite(peer, 'ordinary data');
    expect(await pollFor(poll)).toEqual([]);
  });
});

describe('batches', () => {
  it('more ready sockets than the Events capacity: every event arrives once, over several polls', async () => {
    const poll = newPoll();
    const pairs = await Promise.all(Array.from({ length: 5 }, () => connectedPair()));
    pairs.forEach((pair, i) => poll.registry().register(pair.source, 100 + i, Interest.READABLE));
    await Promise.all(pairs.map((pair) => peerWrite(pair.peer, 'x')));
    const events = new Events(2);
    const tokens: number[] = [];
    const deadline = performance.now() + WAIT_MS;
    while (tokens.length < 5 && performance.now() < deadline) {
      await poll.pollAsync(events, { timeout: WAIT_MS });
      expect(events.length).toBeLessThanOrEqual(2);
      for (const event of events) tokens.push(event.token);
    }
    expect(tokens.sort()).toEqual([100, 101, 102, 103, 104]);
    expect(await pollFor(poll, QUIET_MS)).toEqual([]);
  });
});
