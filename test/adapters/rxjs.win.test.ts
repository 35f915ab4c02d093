// The RxJS adapters against real sockets: cold, teardown releases, errors and completion flow.
import * as nodeNet from 'node:net';
import { bufferTime, filter, firstValueFrom, map, mergeMap, take, takeUntil, timer, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { connections$, data$, datagrams$, fromPoll, readiness$ } from '../../src/adapters/rxjs.js';
import * as mioNet from '../../src/adapters/net.js';
import { Interest, Poll, TcpListener, TcpStream, UdpSocket } from '../../src/index.js';
import { Driver } from '../../src/streams/driver.js';
import { TcpSocket } from '../../src/streams/tcp-socket.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0).reverse()) close();
});

describe('RxJS adapters', () => {
  it('fromPoll emits events and unsubscribing frees the Poll', async () => {
    const poll = new Poll();
    closers.push(() => poll.close());
    const listener = TcpListener.bind('127.0.0.1:0');
    closers.push(() => listener.close());
    poll.registry().register(listener, 5, Interest.READABLE);
    const first = firstValueFrom(fromPoll(poll));
    const client = nodeNet.connect(listener.localAddr().port, '127.0.0.1');
    closers.push(() => client.destroy());
    const event = await first;
    expect(event.token).toBe(5);
    expect(event.isReadable()).toBe(true);
    // The subscription ended (take 1): the Poll accepts a new wait.
    await poll.pollAsync(new (await import('../../src/index.js')).Events(4), { timeout: 0 });
  });

  it('connections$ over a TcpListener, composed with mergeMap and data$', async () => {
    const listener = TcpListener.bind('127.0.0.1:0');
    closers.push(() => listener.close());
    const { port } = listener.localAddr();
    const greetings = firstValueFrom(
      connections$(listener).pipe(
        mergeMap((socket) => data$(socket).pipe(map((chunk) => chunk.toString()))),
        take(2),
        toArray(),
      ),
    );
    const a = nodeNet.connect(port, '127.0.0.1', () => a.write('one'));
    const b = nodeNet.connect(port, '127.0.0.1', () => b.write('two'));
    closers.push(() => a.destroy(), () => b.destroy());
    expect((await greetings).sort()).toEqual(['one', 'two']);
  });

  it('data$ completes at end of stream and errors on a reset', async () => {
    const server = nodeNet.createServer((socket) => socket.end('all of it'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => server.close());
    const port = (server.address() as nodeNet.AddressInfo).port;
    const chunks = await firstValueFrom(data$(TcpSocket.connect({ port })).pipe(toArray()));
    expect(Buffer.concat(chunks).toString()).toBe('all of it');

    const resetter = nodeNet.createServer((socket) => setTimeout(() => socket.resetAndDestroy(), 30));
    await new Promise<void>((resolve) => resetter.listen(0, '127.0.0.1', resolve));
    closers.push(() => resetter.close());
    const failed = firstValueFrom(data$(TcpSocket.connect({ port: (resetter.address() as nodeNet.AddressInfo).port })).pipe(toArray()));
    await expect(failed).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('connections$ over the drop-in Server, with takeUntil', async () => {
    const server = mioNet.createServer();
    closers.push(() => server.close());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number } | null)?.port ?? 0;
    const collected = firstValueFrom(connections$(server).pipe(takeUntil(timer(1500)), toArray()));
    const clients = [nodeNet.connect(port, '127.0.0.1'), nodeNet.connect(port, '127.0.0.1'), nodeNet.connect(port, '127.0.0.1')];
    closers.push(() => clients.forEach((c) => c.destroy()));
    const sockets = await collected;
    expect(sockets.length).toBe(3);
    sockets.forEach((s) => s.destroy());
  });

  it('datagrams$ with bufferTime batches datagrams; unsubscribing deregisters', async () => {
    const receiver = UdpSocket.bind('127.0.0.1:0');
    closers.push(() => receiver.close());
    const sender = UdpSocket.bind('127.0.0.1:0');
    closers.push(() => sender.close());
    const batches = firstValueFrom(
      datagrams$(receiver).pipe(
        bufferTime(300),
        filter((batch) => batch.length > 0),
        take(1),
      ),
    );
    for (let i = 0; i < 5; i++) sender.sendTo(Buffer.from(`d${i}`), receiver.localAddr());
    const batch = await batches;
    expect(batch.map((d) => d.data.toString())).toEqual(['d0', 'd1', 'd2', 'd3', 'd4']);
    expect(batch[0]?.address).toEqual(sender.localAddr());
    // Deregistered: the socket can be registered again elsewhere.
    const poll = new Poll();
    closers.push(() => poll.close());
    poll.registry().register(receiver, 1, Interest.READABLE);
  });

  it('datagrams$ takes a flood in turns: the event loop runs between them, none is lost', async () => {
    const receiver = UdpSocket.bind('127.0.0.1:0');
    closers.push(() => receiver.close());
    const sender = UdpSocket.bind('127.0.0.1:0');
    closers.push(() => sender.close());
    const FLOOD = 200;
    // Queued in the kernel before anyone reads: one readiness event covers them all.
    for (let i = 0; i < FLOOD; i++) sender.sendTo(Buffer.from(`d${i}`), receiver.localAddr());
    await new Promise((resolve) => setTimeout(resolve, 200));
    let received = 0;
    let receivedWhenTheLoopRan: number | undefined;
    const all = firstValueFrom(
      datagrams$(receiver).pipe(
        map((datagram) => {
          received += 1;
          if (received === 1) setImmediate(() => (receivedWhenTheLoopRan = received));
          return datagram.data.toString();
        }),
        take(FLOOD),
        toArray(),
      ),
    );
    const texts = await all;
    expect(texts).toEqual(Array.from({ length: FLOOD }, (_, i) => `d${i}`));
    expect(receivedWhenTheLoopRan).toBeDefined();
    expect(receivedWhenTheLoopRan).toBeLessThan(FLOOD);
  });

  it('readiness$ reports WRITABLE of a connecting stream', async () => {
    const listener = TcpListener.bind('127.0.0.1:0');
    closers.push(() => listener.close());
    const stream = TcpStream.connect(listener.localAddr());
    closers.push(() => stream.close());
    const event = await firstValueFrom(readiness$(stream, Interest.WRITABLE, Driver.shared()));
    expect(event.isWritable()).toBe(true);
  });
});
