// Poll, Registry, Events and edge triggering against real sockets (Windows or Wine).
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Events, Interest, IoSource, Poll, WOULD_BLOCK, token } from '../../src/index.js';
import { ws2_32 } from '../../src/sys/windows/ffi/index.js';
import { tcpListener } from '../sys/windows/raw-socket.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function listener(): { source: IoSource; port: number } {
  const { socket, port } = tcpListener();
  cleanups.push(() => ws2_32.closeSocket(socket));
  return { source: new IoSource(socket), port };
}

function newPoll(): Poll {
  const poll = new Poll();
  cleanups.push(() => poll.close());
  return poll;
}

function client(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
    cleanups.push(() => socket.destroy());
  });
}

describe('Poll', () => {
  it('returns with no events when nothing is registered and the timeout passes', async () => {
    const poll = newPoll();
    const events = new Events(8);
    poll.poll(events, 0);
    expect(events.isEmpty()).toBe(true);
    await poll.pollAsync(events, { timeout: 20 });
    expect(events.isEmpty()).toBe(true);
  });

  it('reports a connection to a registered listener as READABLE (async)', async () => {
    const poll = newPoll();
    const { source, port } = listener();
    poll.registry().register(source, token(7), Interest.READABLE);
    const events = new Events(8);
    await client(port);
    await poll.pollAsync(events, { timeout: 10_000 });
    const [event] = [...events];
    expect(event?.token).toBe(7);
    expect(event?.isReadable()).toBe(true);
    expect(event?.isWritable()).toBe(false);
  });

  it('is edge-triggered: no repeat until WouldBlock re-arms', async () => {
    const poll = newPoll();
    const { source, port } = listener();
    poll.registry().register(source, 1, Interest.READABLE);
    const events = new Events(8);
    await client(port);
    await poll.pollAsync(events, { timeout: 10_000 });
    expect(events.length).toBe(1);
    // Still ready (nobody accepted), but the edge was reported already.
    await poll.pollAsync(events, { timeout: 100 });
    expect(events.length).toBe(0);
    // Draining until WouldBlock re-arms; the second client then fires again.
    const peer = Buffer.alloc(128);
    const drain = (): void => {
      for (;;) {
        const result = source.doIo((socket) => ws2_32.accept(socket, peer, new Int32Array([128])));
        if (result === WOULD_BLOCK) return;
        ws2_32.closeSocket(result);
      }
    };
    drain();
    await client(port);
    await poll.pollAsync(events, { timeout: 10_000 });
    expect(events.length).toBe(1);
    drain();
  });

  it('a zero timeout still reports ready events', async () => {
    const poll = newPoll();
    const { source, port } = listener();
    await client(port);
    await new Promise((resolve) => setTimeout(resolve, 50));
    poll.registry().register(source, 3, Interest.READABLE);
    const events = new Events(8);
    // The first call issues the poll; a ready socket answers it at once.
    for (let i = 0; i < 20 && events.isEmpty(); i++) poll.poll(events, 0);
    expect([...events].map((e) => e.token)).toEqual([3]);
  });

  it('for-await yields events and break releases the wait', async () => {
    const poll = newPoll();
    const { source, port } = listener();
    poll.registry().register(source, 11, Interest.READABLE);
    void client(port);
    const tokens: number[] = [];
    for await (const event of poll) {
      tokens.push(event.token);
      break;
    }
    expect(tokens).toEqual([11]);
    // The Poll is free again after break.
    const events = new Events(4);
    await poll.pollAsync(events, { timeout: 0 });
  });
});
