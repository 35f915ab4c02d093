// The relay end to end under Windows (Wine): TCP -> pipe -> TCP, many clients, backpressure
// through the relay, and the drain on stop (what SIGINT runs).
import { createHash } from 'node:crypto';
import * as nodeNet from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEndpoint } from '../../src/cli/endpoint.js';
import { Relay } from '../../src/cli/relay.js';
import { retainedBytes } from '../fixtures/memory.js';

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function startRelay(from: string, to: string): Promise<{ relay: Relay; port: number }> {
  const relay = new Relay(parseEndpoint(from), parseEndpoint(to));
  const listening = new Promise<string>((resolve) => relay.once('listening', resolve));
  await relay.start();
  closers.push(() => relay.stop(1000));
  const address = await listening;
  return { relay, port: Number(address.slice(address.lastIndexOf(':') + 1)) };
}

async function echoServer(): Promise<number> {
  const server = nodeNet.createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  return (server.address() as nodeNet.AddressInfo).port;
}

/** Sends `payload` through `port` and resolves with the sha256 of what came back. */
function roundTrip(port: number, payload: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let received = 0;
    const client = nodeNet.connect(port, '127.0.0.1', () => client.end(payload));
    closers.push(() => client.destroy());
    client.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      received += chunk.length;
    });
    client.on('end', () => (received === payload.length ? resolve(hash.digest('hex')) : reject(new Error(`got ${received} of ${payload.length} bytes`))));
    client.on('error', reject);
  });
}

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('relay', () => {
  it('TCP -> pipe -> TCP: 64 MiB echoed intact', async () => {
    const echoPort = await echoServer();
    const pipe = `\\\\.\\pipe\\mio-ts-relay-test-${process.pid}`;
    // relay B: pipe-listen -> tcp echo; relay A: tcp-listen -> pipe.
    const b = new Relay(parseEndpoint(`pipe-listen:${pipe}`), parseEndpoint(`tcp:127.0.0.1:${echoPort}`));
    await b.start();
    closers.push(() => b.stop(1000));
    const { port } = await startRelay('tcp-listen:127.0.0.1:0', `pipe:${pipe}`);
    const payload = Buffer.alloc(64 * 1024 * 1024);
    for (let i = 0; i < payload.length; i += 4) payload.writeUInt32LE((i * 2246822519) >>> 0, i);
    // The pipe cannot carry our FIN, so read back exactly the payload's length.
    const digest = await new Promise<string>((resolve, reject) => {
      const hash = createHash('sha256');
      let received = 0;
      const client = nodeNet.connect(port, '127.0.0.1', () => client.write(payload));
      closers.push(() => client.destroy());
      client.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        received += chunk.length;
        if (received === payload.length) resolve(hash.digest('hex'));
      });
      client.on('error', reject);
    });
    expect(digest).toBe(sha(payload));
  }, 180_000);

  it('100 concurrent clients through a TCP relay', async () => {
    const echoPort = await echoServer();
    const { relay, port } = await startRelay('tcp-listen:127.0.0.1:0', `tcp:127.0.0.1:${echoPort}`);
    const payloads = Array.from({ length: 100 }, (_, i) => Buffer.alloc(10_000 + i * 100, i));
    const digests = await Promise.all(payloads.map((p) => roundTrip(port, p)));
    expect(digests).toEqual(payloads.map(sha));
    expect(relay.stats.total).toBe(100);
  }, 120_000);

  it('a slow consumer stalls a fast producer through the relay, with bounded memory', async () => {
    let consumer: nodeNet.Socket | undefined;
    const sink = nodeNet.createServer((socket) => {
      consumer = socket;
      socket.pause();
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    closers.push(() => sink.close());
    const { relay, port } = await startRelay('tcp-listen:127.0.0.1:0', `tcp:127.0.0.1:${(sink.address() as nodeNet.AddressInfo).port}`);
    let produced = 0;
    const producer = nodeNet.connect(port, '127.0.0.1');
    closers.push(() => producer.destroy());
    const chunk = Buffer.alloc(64 * 1024, 7);
    const pump = (): void => {
      while (produced < 1024 * 1024 * 1024 && producer.write(chunk)) produced += chunk.length;
      producer.once('drain', () => {
        produced += chunk.length;
        pump();
      });
    };
    producer.once('connect', pump);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const before = relay.stats.forward;
    const retainedBefore = retainedBytes();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // Stalled: nothing more crosses the relay while the consumer does not read.
    expect(relay.stats.forward).toBe(before);
    expect(retainedBytes() - retainedBefore).toBeLessThan(16 * 1024 * 1024);
    expect(produced).toBeLessThan(256 * 1024 * 1024);
    // Reading again lets it flow.
    consumer?.resume();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(relay.stats.forward).toBeGreaterThan(before);
  }, 60_000);

  it('stop() (SIGINT) closes the listener and delivers what was in flight', async () => {
    const received: Buffer[] = [];
    const done = new Promise<void>((resolve) => {
      const sink = nodeNet.createServer((socket) => {
        socket.on('data', (d: Buffer) => received.push(d));
        socket.on('end', () => {
          socket.end();
          resolve();
        });
      });
      sink.listen(0, '127.0.0.1', () => {
        closers.push(() => sink.close());
        void (async () => {
          const { relay, port } = await startRelay('tcp-listen:127.0.0.1:0', `tcp:127.0.0.1:${(sink.address() as nodeNet.AddressInfo).port}`);
          // Stop once the relay has the connection (a connection not yet accepted is refused).
          const opened = new Promise((resolve) => relay.once('open', resolve));
          const client = nodeNet.connect(port, '127.0.0.1', () => {
            client.write(Buffer.alloc(2 * 1024 * 1024, 3), () => {
              void opened.then(() => relay.stop(5000));
            });
          });
          closers.push(() => client.destroy());
          client.resume();
        })();
      });
    });
    await done;
    expect(Buffer.concat(received).length).toBe(2 * 1024 * 1024);
  }, 60_000);

  it('a pipe server relayed to TCP serves Windows Node clients', async () => {
    const echoPort = await echoServer();
    const pipe = `\\\\.\\pipe\\mio-ts-relay-node-${process.pid}`;
    const relay = new Relay(parseEndpoint(`pipe-listen:${pipe}`), parseEndpoint(`tcp:127.0.0.1:${echoPort}`));
    await relay.start();
    closers.push(() => relay.stop(1000));
    const reply = await new Promise<string>((resolve, reject) => {
      const client = nodeNet.connect(pipe, () => client.write('over a pipe'));
      closers.push(() => client.destroy());
      client.once('data', (d: Buffer) => resolve(d.toString()));
      client.on('error', reject);
    });
    expect(reply).toBe('over a pipe');
  });

  it('UDP relay: udp-listen -> udp echo', async () => {
    const { createSocket } = await import('node:dgram');
    const echo = createSocket('udp4');
    echo.on('message', (message, info) => echo.send(message, info.port, info.address));
    await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
    closers.push(() => echo.close());
    const relay = new Relay(parseEndpoint('udp-listen:127.0.0.1:0'), parseEndpoint(`udp:127.0.0.1:${echo.address().port}`));
    const listening = new Promise<string>((resolve) => relay.once('listening', resolve));
    await relay.start();
    closers.push(() => relay.stop(500));
    const address = await listening;
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    const client = createSocket('udp4');
    closers.push(() => client.close());
    const reply = new Promise<string>((resolve) => client.once('message', (m) => resolve(m.toString())));
    client.send('datagram', port, '127.0.0.1');
    expect(await reply).toBe('datagram');
  });
});

