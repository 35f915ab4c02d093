// Bad input and misuse: each rejected with a typed error before any native call (or, for a
// handle that is no socket, with the system's answer), never a crash and never leaked memory.
import { describe, expect, it } from 'vitest';
import { HANDLE_NOISE, quietHandleCount, settledHandleDelta } from '../fixtures/handles.js';
import { Events, Interest, IoSource, InvalidArgumentError, InvalidStateError, Poll, SystemError, Waker, shareRegistry } from '../../src/index.js';
import { NativeMemory, ws2_32 } from '../../src/sys/windows/ffi/index.js';
import { tcpSocket } from '../sys/windows/raw-socket.js';
import { closeRaw, connectedPair, has, newPoll, peerWrite, pollUntil, rawListener, useCleanups } from './fixtures/sockets.js';

useCleanups();

const notRegistered = { name: 'NotRegisteredError', code: 'ERR_NOT_REGISTERED' };
const alreadyRegistered = { name: 'AlreadyRegisteredError', code: 'ERR_ALREADY_REGISTERED' };
const pollClosed = { name: 'PollClosedError', code: 'ERR_POLL_CLOSED' };
const invalidArgument = { name: 'InvalidArgumentError', code: 'ERR_INVALID_ARG_VALUE' };

describe('registration state', () => {
  it('reregister or deregister of a source never registered: ERR_NOT_REGISTERED', () => {
    const poll = newPoll();
    const { source } = rawListener();
    expect(() => poll.registry().reregister(source, 1, Interest.READABLE)).toThrow(expect.objectContaining(notRegistered));
    expect(() => poll.registry().deregister(source)).toThrow(expect.objectContaining(notRegistered));
    expect(() => poll.registry().deregister(source)).toThrow(InvalidStateError);
  });

  it('deregister twice, or reregister after deregister: ERR_NOT_REGISTERED', () => {
    const poll = newPoll();
    const { source } = rawListener();
    poll.registry().register(source, 1, Interest.READABLE);
    poll.registry().deregister(source);
    expect(() => poll.registry().deregister(source)).toThrow(expect.objectContaining(notRegistered));
    expect(() => poll.registry().reregister(source, 1, Interest.READABLE)).toThrow(expect.objectContaining(notRegistered));
  });

  it('a source registered twice: ERR_ALREADY_REGISTERED, and the first registration still works', async () => {
    const poll = newPoll();
    const { source, peer } = await connectedPair();
    poll.registry().register(source, 1, Interest.READABLE);
    expect(() => poll.registry().register(source, 2, Interest.WRITABLE)).toThrow(expect.objectContaining(alreadyRegistered));
    await peerWrite(peer, 'still watched');
    expect(await pollUntil(poll, has(1, 'readable'))).toMatchObject([{ token: 1, readable: true, writable: false }]);
  });

  it('a source registered with another Poll: register is ERR_ALREADY_REGISTERED, reregister and deregister are InvalidArgumentError', () => {
    const first = newPoll();
    const second = newPoll();
    const { source } = rawListener();
    first.registry().register(source, 1, Interest.READABLE);
    expect(() => second.registry().register(source, 1, Interest.READABLE)).toThrow(expect.objectContaining(alreadyRegistered));
    expect(() => second.registry().reregister(source, 1, Interest.READABLE)).toThrow(InvalidArgumentError);
    expect(() => second.registry().deregister(source)).toThrow(InvalidArgumentError);
    // Untouched by the failed calls.
    expect(source.registered).toBe(true);
    first.registry().deregister(source);
  });
});

describe('a closed Poll', () => {
  it('refuses every call with ERR_POLL_CLOSED; close() again is harmless', async () => {
    const poll = new Poll();
    const { source } = rawListener();
    const other = rawListener().source;
    poll.registry().register(source, 1, Interest.READABLE);
    poll.close();
    poll.close();
    poll[Symbol.dispose]();
    expect(poll.closed).toBe(true);
    const events = new Events(4);
    expect(() => poll.poll(events, 0)).toThrow(expect.objectContaining(pollClosed));
    await expect(poll.pollAsync(events, { timeout: 0 })).rejects.toMatchObject(pollClosed);
    expect(() => poll.registry().register(other, 2, Interest.READABLE)).toThrow(expect.objectContaining(pollClosed));
    expect(() => poll.registry().reregister(source, 1, Interest.WRITABLE)).toThrow(expect.objectContaining(pollClosed));
    expect(() => poll.registry().deregister(source)).toThrow(expect.objectContaining(pollClosed));
    expect(() => new Waker(poll.registry(), 3)).toThrow(expect.objectContaining(pollClosed));
    expect(() => shareRegistry(poll.registry())).toThrow(expect.objectContaining(pollClosed));
    const iterator = poll[Symbol.asyncIterator]();
    await expect(iterator.next()).resolves.toEqual({ value: undefined, done: true });
  });

  it('lets go of its sources: they can register with a new Poll', async () => {
    const first = new Poll();
    const { source, peer } = await connectedPair();
    first.registry().register(source, 1, Interest.READABLE);
    first.close();
    expect(source.registered).toBe(false);
    const second = newPoll();
    second.registry().register(source, 2, Interest.READABLE);
    await peerWrite(peer, 'hello');
    expect(await pollUntil(second, has(2, 'readable'))).toMatchObject([{ token: 2, readable: true }]);
  });
});

