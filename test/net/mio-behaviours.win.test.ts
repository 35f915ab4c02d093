// Behaviours ported from mio's own test suite (tests/tcp_stream.rs, tcp_listener.rs, tcp.rs,
// udp_socket.rs, close_on_drop.rs, poll.rs) that the other Windows tests of mio-ts did not check,
// re-stated against TcpListener, TcpStream and UdpSocket. Each title names the mio test it comes
// from. Waits have deadlines and never assert on how long something
// took; QUIET_MS windows watch for what must not happen.
import { createServer, connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Events, Interest, SystemError, TcpListener, TcpStream, UdpSocket, WOULD_BLOCK, type Poll, type SocketAddress } from '../../src/index.js';
import { QUIET_MS, WAIT_MS, closeAfter, defer, has, newPoll, pollFor, pollUntil, useCleanups, type Seen } from '../core/fixtures/sockets.js';

useCleanups();

const DATA1 = Buffer.from('Hello world!');
const DATA2 = Buffer.from('Hello mars!');
const READ_WRITE = Interest.READABLE.add(Interest.WRITABLE);

/** Tries `attempt` until it gives a value, sleeping a little between tries; throws after WAIT_MS. */
async function until<T>(what: string, attempt: () => T | undefined): Promise<T> {
  const deadline = performance.now() + WAIT_MS;
  for (;;) {
    const value = attempt();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(5);
  }
}

/** Accepts one connection on a listener nobody polls, waiting for it to arrive. */
async function acceptOne(listener: TcpListener): Promise<[TcpStream, SocketAddress]> {
  const accepted = await until('a connection to accept', () => {
    const next = listener.accept();
    return next === WOULD_BLOCK ? undefined : next;
  });
  closeAfter(accepted[0]);
  return accepted;
}

/** Our client connected to our listener, and the stream that listener accepted for it. */
async function loopbackPair(): Promise<{ client: TcpStream; server: TcpStream }> {
  const listener = closeAfter(TcpListener.bind('127.0.0.1:0'));
  const client = closeAfter(TcpStream.connect(listener.localAddr()));
  const [server] = await acceptOne(listener);
  return { client, server };
}

/** Three UDP sockets on 127.0.0.1, closed after the test. */
function udpSockets(): [UdpSocket, UdpSocket, UdpSocket] {
  return [0, 1, 2].map(() => closeAfter(UdpSocket.bind('127.0.0.1:0'))) as [UdpSocket, UdpSocket, UdpSocket];
}

