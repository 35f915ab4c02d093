// Regressions found in review: concurrent pipe clients, the drain on stop, exit codes.
import * as nodeNet from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEndpoint } from '../../src/cli/endpoint.js';
import { Relay } from '../../src/cli/relay.js';
import { runCli } from '../../src/cli/run.js';
import { PipeListener } from '../../src/streams/pipe-listener.js';

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function startRelay(from: string, to: string): Promise<{ relay: Relay; port: number }> {
  const relay = new Relay(parseEndpoint(from), parseEndpoint(to));
  const listening = new Promise<string>((resolve) => relay.once('listening', resolve));
  await relay.start();
  closers.push(() => relay.stop(500));
  const address = await listening;
  return { relay, port: Number(address.slice(address.lastIndexOf(':') + 1)) };
}

async function nodeServer(onConnection: (socket: nodeNet.Socket) => void): Promise<number> {
  const server = nodeNet.createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  return (server.address() as nodeNet.AddressInfo).port;
}

describe('relay (review regressions)', () => {
  it('30 clients at once reach a pipe server through the relay (busy instances are retried)', async () => {
    const path = `\\\\.\\pipe\\mio-ts-review-busy-${process.pid}`;
    const echo = new PipeListener(path, {}, (socket) => socket.pipe(socket));
    closers.push(() => echo.close());
    const { port } = await startRelay('tcp-listen:127.0.0.1:0', `pipe:${path}`);
    const replies = await Promise.all(
      Array.from(
        { length: 30 },
        (_, i) =>
          new Promise<string>((resolve) => {
            const client = nodeNet.connect(port, '127.0.0.1', () => client.write(`ping ${i}`));
            closers.push(() => client.destroy());
            client.once('data', (d: Buffer) => resolve(d.toString()));
            client.once('error', (e: Error) => resolve(`error ${e.message}`));
          }),
      ),
    );
    expect(replies).toEqual(Array.from({ length: 30 }, (_, i) => `ping ${i}`));
  }, 60_000);

  it('stop() with an idle link finishes once the client answers the FIN, not at the grace limit', async () => {
    const echoPort = await nodeServer((socket) => socket.pipe(socket));
    const { relay, port } = await startRelay('tcp-listen:127.0.0.1:0', `tcp:127.0.0.1:${echoPort}`);
    const client = nodeNet.connect(port, '127.0.0.1');
    closers.push(() => client.destroy());
    client.on('end', () => client.end());
    client.resume();
    await new Promise((resolve) => client.once('connect', resolve));
    client.write('x');
    await sleep(300);
    const started = performance.now();
    await relay.stop(8000);
    expect(performance.now() - started).toBeLessThan(4000);
  }, 30_000);

  it('stop() does not cut off a direction that is only slowed by backpressure', async () => {
    let consumer: nodeNet.Socket | undefined;
    let received = 0;
    const sinkPort = await nodeServer((socket) => {
      consumer = socket;
      socket.pause();
      socket.on('data', (d: Buffer) => (received += d.length));
      socket.on('end', () => socket.end());
    });
    const { relay, port } = await startRelay('tcp-listen:127.0.0.1:0', `tcp:127.0.0.1:${sinkPort}`);
    const total = 32 * 1024 * 1024;
    const producer = nodeNet.connect(port, '127.0.0.1', () => producer.end(Buffer.alloc(total, 1)));
    closers.push(() => producer.destroy());
    producer.resume();
    await sleep(1500);
    const stopping = relay.stop(20_000);
    // A slow consumer, not a dead one: it reads again after the stop began.
    await sleep(1000);
    consumer?.resume();
    await stopping;
    await sleep(300);
    expect(received).toBe(total);
  }, 60_000);

  it('a single-connection relay whose connection fails exits with code 1', async () => {
    const free = nodeNet.createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const port = (free.address() as nodeNet.AddressInfo).port;
    await new Promise((resolve) => free.close(resolve));
    const codes: number[] = [];
    let output = '';
    const out = { write: (text: string) => ((output += text), true) } as unknown as NodeJS.WritableStream;
    await runCli(['relay', `tcp:127.0.0.1:${port}`, `tcp:127.0.0.1:${port}`], { stdout: out, stderr: out, exit: (code) => codes.push(code), onSignal: () => undefined });
    for (let i = 0; i < 100 && codes.length === 0; i++) await sleep(50);
    expect(codes).toEqual([1]);
    expect(output).toMatch(/ECONNREFUSED/);
  }, 30_000);

  it('a UDP listener survives a reply it cannot send (oversized chunks are split)', async () => {
    const { createSocket } = await import('node:dgram');
    // The far side answers every datagram with 100 KB: more than one datagram can carry.
    const bigPort = await nodeServer((socket) => socket.on('data', () => socket.write(Buffer.alloc(100_000, 2))));
    const { port } = await startRelay('udp-listen:127.0.0.1:0', `tcp:127.0.0.1:${bigPort}`);
    const client = createSocket('udp4');
    closers.push(() => client.close());
    let bytes = 0;
    client.on('message', (m) => (bytes += m.length));
    client.send('give me a lot', port, '127.0.0.1');
    await sleep(1500);
    expect(bytes).toBe(100_000);
    // The listener still serves a second peer.
    const second = createSocket('udp4');
    closers.push(() => second.close());
    const got = new Promise<number>((resolve) => second.once('message', (m) => resolve(m.length)));
    second.send('me too', port, '127.0.0.1');
    expect(await got).toBeGreaterThan(0);
  }, 30_000);
});
