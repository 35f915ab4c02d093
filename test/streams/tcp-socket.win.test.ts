// TcpSocket: a Duplex over our TCP sockets, with backpressure tied to re-arming READABLE.
import { createServer, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpListener, WOULD_BLOCK } from '../../src/index.js';
import { Driver } from '../../src/streams/driver.js';
import { TcpSocket } from '../../src/streams/tcp-socket.js';
import { Interest } from '../../src/core/interest.js';
import { retainedBytes } from '../fixtures/memory.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0).reverse()) close();
});

async function nodeServer(onConnection: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
}

/** A TcpSocket connected to `port`, destroyed after the test. */
async function connected(port: number): Promise<TcpSocket> {
  const socket = TcpSocket.connect({ port });
  closers.push(() => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

describe('TcpSocket', () => {
  it('connects, echoes through a Node peer, and ends', async () => {
    const { port } = await nodeServer((socket) => socket.pipe(socket));
    const socket = await connected(port);
    socket.end('hello through mio-ts');
    const chunks: Buffer[] = [];
    for await (const chunk of socket) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello through mio-ts');
  });

  it('a refused connect emits error ECONNREFUSED', async () => {
    const listener = TcpListener.bind('127.0.0.1:0');
    const { port } = listener.localAddr();
    listener.close();
    const socket = TcpSocket.connect({ port });
    const error = await new Promise<Error>((resolve) => socket.once('error', resolve));
    expect(error).toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect', port });
  });

  it('backpressure: a paused consumer stalls the peer; we hold at most highWaterMark plus one chunk', async () => {
    let peer: Socket | undefined;
    let peerWritten = 0;
    let stalled = false;
    const { port } = await nodeServer((socket) => {
      peer = socket;
      const chunk = Buffer.alloc(64 * 1024, 1);
      const write = (): void => {
        while (peerWritten < 256 * 1024 * 1024) {
          peerWritten += chunk.length;
          if (!socket.write(chunk)) {
            stalled = true;
            socket.once('drain', () => {
              stalled = false;
              write();
            });
            return;
          }
        }
      };
      write();
    });
    closers.push(() => peer?.destroy());
    const highWaterMark = 64 * 1024;
    const socket = TcpSocket.connect({ port }, { highWaterMark });
    closers.push(() => socket.destroy());
    socket.pause();
    // Let the peer fill every buffer between it and us.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const retainedBefore = retainedBytes();
    const writtenBefore = peerWritten;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(stalled).toBe(true);
    // The peer could not write on: flow control, not our heap, holds the backlog.
    expect(peerWritten).toBe(writtenBefore);
    expect(socket.readableLength).toBeLessThanOrEqual(highWaterMark + 64 * 1024);
    expect(retainedBytes() - retainedBefore).toBeLessThan(8 * 1024 * 1024);
    // Resuming drains the backlog and lets the peer go on.
    let received = 0;
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    socket.resume();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(received).toBeGreaterThan(0);
    expect(peerWritten).toBeGreaterThan(writtenBefore);
  }, 60_000);

  it('an idle stream holds no read buffer: 200 sockets that each read a few bytes keep under 4 MiB of ArrayBuffers (a 64 KiB buffer each would be 12.5 MiB)', async () => {
    const count = 200;
    const { port } = await nodeServer((socket) => {
      closers.push(() => socket.destroy());
      socket.write('hello');
    });
    const before = process.memoryUsage().arrayBuffers;
    const received = await Promise.all(
      Array.from({ length: count }, async () => {
        const socket = await connected(port);
        return new Promise<string>((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk.toString())));
      }),
    );
    expect(received).toEqual(Array.from({ length: count }, () => 'hello'));
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(4 * 1024 * 1024);
  }, 60_000);

  it('request/response traffic: after a read on found nothing, a short read ends the turn (no WouldBlock read per message, one every few to re-learn)', async () => {
    const { port } = await nodeServer((peer) => peer.pipe(peer));
    const socket = await connected(port);
    const stream = socket.stream as NonNullable<typeof socket.stream>;
    let wouldBlocks = 0;
    const count = (n: number | typeof WOULD_BLOCK): number | typeof WOULD_BLOCK => {
      if (n === WOULD_BLOCK) wouldBlocks++;
      return n;
    };
    const read = stream.read.bind(stream);
    const readRearming = stream.readRearmingWhenShort.bind(stream);
    stream.read = (buffer: Uint8Array) => count(read(buffer));
    stream.readRearmingWhenShort = (buffer: Uint8Array) => count(readRearming(buffer));
    const rounds = 64;
    for (let i = 0; i < rounds; i++) {
      const echoed = new Promise<Buffer>((resolve) => socket.once('data', resolve));
      socket.write(`ping ${String(i).padStart(3, '0')}`);
      expect((await echoed).toString()).toBe(`ping ${String(i).padStart(3, '0')}`);
    }
    // Reading on to WouldBlock would take one per message (64). Here: the first read, the one
    // that taught the stream, and one per eight short reads that ended a turn.
    expect(wouldBlocks).toBeGreaterThan(0);
    expect(wouldBlocks).toBeLessThanOrEqual(2 + rounds / 8);
  });

  it('pipes 8 MiB through stream.pipeline intact', async () => {
    const { port } = await nodeServer((socket) => socket.pipe(socket));
    const socket = TcpSocket.connect({ port });
    closers.push(() => socket.destroy());
    const size = 8 * 1024 * 1024;
    const data = Buffer.alloc(size);
    for (let i = 0; i < size; i++) data[i] = (i * 31) & 0xff;
    const received: Buffer[] = [];
    await Promise.all([
      pipeline(
        Readable.from(
          (function* () {
            for (let i = 0; i < size; i += 100_000) yield data.subarray(i, i + 100_000);
          })(),
        ),
        socket,
      ),
      (async () => {
        for await (const chunk of socket) received.push(chunk as Buffer);
      })(),
    ]);
    expect(Buffer.compare(Buffer.concat(received), data)).toBe(0);
  }, 60_000);

  it('wraps accepted streams on a listener served by the driver', async () => {
    const driver = Driver.shared();
    const listener = TcpListener.bind('127.0.0.1:0');
    closers.push(() => listener.close());
    const accepted = new Promise<TcpSocket>((resolve) => {
      const token = driver.add(listener, Interest.READABLE, () => {
        const next = listener.accept();
        if (next === WOULD_BLOCK) return;
        driver.remove(listener, token);
        resolve(new TcpSocket(next[0]));
      });
    });
    const client = TcpSocket.connect(listener.localAddr());
    closers.push(() => client.destroy());
    const server = await accepted;
    closers.push(() => server.destroy());
    server.write('from server');
    const [chunk] = (await new Promise<Buffer[]>((resolve) => client.once('data', (d: Buffer) => resolve([d])))) as [Buffer];
    expect(chunk.toString()).toBe('from server');
  });
});