describe('UDP relay session cap', () => {
  it('opens at most maxUdpSessions sessions; datagrams of new sources are counted and dropped, said once', async () => {
    const { createSocket } = await import('node:dgram');
    const echo = createSocket('udp4');
    echo.on('message', (message, info) => echo.send(message, info.port, info.address));
    await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
    closers.push(() => echo.close());
    const relay = new Relay(parseEndpoint('udp-listen:127.0.0.1:0'), parseEndpoint(`udp:127.0.0.1:${echo.address().port}`), { maxUdpSessions: 2 });
    const limits: number[] = [];
    relay.on('session-limit', (limit: number) => limits.push(limit));
    const listening = new Promise<string>((resolve) => relay.once('listening', resolve));
    await relay.start();
    closers.push(() => relay.stop(500));
    const address = await listening;
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    // Four sources, one after another: the first two get sessions (and echoes), the others nothing.
    const replies: boolean[] = [];
    for (let source = 0; source < 4; source++) {
      const client = createSocket('udp4');
      closers.push(() => client.close());
      await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
      const reply = new Promise<boolean>((resolve) => {
        client.once('message', () => resolve(true));
        setTimeout(() => resolve(false), 1_500).unref();
      });
      for (let i = 0; i < 3; i++) client.send(`from ${source}`, port, '127.0.0.1');
      replies.push(await reply);
    }
    expect(replies).toEqual([true, true, false, false]);
    expect(relay.stats.total).toBe(2);
    expect(relay.stats.refusedDatagrams).toBe(6);
    expect(limits).toEqual([2]);
  });
});
