// Native resources: socket states freed once their last poll reported back (closed socket,
// deregister with a poll in flight), AFD handles shared by at most 32 sockets and closed when
// unused, and Polls that leave no handle and no native block behind.
import { describe, expect, it } from 'vitest';
import { Events, Interest, type IoSource, Poll } from '../../src/index.js';
import { Registry } from '../../src/poll/registry.js';
import { NativeMemory, kernel32, ws2_32 } from '../../src/sys/windows/ffi/index.js';
import { WindowsSelector } from '../../src/sys/windows/selector.js';
import { HANDLE_NOISE, quietHandleCount, settledHandleDelta } from '../fixtures/handles.js';
import { WAIT_MS, closeRaw, defer, rawListener, rawPair, seen, useCleanups, type Seen } from './fixtures/sockets.js';

useCleanups();

// Handles other threads of the test process (Node, vitest) may open or close meanwhile.

function newSelector(): { selector: WindowsSelector; registry: Registry; events: Events } {
  const selector = new WindowsSelector();
  defer(() => selector.close());
  const events = new Events(64);
  // Allocates the selector's completion entries now, so that they are not counted below.
  selector.select(events, 0);
  return { selector, registry: new Registry(selector), events };
}

/** Waits (without blocking the event loop) until `done`, collecting events; WAIT_MS at most. */
async function selectUntil(selector: WindowsSelector, events: Events, done: () => boolean): Promise<Seen[]> {
  const all: Seen[] = [];
  const deadline = performance.now() + WAIT_MS;
  while (!done() && performance.now() < deadline) {
    await selector.selectAsync(events, 20, undefined);
    for (const event of events) all.push(seen(event));
  }
  return all;
}

function memory(): { blocks: number; bytes: number } {
  return { blocks: NativeMemory.liveBlocks, bytes: NativeMemory.liveBytes };
}

describe('socket states', () => {
  it('closing a socket with a poll in flight frees its state once the poll reports LOCAL_CLOSE', async () => {
    const { selector, registry, events } = newSelector();
    const { socket, source } = rawListener();
    const before = memory();
    registry.register(source, 1, Interest.READABLE);
    selector.select(events, 0);
    expect(events.isEmpty()).toBe(true);
    expect(selector.liveSocketStates).toBe(1);
    expect(selector.afdHandleCount).toBe(1);
    expect(NativeMemory.liveBlocks).toBe(before.blocks + 1);

    closeRaw(socket);
    const reported = await selectUntil(selector, events, () => selector.liveSocketStates === 0);
    expect(reported).toEqual([]);
    expect(selector.liveSocketStates).toBe(0);
    expect(selector.afdHandleCount).toBe(0);
    expect(memory()).toEqual(before);
  });

  it('deregister with a poll in flight frees the state after the cancel completes', async () => {
    const { selector, registry, events } = newSelector();
    const { source } = rawListener();
    const before = memory();
    registry.register(source, 1, Interest.READABLE);
    selector.select(events, 0);
    registry.deregister(source);
    // The kernel still owns the poll's memory until the cancelled poll is dequeued.
    expect(selector.liveSocketStates).toBe(1);
    expect(NativeMemory.liveBlocks).toBe(before.blocks + 1);
    const reported = await selectUntil(selector, events, () => selector.liveSocketStates === 0);
    expect(reported).toEqual([]);
    expect(selector.afdHandleCount).toBe(0);
    expect(memory()).toEqual(before);
  });

  it("deregister while the poll's completion waits in the port: no event for it, the state is freed once it is dequeued", async () => {
    const { selector, registry, events } = newSelector();
    const { source, peer } = await rawPair();
    const before = memory();
    registry.register(source, 1, Interest.READABLE);
    selector.select(events, 0);
    expect(events.isEmpty()).toBe(true);
    // Data completes the poll in flight; nobody dequeues its packet yet.
    expect(ws2_32.send(peer, Buffer.from('data'), 4, 0)).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 200));
    registry.deregister(source);
    // The packet still names the state's block: it lives until the packet is taken.
    expect(selector.liveSocketStates).toBe(1);
    const reported = await selectUntil(selector, events, () => selector.liveSocketStates === 0);
    expect(reported).toEqual([]);
    expect(memory()).toEqual(before);
  });

  it('deregister before any poll was issued frees the state at once', () => {
    const { selector, registry } = newSelector();
    const { source } = rawListener();
    const before = memory();
    registry.register(source, 1, Interest.READABLE);
    registry.deregister(source);
    expect(selector.liveSocketStates).toBe(0);
    expect(selector.afdHandleCount).toBe(0);
    expect(memory()).toEqual(before);
  });

  it('reregister over and over with a poll in flight keeps one state and one block', async () => {
    const { selector, registry, events } = newSelector();
    const { source } = await rawPair();
    const before = memory();
    registry.register(source, 0, Interest.READABLE);
    selector.select(events, 0);
    for (let i = 1; i <= 50; i++) {
      registry.reregister(source, i, i % 2 === 0 ? Interest.READABLE : Interest.READABLE.add(Interest.PRIORITY));
      selector.select(events, 0);
    }
    expect(selector.liveSocketStates).toBe(1);
    expect(NativeMemory.liveBlocks).toBe(before.blocks + 1);
    registry.deregister(source);
    await selectUntil(selector, events, () => selector.liveSocketStates === 0);
    expect(memory()).toEqual(before);
  });
});