/** A Windows Node server on 127.0.0.1 (a peer that is not ours); returns its port. */
async function nodeServer(onConnection: (socket: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    // Resets from tests that go away abruptly are expected.
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  defer(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

/** What mio's echo listener does: sends back what it reads, and closes once the client's FIN came. */
const echo = (socket: Socket): void => void socket.pipe(socket);

/** Connects a TcpStream registered for `interest` under `token` and waits for its WRITABLE. */
async function connected(poll: Poll, port: number, token: number, interest = READ_WRITE): Promise<TcpStream> {
  const stream = closeAfter(TcpStream.connect({ host: '127.0.0.1', port }));
  poll.registry().register(stream, token, interest);
  const events = await pollUntil(poll, has(token, 'writable'));
  expect(events.filter((event) => event.token === token)).toContainEqual(expect.objectContaining({ writable: true }));
  return stream;
}

/** Reads until WouldBlock or end of stream. */
function readAll(stream: TcpStream): { data: Buffer; eof: boolean } {
  const buffer = Buffer.alloc(64 * 1024);
  const chunks: Buffer[] = [];
  for (;;) {
    const n = stream.read(buffer);
    if (n === WOULD_BLOCK) return { data: Buffer.concat(chunks), eof: false };
    if (n === 0) return { data: Buffer.concat(chunks), eof: true };
    chunks.push(Buffer.from(buffer.subarray(0, n)));
  }
}

/** Reads on each READABLE of `token` until end of stream; everything read. */
async function readToEnd(poll: Poll, token: number, stream: TcpStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (;;) {
    const result = readAll(stream);
    chunks.push(result.data);
    if (result.eof) return Buffer.concat(chunks);
    const events = await pollUntil(poll, has(token, 'readable'));
    if (!has(token, 'readable')(events)) throw new Error(`no end of stream; read ${Buffer.concat(chunks).length} bytes`);
  }
}

/** The error `call` throws (the test fails if it returns). */
function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

const tokensOf = (events: Seen[]): number[] => [...new Set(events.map((event) => event.token))];

describe('TcpStream (mio tests/tcp_stream.rs)', () => {
  it('ttl and noDelay can be read before any set, and setting them leaves no pending error (mio tcp_stream::get_ttl_without_previous_set, get_nodelay_without_previous_set, set_get_ttl, set_get_nodelay; tcp_listener::get_ttl_without_previous_set)', async () => {
    const poll = newPoll();
    const listener = closeAfter(TcpListener.bind('127.0.0.1:0'));
    const listenerTtl = listener.ttl();
    expect(Number.isInteger(listenerTtl) && listenerTtl >= 1 && listenerTtl <= 255).toBe(true);
    expect(listener.takeError()).toBeUndefined();
    const stream = await connected(poll, listener.localAddr().port, 1, Interest.WRITABLE);
    const ttl = stream.ttl();
    expect(Number.isInteger(ttl) && ttl >= 1 && ttl <= 255).toBe(true);
    expect(stream.noDelay()).toBe(false);
    expect(stream.takeError()).toBeUndefined();
    stream.setTtl(10);
    stream.setNoDelay(true);
    expect([stream.ttl(), stream.noDelay()]).toEqual([10, true]);
    expect(stream.takeError()).toBeUndefined();
  });

  it('shutdown("read") with echoed bytes still unread succeeds, and the write side keeps taking bytes (mio tcp_stream::shutdown_read)', async () => {
    const poll = newPoll();
    const port = await nodeServer(echo);
    const stream = await connected(poll, port, 1);
    expect(stream.write(DATA2)).toBe(DATA2.length);
    await pollUntil(poll, has(1, 'readable'));
    stream.shutdown('read');
    expect(stream.write(DATA1)).toBe(DATA1.length);
    expect(stream.takeError()).toBeUndefined();
  });

  it('after shutdown("write") a write fails with EPIPE (WSAESHUTDOWN), while the bytes echoed back are still read, then end of stream (mio tcp_stream::shutdown_write)', async () => {
    const poll = newPoll();
    const port = await nodeServer(echo);
    const stream = await connected(poll, port, 1);
    expect(stream.write(DATA1)).toBe(DATA1.length);
    stream.shutdown('write');
    const error = thrown(() => stream.write(DATA2));
    expect(error).toBeInstanceOf(SystemError);
    expect(error).toMatchObject({ code: 'EPIPE', osCode: 10058 });
    const received = await readToEnd(poll, 1, stream);
    expect(received.toString()).toBe(DATA1.toString());
  });

  it('after shutdown("both") a write fails with WSAECONNABORTED or WSAESHUTDOWN (mio tcp_stream::shutdown_both)', async () => {
    const poll = newPoll();
    const port = await nodeServer(echo);
    const stream = await connected(poll, port, 1);
    expect(stream.write(DATA1)).toBe(DATA1.length);
    await pollUntil(poll, has(1, 'readable'));
    stream.shutdown('both');
    const error = thrown(() => stream.write(DATA2));
    expect(error).toBeInstanceOf(SystemError);
    expect([10053, 10058]).toContain((error as SystemError).osCode);
  });

  it('a peer that closes with our bytes unread brings READ_CLOSED, after which the Poll goes quiet (mio tcp_stream::tcp_reset_close_event)', async () => {
    const poll = newPoll();
    const listener = closeAfter(TcpListener.bind('127.0.0.1:0'));
    const stream = closeAfter(TcpStream.connect(listener.localAddr()));
    poll.registry().register(stream, 1, READ_WRITE);
    const [server] = await acceptOne(listener);
    await pollUntil(poll, has(1, 'writable'));
    expect(stream.write(DATA1)).toBe(DATA1.length);
    expect(stream.read(Buffer.alloc(1))).toBe(WOULD_BLOCK);
    server.close();
    const events = await pollUntil(poll, has(1, 'readClosed'));
    expect(events).toContainEqual(expect.objectContaining({ token: 1, readClosed: true }));
    let quiet = false;
    const deadline = performance.now() + WAIT_MS;
    while (!quiet && performance.now() < deadline) quiet = (await pollFor(poll)).length === 0;
    expect(quiet).toBe(true);
  });

  it('an accepted stream closed with SO_LINGER 0 wakes the client with READABLE (mio tcp_stream::hup_event_on_disconnect)', async () => {
    const poll = newPoll();
    const listener = closeAfter(TcpListener.bind('127.0.0.1:0'));
    poll.registry().register(listener, 0, Interest.READABLE);
    const stream = closeAfter(TcpStream.connect(listener.localAddr()));
    poll.registry().register(stream, 1, READ_WRITE);
    const first = await pollUntil(poll, (events) => has(0, 'readable')(events) && has(1, 'writable')(events));
    expect(first).toEqual(expect.arrayContaining([expect.objectContaining({ token: 0, readable: true }), expect.objectContaining({ token: 1, writable: true })]));
    const accepted = listener.accept();
    if (accepted === WOULD_BLOCK) throw new Error('nothing to accept after READABLE');
    accepted[0].setLinger(0);
    accepted[0].close();
    const events = await pollUntil(poll, has(1, 'readable'));
    expect(events).toContainEqual(expect.objectContaining({ token: 1, readable: true }));
  });

  it('a peek that finds bytes does not use up READABLE: the event still comes (mio tcp_stream::peek_ok)', async () => {
    const poll = newPoll();
    const { client, server } = await loopbackPair();
    poll.registry().register(client, 1, Interest.READABLE);
    expect(await pollFor(poll)).toEqual([]);
    expect(server.write(Buffer.from([0]))).toBe(1);
    const buffer = Buffer.alloc(2);
    const peeked = await until('a peek to find the byte', () => {
      const n = client.peek(buffer);
      return n === WOULD_BLOCK ? undefined : n;
    });
    expect(peeked).toBe(1);
    const events = await pollUntil(poll, has(1, 'readable'));
    expect(events).toContainEqual(expect.objectContaining({ token: 1, readable: true }));
  });

  it('a peek that would block re-arms READABLE as a read would, before any data and after a read (mio tcp_stream::peek_would_block, read_peek_would_block)', async () => {
    const poll = newPoll();
    const { client, server } = await loopbackPair();
    poll.registry().register(client, 1, Interest.READABLE);
    const buffer = Buffer.alloc(1);
    expect(client.peek(buffer)).toBe(WOULD_BLOCK);
    expect(server.write(Buffer.from([0]))).toBe(1);
    await pollUntil(poll, has(1, 'readable'));
    // A read that fills its buffer re-arms nothing; only the peek's WouldBlock does below.
    expect(client.read(buffer)).toBe(1);
    expect(client.peek(buffer)).toBe(WOULD_BLOCK);
    expect(server.write(Buffer.from([0, 1, 2, 3]))).toBe(4);
    const events = await pollUntil(poll, has(1, 'readable'));
    expect(events).toContainEqual(expect.objectContaining({ token: 1, readable: true }));
    expect(readAll(client).data).toEqual(Buffer.from([0, 1, 2, 3]));
  });
});

describe('TcpListener (mio tests/tcp_listener.rs)', () => {
  it.each([
    ['IPv4', '127.0.0.1'],
    ['IPv6', '::1'],
  ])('%s: the accepted stream is non-blocking, its peerAddr is what accept returned and its localAddr the listener\'s; a second accept would block (mio tcp_listener::tcp_listener, tcp_listener_ipv6)', async (_family, host) => {
    const poll = newPoll();
    const listener = closeAfter(TcpListener.bind({ host, port: 0 }));
    const address = listener.localAddr();
    poll.registry().register(listener, 1, Interest.READABLE);
    const client = netConnect(address.port, host);
    client.on('error', () => undefined);
    defer(() => client.destroy());
    await pollUntil(poll, has(1, 'readable'));
    const accepted = listener.accept();
    if (accepted === WOULD_BLOCK) throw new Error('nothing to accept after READABLE');
    const [stream, peer] = accepted;
    closeAfter(stream);
    expect(peer.address).toBe(host);
    expect(stream.peerAddr()).toEqual(peer);
    expect(stream.localAddr()).toEqual(address);
    expect(stream.read(Buffer.alloc(20))).toBe(WOULD_BLOCK);
    expect(listener.accept()).toBe(WOULD_BLOCK);
    expect(listener.takeError()).toBeUndefined();
  });
});

describe('TcpListener and TcpStream together (mio tests/tcp.rs, close_on_drop.rs, poll.rs)', () => {
  it('sixteen 1 KiB writes right after connecting are each taken whole, and the peer gets every byte (mio tcp::multiple_writes_immediate_success)', async () => {
    const poll = newPoll();
    const received: Buffer[] = [];
    let receivedBytes = 0;
    const port = await nodeServer((socket) =>
      socket.on('data', (chunk: Buffer) => {
        received.push(chunk);
        receivedBytes += chunk.length;
      }),
    );
    const stream = await connected(poll, port, 1, Interest.WRITABLE);
    const written: (number | typeof WOULD_BLOCK)[] = [];
    for (let i = 0; i < 16; i++) written.push(stream.write(Buffer.alloc(1024, 1)));
    expect(written).toEqual(new Array(16).fill(1024));
    await until('the peer to receive 16 KiB', () => (receivedBytes >= 16 * 1024 ? true : undefined));
    expect(Buffer.concat(received)).toEqual(Buffer.alloc(16 * 1024, 1));
  });

  it('a client reset (SO_LINGER 0, close) is READABLE for the server stream registered afterwards, and its read returns no data (mio tcp::connection_reset_by_peer)', async () => {
    const poll = newPoll();
    const listener = closeAfter(TcpListener.bind('127.0.0.1:0'));
    const client = closeAfter(TcpStream.connect(listener.localAddr()));
    client.setLinger(0);
    poll.registry().register(listener, 0, Interest.READABLE);
    poll.registry().register(client, 1, READ_WRITE);
    await pollUntil(poll, has(0, 'readable'));
    const accepted = listener.accept();
    if (accepted === WOULD_BLOCK) throw new Error('nothing to accept after READABLE');
    const server = closeAfter(accepted[0]);
    client.close();
    // Not a wait for anything: it gives the reset time to arrive before the register, as mio does.
    await sleep(QUIET_MS);
    poll.registry().register(server, 3, Interest.READABLE);
    const events = await pollUntil(poll, has(3, 'readable'));
    expect(events).toContainEqual(expect.objectContaining({ token: 3, readable: true }));
    let result: unknown;
    try {
      result = server.read(Buffer.alloc(16));
    } catch (error) {
      result = error;
    }
    expect(result === 0 || result instanceof SystemError).toBe(true);
  });

  it('a refused connect registered for WRITABLE only is reported WRITE_CLOSED, with writable or error, and takeError has the failure (mio tcp::connect_error)', async () => {
    const closed = TcpListener.bind('127.0.0.1:0');
    const { port } = closed.localAddr();
    closed.close();
    const poll = newPoll();
    const stream = closeAfter(TcpStream.connect({ host: '127.0.0.1', port }));
    poll.registry().register(stream, 0, Interest.WRITABLE);
    const events = await pollUntil(poll, (seen) => seen.some((event) => event.token === 0));
    const event = events.find((seen) => seen.token === 0);
    expect(event?.writable === true || event?.error === true).toBe(true);
    expect(event?.writeClosed).toBe(true);
    expect(stream.takeError()).toBeInstanceOf(SystemError);
  });

  it('addresses are ready on the events that announce a connection: the accepted stream on WRITABLE, the client on READABLE of the bytes it sent (mio tcp::local_addr_ready)', async () => {
    const poll = newPoll();
    const listener = closeAfter(TcpListener.bind('127.0.0.1:0'));
    const address = listener.localAddr();
    poll.registry().register(listener, 0, Interest.READABLE);
    const client = closeAfter(TcpStream.connect(address));
    poll.registry().register(client, 1, Interest.READABLE);
    let accepted: TcpStream | undefined;
    let done = false;
    const events = new Events(64);
    const deadline = performance.now() + WAIT_MS;
    while (!done) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) throw new Error('the exchange did not finish');
      await poll.pollAsync(events, { timeout: remaining });
      for (const event of events) {
        if (event.token === 0) {
          const next = listener.accept();
          if (next === WOULD_BLOCK) throw new Error('nothing to accept after READABLE');
          accepted = closeAfter(next[0]);
          poll.registry().register(accepted, 2, Interest.WRITABLE);
        } else if (event.token === 2 && accepted !== undefined) {
          expect(accepted.peerAddr()).toEqual(client.localAddr());
          expect(accepted.localAddr()).toEqual(address);
          expect(accepted.write(Buffer.from([1, 2, 3]))).toBe(3);
          accepted.close();
          accepted = undefined;
        } else if (event.token === 1) {
          expect(client.peerAddr()).toEqual(address);
          expect(client.localAddr().address).toBe('127.0.0.1');
          expect(readAll(client).data).toEqual(Buffer.from([1, 2, 3]));
          done = true;
        }
      }
    }
  });

  it.each(['close', 'deregister'] as const)(
    'bytes written by the accepted stream just before a %s reach the client, whose READABLE registration stayed silent until then (mio tcp::write_then_drop, write_then_deregister)',
    async (then) => {
      const poll = newPoll();
      const listener = closeAfter(TcpListener.bind('127.0.0.1:0'));
      const client = closeAfter(TcpStream.connect(listener.localAddr()));
      poll.registry().register(listener, 1, Interest.READABLE);
      poll.registry().register(client, 3, Interest.READABLE);
      const connectEvents = await pollUntil(poll, has(1, 'readable'));
      expect(tokensOf(connectEvents)).toEqual([1]);
      const accepted = listener.accept();
      if (accepted === WOULD_BLOCK) throw new Error('nothing to accept after READABLE');
      const server = closeAfter(accepted[0]);
      poll.registry().register(server, 2, Interest.WRITABLE);
      const writableEvents = await pollUntil(poll, has(2, 'writable'));
      expect(tokensOf(writableEvents)).toEqual([2]);
      expect(server.write(Buffer.from([1, 2, 3, 4]))).toBe(4);
      if (then === 'close') server.close();
      else poll.registry().deregister(server);
      poll.registry().reregister(client, 3, Interest.READABLE);
      const readEvents = await pollUntil(poll, has(3, 'readable'));
      expect(tokensOf(readEvents)).toEqual([3]);
      expect(readAll(client).data).toEqual(Buffer.from([1, 2, 3, 4]));
    },
  );

  it('a connection accepted and closed at once is a READABLE end of stream for the client, and reads stay at 0 (mio close_on_drop::close_on_drop)', async () => {
    const poll = newPoll();
    const listener = closeAfter(TcpListener.bind('127.0.0.1:0'));
    poll.registry().register(listener, 0, Interest.READABLE);
    const client = closeAfter(TcpStream.connect(listener.localAddr()));
    poll.registry().register(client, 1, Interest.WRITABLE);
    const reads: unknown[] = [];
    const events = new Events(64);
    const deadline = performance.now() + WAIT_MS;
    while (reads.length === 0) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) throw new Error('the client never saw the end of stream');
      await poll.pollAsync(events, { timeout: remaining });
      for (const event of events) {
        if (event.token === 0 && event.isReadable()) {
          const next = listener.accept();
          if (next !== WOULD_BLOCK) next[0].close();
        } else if (event.token === 1 && event.isWritable()) {
          poll.registry().reregister(client, 1, Interest.READABLE);
        } else if (event.token === 1 && event.isReadable()) {
          const buffer = Buffer.alloc(4096);
          reads.push(client.read(buffer), client.read(buffer));
        }
      }
    }
    expect(reads).toEqual([0, 0]);
  });

  it('closing a registered stream is a clean end of stream for the peer, not a reset (mio poll::drop_cancels_interest_and_shuts_down)', async () => {
    const poll = newPoll();
    let ended: Promise<string> | undefined;
    const port = await nodeServer((socket) => {
      ended = new Promise((resolve) => {
        socket.once('end', () => resolve('end'));
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      });
      socket.resume();
    });
    const stream = await connected(poll, port, 1);
    expect(stream.read(Buffer.alloc(1024))).toBe(WOULD_BLOCK);
    // Wrapped: a promise returned as is would be awaited by until().
    const peer = await until('the peer to see the connection', () => (ended === undefined ? undefined : { ended }));
    stream.close();
    expect(await peer.ended).toBe('end');
  });
});

