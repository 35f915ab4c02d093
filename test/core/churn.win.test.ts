// Churn: 10,000 connect/accept/close cycles, 100 at a time, through one Poll. Afterwards the
// selector holds no socket state and no AFD handle, no native block is left and the process
// handle count is back at its baseline.
import { describe, expect, it } from 'vitest';
import { HANDLE_NOISE, quietHandleCount, settledHandleDelta } from '../fixtures/handles.js';
import { Events, Interest, Poll, TcpListener, TcpStream, WOULD_BLOCK } from '../../src/index.js';
import { selectorOf } from '../../src/poll/registry.js';
import { NativeMemory } from '../../src/sys/windows/ffi/index.js';
import { WindowsSelector } from '../../src/sys/windows/selector.js';

const CYCLES = 10_000;
const BATCH = 100;
// Handles other threads of the test process (Node, vitest) may open or close meanwhile, as in
// leaks.win.test.ts. A leak of one handle per connection would show as 10,000, one per batch as 100.
const LISTENER = 1;
const CLIENT_BASE = 10_000;
const ACCEPTED_BASE = 20_000;

class ChurnStallError extends Error {
  constructor(what: string) {
    super(`churn stalled: ${what}`);
    this.name = 'ChurnStallError';
  }
}

function windowsSelectorOf(poll: Poll): WindowsSelector {
  const selector = selectorOf(poll.registry());
  if (!(selector instanceof WindowsSelector)) throw new TypeError('not the Windows selector');
  return selector;
}

/** Polls, handing each token to `onEvent`, until `done()`; 30 s at most. */
async function driveUntil(poll: Poll, events: Events, onEvent: (token: number) => void, done: () => boolean, what: () => string): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (!done()) {
    if (performance.now() > deadline) throw new ChurnStallError(what());
    await poll.pollAsync(events, { timeout: 50 });
    for (const event of events) onEvent(event.token);
  }
}

/**
 * One batch: `BATCH` clients connect, each is accepted and registered, then all are closed;
 * half deregister first, half are closed while registered (the selector learns from LOCAL_CLOSE).
 */
async function churnBatch(poll: Poll, events: Events, listener: TcpListener): Promise<void> {
  const registry = poll.registry();
  const address = listener.localAddr();
  const clients = Array.from({ length: BATCH }, (_, i) => {
    const client = TcpStream.connect(address);
    registry.register(client, CLIENT_BASE + i, Interest.WRITABLE);
    return client;
  });
  const connected = new Set<number>();
  const accepted: TcpStream[] = [];
  await driveUntil(
    poll,
    events,
    (token) => {
      if (token === LISTENER) {
        for (let next = listener.accept(); next !== WOULD_BLOCK; next = listener.accept()) {
          const [stream] = next;
          registry.register(stream, ACCEPTED_BASE + accepted.length, Interest.READABLE);
          accepted.push(stream);
        }
      } else if (token >= CLIENT_BASE && token < CLIENT_BASE + BATCH) connected.add(token);
    },
    () => connected.size === BATCH && accepted.length === BATCH,
    () => `${connected.size} connected, ${accepted.length} accepted of ${BATCH}`,
  );
  // The accepted side closes first: its TIME_WAIT keeps no ephemeral port of the clients.
  accepted.forEach((stream, i) => {
    if (i % 2 === 0) registry.deregister(stream);
    stream.close();
  });
  clients.forEach((client, i) => {
    if (i % 2 === 1) registry.deregister(client);
    client.close();
  });
}

describe('connection churn', () => {
  it(`${CYCLES.toLocaleString('en')} connect/close cycles, ${BATCH} at a time, leave no state, handle or native block`, async () => {
    const poll = new Poll();
    const selector = windowsSelectorOf(poll);
    const events = new Events(256);
    const listener = TcpListener.bind('127.0.0.1:0', { backlog: BATCH * 2 });
    poll.registry().register(listener, LISTENER, Interest.READABLE);
    const settled = (): Promise<void> =>
      driveUntil(
        poll,
        events,
        () => undefined,
        () => selector.liveSocketStates === 1,
        () => `${selector.liveSocketStates - 1} socket states besides the listener's`,
      );
    try {
      // Warm-up: DLLs, Winsock's per-process state and the selector's completion entries.
      await churnBatch(poll, events, listener);
      await settled();
      const handlesBefore = await quietHandleCount();
      const blocksBefore = NativeMemory.liveBlocks;
      const afdBefore = selector.afdHandleCount;
      const started = performance.now();
      for (let done = 0; done < CYCLES; done += BATCH) await churnBatch(poll, events, listener);
      await settled();
      const seconds = (performance.now() - started) / 1000;
      const handleDelta = (await quietHandleCount()) - handlesBefore;
      console.log(`churn: ${CYCLES} cycles in ${seconds.toFixed(1)} s; handles ${handleDelta >= 0 ? '+' : ''}${handleDelta}, native blocks ${NativeMemory.liveBlocks - blocksBefore}, AFD handles ${selector.afdHandleCount}`);
      // Only the listener's state is left; its AFD handle is the only one.
      expect(selector.liveSocketStates).toBe(1);
      expect(selector.afdHandleCount).toBe(afdBefore);
      expect(NativeMemory.liveBlocks).toBe(blocksBefore);
      expect(await settledHandleDelta(handlesBefore)).toBeLessThanOrEqual(HANDLE_NOISE);
      poll.registry().deregister(listener);
      await driveUntil(
        poll,
        events,
        () => undefined,
        () => selector.liveSocketStates === 0,
        () => `${selector.liveSocketStates} socket states after the listener's deregistration`,
      );
      expect(selector.afdHandleCount).toBe(0);
    } finally {
      listener.close();
      poll.close();
    }
  }, 120_000);
});