describe('handles', () => {
  it('IoSource refuses values that cannot be a SOCKET', () => {
    for (const bad of [0, -1, 0n, -5n, 0xffff_ffff_ffff_ffffn, 1.5, Number.NaN, '12', null, undefined, {}]) {
      expect(() => new IoSource(bad as never)).toThrow(InvalidArgumentError);
    }
  });

  it('a handle that is no socket: SystemError ENOTSOCK, nothing registered, nothing leaked', async () => {
    const poll = newPoll();
    // A poll first, so that the Poll's own lazily allocated blocks are not counted.
    poll.poll(new Events(8), 0);
    const blocks = NativeMemory.liveBlocks;
    const bytes = NativeMemory.liveBytes;
    const handles = await quietHandleCount();
    for (const bogus of [0x7fff_0000n, 12_344n]) {
      const source = new IoSource(bogus);
      expect(() => poll.registry().register(source, 1, Interest.READABLE)).toThrow(SystemError);
      expect(() => poll.registry().register(source, 1, Interest.READABLE)).toThrow(expect.objectContaining({ code: 'ENOTSOCK' }));
      expect(source.registered).toBe(false);
    }
    expect(NativeMemory.liveBlocks).toBe(blocks);
    expect(NativeMemory.liveBytes).toBe(bytes);
    expect(await settledHandleDelta(handles)).toBeLessThanOrEqual(HANDLE_NOISE);
    // The Poll is unharmed.
    const { source, peer } = await connectedPair();
    poll.registry().register(source, 2, Interest.READABLE);
    await peerWrite(peer, 'x');
    expect(await pollUntil(poll, has(2, 'readable'))).toMatchObject([{ token: 2 }]);
  });

  it('a closed socket: SystemError ENOTSOCK, nothing leaked', () => {
    const poll = newPoll();
    poll.poll(new Events(8), 0);
    const blocks = NativeMemory.liveBlocks;
    const socket = tcpSocket();
    ws2_32.closeSocket(socket);
    const source = new IoSource(socket);
    let thrown: unknown;
    try {
      poll.registry().register(source, 1, Interest.READABLE);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SystemError);
    expect(thrown).toMatchObject({ code: 'ENOTSOCK', errno: expect.any(Number) as unknown, syscall: expect.any(String) as unknown });
    expect(NativeMemory.liveBlocks).toBe(blocks);
  });

  it('a socket closed after register is dropped quietly: no event, no crash', async () => {
    const poll = newPoll();
    const { socket, source } = await connectedPair();
    poll.registry().register(source, 1, Interest.READABLE);
    closeRaw(socket);
    expect(await pollUntil(poll, () => false, 300)).toEqual([]);
  });
});

describe('arguments', () => {
  const badTokens = [-1, 1.5, Number.NaN, 2 ** 53, Number.POSITIVE_INFINITY, '1', 1n, null, undefined];

  it('a token that is not a non-negative safe integer: InvalidArgumentError, nothing registered', () => {
    const poll = newPoll();
    const { source } = rawListener();
    const blocks = NativeMemory.liveBlocks;
    for (const bad of badTokens) {
      expect(() => poll.registry().register(source, bad as never, Interest.READABLE)).toThrow(expect.objectContaining(invalidArgument));
      expect(source.registered).toBe(false);
    }
    expect(NativeMemory.liveBlocks).toBe(blocks);
    poll.registry().register(source, 1, Interest.READABLE);
    for (const bad of badTokens) {
      expect(() => poll.registry().reregister(source, bad as never, Interest.READABLE)).toThrow(InvalidArgumentError);
    }
    expect(source.registered).toBe(true);
  });

  it('a bad interest or source: InvalidArgumentError', () => {
    const poll = newPoll();
    const { source } = rawListener();
    for (const bad of [undefined, null, 1, 'READABLE', {}, { bits: 1 }]) {
      expect(() => poll.registry().register(source, 1, bad as never)).toThrow(InvalidArgumentError);
    }
    for (const bad of [undefined, null, {}, 5n, { register() {} }]) {
      expect(() => poll.registry().register(bad as never, 1, Interest.READABLE)).toThrow(InvalidArgumentError);
      expect(() => poll.registry().deregister(bad as never)).toThrow(InvalidArgumentError);
    }
    expect(() => Interest.fromBits(0)).toThrow();
  });

  it('bad Events: InvalidArgumentError from poll and pollAsync', async () => {
    const poll = newPoll();
    for (const bad of [undefined, null, [], {}, { capacity: 4 }]) {
      expect(() => poll.poll(bad as never, 0)).toThrow(InvalidArgumentError);
      await expect(poll.pollAsync(bad as never, { timeout: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    for (const bad of [0, -1, 1.5, Number.NaN, '8']) {
      expect(() => new Events(bad as never)).toThrow(InvalidArgumentError);
    }
  });

  it('a bad timeout: InvalidArgumentError from poll and pollAsync', async () => {
    const poll = newPoll();
    const events = new Events(4);
    for (const bad of [-1, Number.NaN, '10', null, 10n]) {
      expect(() => poll.poll(events, bad as never)).toThrow(InvalidArgumentError);
      await expect(poll.pollAsync(events, { timeout: bad as never })).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    // The Poll is still free: none of these started a wait.
    poll.poll(events, 0);
  });

  it('RemoteRegistry refuses what is not a RegistryHandle', async () => {
    const { RemoteRegistry } = await import('../../src/index.js');
    for (const bad of [undefined, null, {}, { port: 1, target: {} }]) {
      expect(() => new RemoteRegistry(bad as never)).toThrow(InvalidArgumentError);
    }
  });
});