describe('AFD handles', () => {
  it('100 sockets share 4 handles (32 each at most); all are closed once every socket deregistered', async () => {
    const { selector, registry, events } = newSelector();
    const sources: IoSource[] = Array.from({ length: 100 }, () => rawListener().source);
    const before = memory();
    const handles = await quietHandleCount();
    sources.forEach((source, i) => registry.register(source, i, Interest.READABLE));
    expect(selector.afdHandleCount).toBe(4);
    selector.select(events, 0);
    expect(events.isEmpty()).toBe(true);
    expect(selector.liveSocketStates).toBe(100);

    // A slot freed on a full handle is reused rather than opening a fifth handle.
    const [first, ...rest] = sources as [IoSource, ...IoSource[]];
    registry.deregister(first);
    await selectUntil(selector, events, () => selector.liveSocketStates === 99);
    registry.register(first, 1000, Interest.READABLE);
    expect(selector.afdHandleCount).toBe(4);

    for (const source of [first, ...rest]) registry.deregister(source);
    await selectUntil(selector, events, () => selector.liveSocketStates === 0);
    expect(selector.liveSocketStates).toBe(0);
    expect(selector.afdHandleCount).toBe(0);
    expect(memory()).toEqual(before);
    expect(await settledHandleDelta(handles)).toBeLessThanOrEqual(HANDLE_NOISE);
  });
});

describe('Polls', () => {
  it('the handle counter sees the handles of open Polls (the leak checks below rely on it)', async () => {
    new Poll().close();
    const handles = await quietHandleCount();
    const polls = Array.from({ length: 20 }, () => new Poll());
    // One completion port each at least.
    expect(kernel32.getProcessHandleCount() - handles).toBeGreaterThanOrEqual(20 - HANDLE_NOISE);
    for (const poll of polls) poll.close();
    expect(await settledHandleDelta(handles)).toBeLessThanOrEqual(HANDLE_NOISE);
  });

  it('2,000 Polls created, polled and closed leak no handle and no native memory', async () => {
    // Warm-up: the first Poll loads and binds the DLLs.
    new Poll().close();
    const handles = await quietHandleCount();
    const before = memory();
    const events = new Events(16);
    for (let i = 0; i < 2_000; i++) {
      const poll = new Poll();
      poll.poll(events, 0);
      poll.close();
    }
    expect(memory()).toEqual(before);
    expect(await settledHandleDelta(handles)).toBeLessThanOrEqual(HANDLE_NOISE);
  });

  it('Polls closed with registered sockets and polls in flight leak nothing', async () => {
    const listeners = Array.from({ length: 8 }, () => rawListener().source);
    const pairs = await Promise.all(Array.from({ length: 4 }, () => rawPair()));
    const sources = [...listeners, ...pairs.map((pair) => pair.source)];
    new Poll().close();
    const handles = await quietHandleCount();
    const before = memory();
    const events = new Events(16);
    for (let round = 0; round < 100; round++) {
      const poll = new Poll();
      sources.forEach((source, i) => poll.registry().register(source, i, Interest.READABLE));
      // Issues the AFD polls; none can complete: nothing arrives on these sockets.
      poll.poll(events, 0);
      expect(events.isEmpty()).toBe(true);
      poll.close();
    }
    expect(memory()).toEqual(before);
    expect(await settledHandleDelta(handles)).toBeLessThanOrEqual(HANDLE_NOISE);
  });

  it('Polls closed during a pending pollAsync with registered sockets leak nothing', async () => {
    const sources = Array.from({ length: 6 }, () => rawListener().source);
    new Poll().close();
    const handles = await quietHandleCount();
    const before = memory();
    const events = new Events(16);
    for (let round = 0; round < 50; round++) {
      const poll = new Poll();
      sources.forEach((source, i) => poll.registry().register(source, i, Interest.READABLE));
      const waiting = poll.pollAsync(events);
      poll.close();
      await waiting;
      expect(events.isEmpty()).toBe(true);
    }
    expect(memory()).toEqual(before);
    expect(await settledHandleDelta(handles)).toBeLessThanOrEqual(HANDLE_NOISE);
  });
});