describe('UdpSocket (mio tests/udp_socket.rs)', () => {
  it('ttl, broadcast and the IPv4 multicast options read before any set, and broadcast and loop set both ways (mio udp_socket::get_ttl_without_previous_set, get_broadcast_without_previous_set, set_get_broadcast, get_multicast_loop_v4_without_previous_set, set_get_multicast_loop_v4, get_multicast_ttl_v4_without_previous_set)', () => {
    const socket = closeAfter(UdpSocket.bind('127.0.0.1:0'));
    const ttl = socket.ttl();
    expect(Number.isInteger(ttl) && ttl >= 1 && ttl <= 255).toBe(true);
    expect(socket.broadcast()).toBe(false);
    expect(socket.multicastLoopV4()).toBe(true);
    expect(socket.multicastTtlV4()).toBe(1);
    socket.setBroadcast(true);
    expect(socket.broadcast()).toBe(true);
    socket.setBroadcast(false);
    expect(socket.broadcast()).toBe(false);
    socket.setMulticastLoopV4(false);
    expect(socket.multicastLoopV4()).toBe(false);
    socket.setMulticastLoopV4(true);
    expect(socket.multicastLoopV4()).toBe(true);
    expect(socket.takeError()).toBeUndefined();
  });

  it('the IPv6 multicast loop reads before any set and sets both ways (mio udp_socket::get_multicast_loop_v6_without_previous_set, set_get_multicast_loop_v6)', () => {
    const socket = closeAfter(UdpSocket.bind('[::1]:0'));
    expect(socket.multicastLoopV6()).toBe(true);
    socket.setMulticastLoopV6(false);
    expect(socket.multicastLoopV6()).toBe(false);
    socket.setMulticastLoopV6(true);
    expect(socket.multicastLoopV6()).toBe(true);
    expect(socket.takeError()).toBeUndefined();
  });

  it('connect() again moves send() to the new peer (mio udp_socket::reconnect_udp_socket_sending)', async () => {
    const poll = newPoll();
    const [s1, s2, s3] = udpSockets();
    s1.connect(s2.localAddr());
    s2.connect(s1.localAddr());
    s3.connect(s1.localAddr());
    poll.registry().register(s1, 1, READ_WRITE);
    poll.registry().register(s2, 2, Interest.READABLE);
    poll.registry().register(s3, 3, Interest.READABLE);
    await pollUntil(poll, has(1, 'writable'));
    expect(s1.send(DATA1)).toBe(DATA1.length);
    await pollUntil(poll, has(2, 'readable'));
    const buffer = Buffer.alloc(20);
    expect(s2.recv(buffer)).toBe(DATA1.length);
    expect(buffer.subarray(0, DATA1.length)).toEqual(DATA1);
    s1.connect(s3.localAddr());
    expect(s1.send(DATA2)).toBe(DATA2.length);
    await pollUntil(poll, has(3, 'readable'));
    expect(s3.recv(buffer)).toBe(DATA2.length);
    expect(buffer.subarray(0, DATA2.length)).toEqual(DATA2);
    expect([s1.takeError(), s2.takeError(), s3.takeError()]).toEqual([undefined, undefined, undefined]);
  });

  it('connect() again moves recv() to the new peer, and each recv that would block re-arms READABLE (mio udp_socket::reconnect_udp_socket_receiving, et_behavior_recv)', async () => {
    const poll = newPoll();
    const [s1, s2, s3] = udpSockets();
    s1.connect(s2.localAddr());
    s2.connect(s1.localAddr());
    s3.connect(s1.localAddr());
    poll.registry().register(s1, 1, Interest.READABLE);
    poll.registry().register(s2, 2, Interest.WRITABLE);
    poll.registry().register(s3, 3, Interest.WRITABLE);
    await pollUntil(poll, (events) => has(2, 'writable')(events) && has(3, 'writable')(events));
    const buffer = Buffer.alloc(20);
    const receive = async (from: UdpSocket, data: Buffer): Promise<void> => {
      expect(from.send(data)).toBe(data.length);
      await pollUntil(poll, has(1, 'readable'));
      expect(s1.recv(buffer)).toBe(data.length);
      expect(buffer.subarray(0, data.length)).toEqual(data);
      expect(s1.recv(buffer)).toBe(WOULD_BLOCK);
    };
    await receive(s2, DATA1);
    s1.connect(s3.localAddr());
    await receive(s3, DATA2);
    s1.connect(s2.localAddr());
    await receive(s2, DATA2);
    expect([s1.takeError(), s2.takeError(), s3.takeError()]).toEqual([undefined, undefined, undefined]);
  });

  it('send() without a default peer fails; an unconnected socket still recv()s and peek()s, and a connected one recvFrom()s its peer with its address (mio udp_socket::unconnected_udp_socket_connected_methods, connected_udp_socket_unconnected_methods)', async () => {
    const poll = newPoll();
    const [s1, s2, s3] = udpSockets();
    poll.registry().register(s1, 1, Interest.WRITABLE);
    poll.registry().register(s2, 2, Interest.READABLE);
    await pollUntil(poll, has(1, 'writable'));
    // WSAENOTCONN, as mio expects, on both Wines: udp.ts says it before Winsock would (Wine 8: WSAEINVAL).
    const unconnected = thrown(() => s1.send(DATA1));
    expect(unconnected).toBeInstanceOf(SystemError);
    expect(unconnected).toMatchObject({ code: 'ENOTCONN', osCode: 10057 });
    expect(s1.sendTo(DATA1, s2.localAddr())).toBe(DATA1.length);
    await pollUntil(poll, has(2, 'readable'));
    const buffer = Buffer.alloc(20);
    expect(s2.peek(buffer)).toBe(DATA1.length);
    expect(s2.recv(buffer)).toBe(DATA1.length);
    expect(buffer.subarray(0, DATA1.length)).toEqual(DATA1);

    // s3 is connected to s2, and hears it through the unconnected methods too.
    s3.connect(s2.localAddr());
    poll.registry().register(s3, 3, Interest.READABLE);
    expect(s2.sendTo(DATA2, s3.localAddr())).toBe(DATA2.length);
    await pollUntil(poll, has(3, 'readable'));
    expect(s3.peekFrom(buffer)).toEqual({ bytes: DATA2.length, address: s2.localAddr() });
    expect(s3.recvFrom(buffer)).toEqual({ bytes: DATA2.length, address: s2.localAddr() });
    expect(buffer.subarray(0, DATA2.length)).toEqual(DATA2);
    expect([s1.takeError(), s2.takeError(), s3.takeError()]).toEqual([undefined, undefined, undefined]);
  });

  it('a connected socket drops datagrams from anyone but its peer (mio udp_socket::udp_socket_discard)', async () => {
    const poll = newPoll();
    const [tx, rx, outside] = udpSockets();
    tx.connect(rx.localAddr());
    outside.connect(rx.localAddr());
    rx.connect(tx.localAddr());
    expect(outside.send(Buffer.from('hello world'))).toBe(11);
    poll.registry().register(rx, 1, Interest.READABLE);
    // What the peer sends after the outsider must be the first and only datagram rx gets.
    expect(tx.send(DATA1)).toBe(DATA1.length);
    await pollUntil(poll, has(1, 'readable'));
    const buffer = Buffer.alloc(20);
    expect(rx.recvFrom(buffer)).toEqual({ bytes: DATA1.length, address: tx.localAddr() });
    expect(buffer.subarray(0, DATA1.length)).toEqual(DATA1);
    expect(rx.recv(buffer)).toBe(WOULD_BLOCK);
  });

  it('a datagram that came while only WRITABLE was asked for is not reported, until reregister asks for READABLE (mio udp_socket::udp_socket_reregister)', async () => {
    const poll = newPoll();
    const socket = closeAfter(UdpSocket.bind('127.0.0.1:0'));
    const sender = closeAfter(UdpSocket.bind('127.0.0.1:0'));
    poll.registry().register(socket, 1, Interest.WRITABLE);
    expect(sender.sendTo(DATA1, socket.localAddr())).toBe(DATA1.length);
    // The datagram is queued once a peek sees it; the socket is left registered for WRITABLE.
    const probe = Buffer.alloc(20);
    await until('the datagram to arrive', () => (socket.peek(probe) === WOULD_BLOCK ? undefined : true));
    const writableEvents = await pollUntil(poll, has(1, 'writable'));
    expect(writableEvents).toEqual([expect.objectContaining({ token: 1, writable: true, readable: false })]);
    poll.registry().reregister(socket, 2, Interest.READABLE);
    const readableEvents = await pollUntil(poll, has(2, 'readable'));
    expect(readableEvents).toContainEqual(expect.objectContaining({ token: 2, readable: true }));
    expect(socket.recvFrom(probe)).toEqual({ bytes: DATA1.length, address: sender.localAddr() });
  });
});
