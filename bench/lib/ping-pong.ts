// The ping-pong loops of the TCP benchmarks, one message of MESSAGE_BYTES in flight on one
// connection on 127.0.0.1 with both ends in this process: the raw loop over TcpStream and Poll
// (blocking poll() or pollAsync()), the same loop as handlers on the streams' Driver, and the
// stream loop run over the drop-in or node:net. bench/tcp-ping-pong.ts times them;
// bench/server-round-trips.ts counts the wineserver requests they make.
import { Events, Interest, Poll, TcpListener, TcpStream, WOULD_BLOCK, type Token } from '../../src/index.js';
import { Driver } from '../../src/streams/index.js';
import { destroyAll, withTimeout, type NetImplementation, type StreamSocket } from './side-by-side.js';

export const MESSAGE_BYTES = 64;
const EVENT_TIMEOUT_MS = 5_000;

const CLIENT = 1 as Token;
const SERVER = 2 as Token;

export interface Phase {
  roundTrips: number;
  seconds: number;
  /** Microseconds per round trip. */
  latencies: number[];
}

/** (a): connects a pair through a TcpListener, then ping-pongs in one poll() loop (or pollAsync()). */
export async function rawPingPong(durationMs: number, wait: 'poll' | 'pollAsync'): Promise<Phase> {
  const poll = new Poll();
  const events = new Events(16);
  const listener = TcpListener.bind('127.0.0.1:0');
  const client = TcpStream.connect({ host: '127.0.0.1', port: listener.localAddr().port });
  let server: TcpStream | undefined;
  try {
    poll.registry().register(client, CLIENT, Interest.WRITABLE);
    // Wait until connected (WRITABLE), then accept (the loopback handshake is done).
    poll.poll(events, EVENT_TIMEOUT_MS);
    if (events.isEmpty()) throw new Error('the raw client did not connect');
    const acceptDeadline = performance.now() + EVENT_TIMEOUT_MS;
    while (server === undefined) {
      const accepted = listener.accept();
      if (accepted !== WOULD_BLOCK) server = accepted[0];
      else if (performance.now() > acceptDeadline) throw new Error('the raw listener accepted nothing');
    }
    client.setNoDelay(true);
    server.setNoDelay(true);
    poll.registry().reregister(client, CLIENT, Interest.READABLE);
    poll.registry().register(server, SERVER, Interest.READABLE);
    const message = Buffer.alloc(MESSAGE_BYTES, 0x42);
    const buffer = Buffer.allocUnsafe(64 * 1024);
    const latencies: number[] = [];
    let pending = 0;
    const send = (stream: TcpStream, data: Buffer): void => {
      // One small message in flight: the send buffer never fills.
      const n = stream.write(data);
      if (n !== data.length) throw new Error(`write took ${String(n)} of ${data.length} bytes`);
    };
    const started = performance.now();
    const end = started + durationMs;
    let sentAt = performance.now();
    send(client, message);
    for (;;) {
      if (wait === 'poll') poll.poll(events, EVENT_TIMEOUT_MS);
      else await poll.pollAsync(events, { timeout: EVENT_TIMEOUT_MS });
      if (events.isEmpty()) throw new Error(`no event within ${EVENT_TIMEOUT_MS} ms`);
      for (const event of events) {
        if (event.token === SERVER) {
          for (let n = server.read(buffer); n !== WOULD_BLOCK; n = server.read(buffer)) {
            if (n === 0) throw new Error('unexpected end of stream');
            send(server, buffer.subarray(0, n));
          }
        } else if (event.token === CLIENT) {
          for (let n = client.read(buffer); n !== WOULD_BLOCK; n = client.read(buffer)) {
            if (n === 0) throw new Error('unexpected end of stream');
            pending += n;
          }
        }
      }
      if (pending >= MESSAGE_BYTES) {
        pending -= MESSAGE_BYTES;
        const now = performance.now();
        latencies.push((now - sentAt) * 1000);
        if (now >= end) return { roundTrips: latencies.length, seconds: (now - started) / 1000, latencies };
        sentAt = now;
        send(client, message);
      }
    }
  } finally {
    poll.close();
    client.close();
    server?.close();
    listener.close();
  }
}

