// Regressions: behaviours that broke once (here or in mio) and must stay fixed.
import { describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { Events, Interest, IoSource, WOULD_BLOCK, Waker } from '../../src/index.js';
import { ws2_32 } from '../../src/sys/windows/ffi/index.js';
import { encodeSocketAddress } from '../../src/sys/windows/sockaddr.js';
import { tcpSocket } from '../sys/windows/raw-socket.js';
import { WAIT_MS, closeRaw, connectedPair, defer, has, newPoll, peerWrite, pollFor, pollUntil, rawPair, readUntilWouldBlock, track, useCleanups } from './fixtures/sockets.js';

useCleanups();

function nodeServer(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.on('error', () => undefined));
    defer(() => server.close());
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      resolve({ server, port: address.port });
    });
  });
}

describe('regressions', () => {
  it('events dequeued by a wait that was then aborted are delivered by the next wait', async () => {
    const poll = newPoll();
    const waker = new Waker(poll.registry(), 1);
    const { source, peer } = await rawPair();
    poll.registry().register(source, 2, Interest.READABLE);
    const events = new Events(8);
    const controller = new AbortController();
    const waiting = poll.pollAsync(events, { signal: controller.signal });
    // All in one turn, before the wait can resume: it dequeues at least the wake (posted before
    // the abort's own packet) and, whatever else it got, it ends aborted.
    expect(ws2_32.send(peer, Buffer.from('an edge that must not be lost'), 29, 0)).toBe(29);
    waker.wake();
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    // Both are edges reported once: losing them here would silence their sources for good.
    const seen = await pollUntil(poll, (all) => has(1, 'readable')(all) && has(2, 'readable')(all));
    expect(seen.map((e) => e.token).sort()).toEqual([1, 2]);
  });

  it('for-await: events of a batch not yet yielded when the loop breaks are delivered later', async () => {
    const poll = newPoll();
    const first = new Waker(poll.registry(), 1);
    const second = new Waker(poll.registry(), 2);
    // Queued before the iterator waits: its first wait dequeues both in one batch.
    first.wake();
    second.wake();
    const tokens: number[] = [];
    for await (const event of poll) {
      tokens.push(event.token);
      break;
    }
    expect(tokens).toEqual([1]);
    const seen = await pollUntil(poll, has(2, 'readable'));
    expect(seen.map((e) => e.token)).toEqual([2]);
  });

  it('mio issue 776: after the connect event of a READABLE | WRITABLE socket, a read would block', async () => {
    const poll = newPoll();
    const { port } = await nodeServer();
    const socket = track(tcpSocket());
    expect(ws2_32.connect(socket, encodeSocketAddress('127.0.0.1', port))).toBe(WOULD_BLOCK);
    const source = new IoSource(socket);
    poll.registry().register(source, 1, Interest.READABLE.add(Interest.WRITABLE));
    const seen = await pollUntil(poll, has(1, 'writable'));
    expect(seen.some((e) => e.token === 1 && e.writable && !e.error)).toBe(true);
    const read = source.doIo((s) => ws2_32.recv(s, Buffer.alloc(16), 16, 0));
    expect(read).toBe(WOULD_BLOCK);
  });

  it('a refused connect is reported as an error event', async () => {
    const poll = newPoll();
    // A port nobody listens on any more.
    const { server, port } = await nodeServer();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const socket = track(tcpSocket());
    expect(ws2_32.connect(socket, encodeSocketAddress('127.0.0.1', port))).toBe(WOULD_BLOCK);
    poll.registry().register(new IoSource(socket), 1, Interest.WRITABLE);
    const seen = await pollUntil(poll, has(1, 'error'), WAIT_MS);
    expect(seen).toMatchObject([{ token: 1, error: true, writeClosed: true }]);
  });

  it('deregister after the socket was closed and its poll reported LOCAL_CLOSE succeeds', async () => {
    const poll = newPoll();
    const { socket, source } = await connectedPair();
    poll.registry().register(source, 1, Interest.READABLE);
    expect(await pollFor(poll)).toEqual([]);
    closeRaw(socket);
    // The pending poll completes with LOCAL_CLOSE inside this wait; nothing is reported.
    expect(await pollFor(poll)).toEqual([]);
    // Whether or not a wait ran in between, deregister of a closed socket is not an error.
    poll.registry().deregister(source);
    expect(source.registered).toBe(false);
  });

  it('data read in the same turn as the event re-arms cleanly (no stale edge)', async () => {
    const poll = newPoll();
    const { source, peer } = await connectedPair();
    poll.registry().register(source, 1, Interest.READABLE);
    for (let round = 0; round < 5; round++) {
      await peerWrite(peer, `round ${round}`);
      expect(await pollUntil(poll, has(1, 'readable'))).toMatchObject([{ token: 1, readable: true }]);
      expect(readUntilWouldBlock(source).data.toString()).toBe(`round ${round}`);
    }
    expect(await pollFor(poll)).toEqual([]);
  });
});
