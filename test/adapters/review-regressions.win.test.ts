// Regressions found in review: data before a listener, connections$ after unsubscribe,
// connect after destroy, a failed pipe write at end().
import * as nodeNet from 'node:net';
import { firstValueFrom, take } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import * as mioNet from '../../src/adapters/net.js';
import { connections$ } from '../../src/adapters/rxjs.js';
import { TcpListener } from '../../src/index.js';
import { Driver } from '../../src/streams/driver.js';
import { PipeListener } from '../../src/streams/pipe-listener.js';
import { PipeSocket } from '../../src/streams/pipe-socket.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0).reverse()) close();
});
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('review regressions', () => {
  it('data that arrives before a data listener is kept for it (as node:net does)', async () => {
    let received = '';
    const server = mioNet.createServer((socket) => {
      setTimeout(() => socket.on('data', (d: Buffer) => (received += d.toString())), 300);
    });
    closers.push(() => server.close());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = nodeNet.connect((server.address() as { port: number }).port, '127.0.0.1', () => client.write('hello'));
    closers.push(() => client.destroy());
    await sleep(1000);
    expect(received).toBe('hello');
  });

  it('connections$ with take(1) accepts nothing after the subscriber is gone', async () => {
    const driver = new Driver();
    closers.push(() => driver.close());
    const listener = TcpListener.bind('127.0.0.1:0');
    closers.push(() => listener.close());
    const port = listener.localAddr().port;
    const clients = [0, 1, 2].map(() => nodeNet.connect(port, '127.0.0.1'));
    closers.push(() => clients.forEach((c) => c.destroy()));
    await sleep(500);
    const first = await firstValueFrom(connections$(listener, driver).pipe(take(1)));
    first.destroy();
    await sleep(300);
    // Only the listener's own registration is gone too: no orphaned sockets remain registered.
    expect(driver.activeSources).toBe(0);
  });

  it('PipeSocket.connect then destroy() at once emits no connect', async () => {
    const path = `\\\\.\\pipe\\mio-ts-review-f-${process.pid}`;
    const listener = new PipeListener(path, {}, (s) => s.destroy());
    closers.push(() => listener.close());
    const socket = PipeSocket.connect(path);
    const events: string[] = [];
    for (const name of ['connect', 'ready', 'close', 'error']) socket.on(name, () => events.push(name));
    socket.destroy();
    await sleep(300);
    expect(events).toEqual(['close']);
  });

  it('end() on a pipe whose write failed in flight ends with the error instead of hanging', async () => {
    const path = `\\\\.\\pipe\\mio-ts-review-epipe-${process.pid}`;
    const outcome = new Promise<string>((resolve) => {
      const listener = new PipeListener(path, {}, (socket) => {
        socket.on('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code ?? e.message}`));
        socket.on('finish', () => resolve('finish'));
        socket.write(Buffer.alloc(4 * 1024 * 1024));
        socket.end();
      });
      closers.push(() => listener.close());
    });
    const client = nodeNet.connect(path, () => client.destroy());
    closers.push(() => client.destroy());
    const result = await Promise.race([outcome, sleep(10_000).then(() => 'hung')]);
    // 4 MiB cannot all reach a peer that closed at once: the end is the write's error.
    expect(result).toMatch(/^error (EPIPE|ECONNRESET|EOF)$/);
  });
});
