// Fairness under parallel bulk load (iperf3 -P style): every link of eight gets a share. Once,
// a stream that always had data kept the event loop in a synchronous read loop and the other
// links stood still. The senders run in a process of their own; the slowest link must get at
// least half of the mean.
import { describe, expect, it } from 'vitest';
import * as net from '../../src/adapters/net.js';
import { parseEndpoint } from '../../src/cli/endpoint.js';
import { Relay } from '../../src/cli/relay.js';
import { runPeers } from './fixtures/peers.js';

const LINKS = 8;
const SEND_MS = 4_000;
/** Counts what each accepted connection delivers; `done` resolves once `links` have ended. */
function countPerConnection(links: number): { add(socket: net.Socket): void; done: Promise<number[]> } {
  const received: number[] = [];
  let ended = 0;
  let finish!: (counts: number[]) => void;
  const done = new Promise<number[]>((resolve) => (finish = resolve));
  return {
    add(socket) {
      const index = received.push(0) - 1;
      socket.on('data', (chunk: Buffer) => (received[index] = (received[index] ?? 0) + chunk.length));
      socket.on('end', () => {
        socket.end();
        if (++ended === links) finish(received);
      });
    },
    done,
  };
}

function expectFair(received: number[], sent: number[]): void {
  expect(received).toHaveLength(LINKS);
  // Nothing lost on the way: the totals match what was written.
  expect(received.reduce((a, b) => a + b, 0)).toBe(sent.reduce((a, b) => a + b, 0));
  const mean = received.reduce((a, b) => a + b, 0) / received.length;
  const slowest = Math.min(...received);
  console.log(`per-link MB: ${received.map((bytes) => (bytes / 1e6).toFixed(1)).join(', ')}; slowest/mean ${(slowest / mean).toFixed(2)}`);
  expect(slowest, `per-link bytes ${received.join(', ')}`).toBeGreaterThanOrEqual(mean / 2);
}

describe('fairness of eight parallel bulk links', () => {
  it('through a drop-in server', async () => {
    const counter = countPerConnection(LINKS);
    const server = net.createServer((socket) => counter.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const [{ sent }, received] = await Promise.all([runPeers({ links: LINKS, sendMs: SEND_MS, direction: 'forward' }, () => Promise.resolve(port)), counter.done]);
      expectFair(received, sent);
    } finally {
      server.close();
    }
  }, 60_000);

  it('through the relay (tcp-listen -> tcp), peers in another process on both sides', async () => {
    let relay: Relay | undefined;
    try {
      const { sent, received } = await runPeers({ links: LINKS, sendMs: SEND_MS, direction: 'forward' }, async (sinkPort) => {
        relay = new Relay(parseEndpoint('tcp-listen:127.0.0.1:0'), parseEndpoint(`tcp:127.0.0.1:${sinkPort}`));
        const listening = new Promise<string>((resolve) => relay?.once('listening', resolve));
        await relay.start();
        return Number((await listening).split(':').pop());
      });
      expectFair(received, sent);
    } finally {
      await relay?.stop(1_000, 50);
    }
  }, 60_000);
});