/** Diagnostic: the loop of (a) as handlers on the shared Driver (the drop-in's), no streams. */
export async function driverPingPong(durationMs: number): Promise<Phase> {
  const driver = Driver.shared();
  const listener = TcpListener.bind('127.0.0.1:0');
  const client = TcpStream.connect({ host: '127.0.0.1', port: listener.localAddr().port });
  let server: TcpStream | undefined;
  const tokens: { stream: TcpStream; token: Token }[] = [];
  // The Driver's wait does not keep the process alive by itself.
  const hold = driver.hold();
  hold.set(true);
  try {
    const acceptDeadline = performance.now() + EVENT_TIMEOUT_MS;
    while (server === undefined) {
      const accepted = listener.accept();
      if (accepted !== WOULD_BLOCK) server = accepted[0];
      else if (performance.now() > acceptDeadline) throw new Error('the listener accepted nothing');
      else await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const echo = server;
    client.setNoDelay(true);
    echo.setNoDelay(true);
    const message = Buffer.alloc(MESSAGE_BYTES, 0x42);
    const buffer = Buffer.allocUnsafe(64 * 1024);
    const run = new Promise<Phase>((resolve, reject) => {
      const latencies: number[] = [];
      let pending = 0;
      let finished = false;
      const started = performance.now();
      const end = started + durationMs;
      let sentAt = performance.now();
      const guard = (body: () => void) => () => {
        try {
          if (!finished) body();
        } catch (error) {
          finished = true;
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      };
      tokens.push({
        stream: echo,
        token: driver.add(
          echo,
          Interest.READABLE,
          guard(() => {
            for (let n = echo.read(buffer); n !== WOULD_BLOCK; n = echo.read(buffer)) {
              if (n === 0) throw new Error('unexpected end of stream');
              echo.write(buffer.subarray(0, n));
            }
          }),
        ),
      });
      tokens.push({
        stream: client,
        token: driver.add(
          client,
          Interest.READABLE,
          guard(() => {
            for (let n = client.read(buffer); n !== WOULD_BLOCK; n = client.read(buffer)) {
              if (n === 0) throw new Error('unexpected end of stream');
              pending += n;
            }
            if (pending < MESSAGE_BYTES) return;
            pending -= MESSAGE_BYTES;
            const now = performance.now();
            latencies.push((now - sentAt) * 1000);
            if (now >= end) {
              finished = true;
              resolve({ roundTrips: latencies.length, seconds: (now - started) / 1000, latencies });
              return;
            }
            sentAt = now;
            client.write(message);
          }),
        ),
      });
      client.write(message);
    });
    return await withTimeout(run, durationMs + 30_000, 'Driver ping-pong');
  } finally {
    for (const { stream, token } of tokens) driver.remove(stream, token);
    hold.set(false);
    client.close();
    server?.close();
    listener.close();
  }
}

/** (b) and (c): the accepted socket echoes; the client times each round trip. */
export async function streamsPingPong(impl: NetImplementation, durationMs: number): Promise<Phase> {
  const server = await impl.listen((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => socket.write(data));
    socket.on('error', () => {
      // The client goes away at the end; nothing to report.
    });
  });
  const sockets: StreamSocket[] = [];
  try {
    const client = await withTimeout(impl.connect(server.port), 10_000, `${impl.name} connect`);
    sockets.push(client);
    client.setNoDelay(true);
    const message = Buffer.alloc(MESSAGE_BYTES, 0x42);
    const run = new Promise<Phase>((resolve, reject) => {
      const latencies: number[] = [];
      let pending = 0;
      const started = performance.now();
      const end = started + durationMs;
      let sentAt = performance.now();
      client.once('error', reject);
      client.on('data', (data: Buffer) => {
        pending += data.length;
        if (pending < MESSAGE_BYTES) return;
        pending -= MESSAGE_BYTES;
        const now = performance.now();
        latencies.push((now - sentAt) * 1000);
        if (now >= end) {
          client.removeAllListeners('data');
          resolve({ roundTrips: latencies.length, seconds: (now - started) / 1000, latencies });
          return;
        }
        sentAt = now;
        client.write(message);
      });
      client.write(message);
    });
    return await withTimeout(run, durationMs + 30_000, `${impl.name} ping-pong`);
  } finally {
    await destroyAll(sockets);
    await server.close();
  }
}
