// The Driver's change from its unref'd background wait to a ref'd wait hands the waiting thread
// over instead of stopping it: a thread still starting (seconds on a busy machine) would have
// to finish starting before it could exit, and every connect made meanwhile waited for it
// (Node's test-net-connect-paused-connection.js failed so under load).
import { afterEach, describe, expect, it } from 'vitest';
import { Interest } from '../../src/core/interest.js';
import { TcpListener } from '../../src/net/tcp-listener.js';
import { TcpStream } from '../../src/net/tcp-stream.js';
import { UdpSocket } from '../../src/net/udp-socket.js';
import { Driver } from '../../src/streams/driver.js';
import { CompletionPump } from '../../src/sys/windows/completion-pump.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0).reverse()) close();
});

describe('Driver wait modes', () => {
  it('a ref\'d wait after the unref\'d one keeps its waiting thread, and the connect made meanwhile is served', async () => {
    const driver = new Driver();
    closers.push(() => driver.close());
    const startedBefore = CompletionPump.startedThreads;
    const liveBefore = CompletionPump.liveThreads;
    // Nothing ref'd: the Driver hands its wait to the waiting thread, unref'd.
    const idle = UdpSocket.bind('127.0.0.1:0');
    closers.push(() => idle.close());
    const idleToken = driver.add(idle, Interest.READABLE, () => undefined);
    closers.push(() => driver.remove(idle, idleToken));
    await new Promise((resolve) => setImmediate(resolve));
    expect(CompletionPump.startedThreads - startedBefore).toBe(1);
    // Then a ref'd user at once, while that thread is (most likely) still starting.
    const hold = driver.hold();
    hold.set(true);
    closers.push(() => hold.set(false));
    const listener = TcpListener.bind('127.0.0.1:0');
    closers.push(() => listener.close());
    const client = TcpStream.connect({ host: '127.0.0.1', port: listener.localAddr().port });
    closers.push(() => client.close());
    const connected = new Promise<void>((resolve) => {
      const token = driver.add(client, Interest.WRITABLE, () => resolve());
      closers.push(() => driver.remove(client, token));
    });
    await connected;
    // The one thread, kept: not stopped (the wait would have waited for it to exit) nor started again.
    expect(CompletionPump.liveThreads - liveBefore).toBe(1);
    expect(CompletionPump.startedThreads - startedBefore).toBe(1);
  }, 30_000);
});
