// Registering from other threads (shareRegistry / RemoteRegistry): a registration made by a
// worker while the owner waits counts in that very wait, in pollAsync and in a blocking poll().
import { describe, expect, it } from 'vitest';
import { Events, Interest, shareRegistry } from '../../src/index.js';
import { RemoteRegistry } from '../../src/poll/remote-registry.js';
import { connectedPair, has, keepPolling, newPoll, peerWrite, pollFor, pollUntil, useCleanups } from './fixtures/sockets.js';
import { startTsWorker } from './fixtures/ts-worker.js';

useCleanups();

const registerWorker = new URL('./fixtures/remote-register-worker.ts', import.meta.url);
const blockingPollWorker = new URL('./fixtures/blocking-poll-worker.ts', import.meta.url);

describe('registering from a worker thread', () => {
  it('a registration made during a pending pollAsync is delivered in that pollAsync', async () => {
    const poll = newPoll();
    const { socket, peer } = await connectedPair();
    await peerWrite(peer, 'ready before anyone watches');
    const worker = startTsWorker(registerWorker);
    const handle = shareRegistry(poll.registry());
    worker.send({ op: 'open', handle }, [handle.port]);
    expect(await worker.next()).toEqual({ ok: true });

    const events = new Events(8);
    // Nothing is registered: without the worker this wait would run for 20 s and report nothing.
    const waiting = poll.pollAsync(events, { timeout: 20_000 });
    worker.send({ op: 'register', socket, token: 5, interest: Interest.READABLE.bits });
    expect(await worker.next()).toEqual({ ok: true });
    await waiting;
    expect([...events].map((e) => [e.token, e.isReadable()])).toEqual([[5, true]]);
  });

  it('reregister and deregister from the worker apply to the owner Poll', async () => {
    const poll = newPoll();
    const { socket, peer } = await connectedPair();
    const worker = startTsWorker(registerWorker);
    const handle = shareRegistry(poll.registry());
    worker.send({ op: 'open', handle }, [handle.port]);
    expect(await worker.next()).toEqual({ ok: true });

    const pending = pollUntil(poll, has(6, 'writable'));
    worker.send({ op: 'register', socket, token: 5, interest: Interest.READABLE.bits });
    expect(await worker.next()).toEqual({ ok: true });
    worker.send({ op: 'reregister', socket, token: 6, interest: Interest.WRITABLE.bits });
    expect(await worker.next()).toEqual({ ok: true });
    const seen = await pending;
    expect(seen.filter((e) => e.token === 6 && e.writable)).toHaveLength(1);
    expect(seen.some((e) => e.token === 5)).toBe(false);

    // Commands are applied inside the owner's waits: keep one running while the worker asks.
    const polling = keepPolling(poll);
    worker.send({ op: 'deregister', socket });
    expect(await worker.next()).toEqual({ ok: true });
    await peerWrite(peer, 'after deregister');
    expect(await polling.stop()).toEqual([]);
    expect(await pollFor(poll)).toEqual([]);
  });

  it('errors of a remote command come back to the worker, typed', async () => {
    const poll = newPoll();
    const { socket } = await connectedPair();
    const worker = startTsWorker(registerWorker);
    const handle = shareRegistry(poll.registry());
    worker.send({ op: 'open', handle }, [handle.port]);
    expect(await worker.next()).toEqual({ ok: true });

    const polling = keepPolling(poll);
    worker.send({ op: 'deregister', socket });
    expect(await worker.next()).toMatchObject({ ok: false, code: 'ERR_NOT_REGISTERED' });
    worker.send({ op: 'register', socket: 0x7fff_0000n, token: 1, interest: Interest.READABLE.bits });
    expect(await worker.next()).toMatchObject({ ok: false, code: 'ENOTSOCK' });
    worker.send({ op: 'register', socket, token: 1, interest: Interest.READABLE.bits });
    expect(await worker.next()).toEqual({ ok: true });
    worker.send({ op: 'register', socket, token: 2, interest: Interest.READABLE.bits });
    expect(await worker.next()).toMatchObject({ ok: false, code: 'ERR_ALREADY_REGISTERED' });
    await polling.stop();
  });

  it('a command for a closed Poll is rejected, not lost', async () => {
    const poll = newPoll();
    const { socket } = await connectedPair();
    const worker = startTsWorker(registerWorker);
    const handle = shareRegistry(poll.registry());
    worker.send({ op: 'open', handle }, [handle.port]);
    expect(await worker.next()).toEqual({ ok: true });
    poll.close();
    worker.send({ op: 'register', socket, token: 1, interest: Interest.READABLE.bits });
    expect(await worker.next()).toMatchObject({ ok: false, code: 'ERR_POLL_CLOSED' });
  });

  it('the main thread registers into a worker blocked in poll()', async () => {
    const { socket, peer } = await connectedPair();
    await peerWrite(peer, 'ready');
    const worker = startTsWorker(blockingPollWorker);
    const { handle } = await worker.next<{ handle: ConstructorParameters<typeof RemoteRegistry>[0] }>();
    const remote = new RemoteRegistry(handle);
    try {
      // Nothing is registered: without the registration this poll would block for 20 s.
      worker.send({ op: 'poll', timeout: 20_000 });
      expect(await worker.next()).toEqual({ polling: true });
      await remote.register(socket, 9, Interest.READABLE);
      expect(await worker.next()).toEqual({ events: [{ token: 9, readable: true, writable: false }] });
      worker.send({ op: 'close' });
      expect(await worker.next()).toEqual({ closed: true });
    } finally {
      remote.close();
    }
  });
});
