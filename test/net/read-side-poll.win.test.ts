// A socket left with unread bytes after READABLE must cost nothing while it waits. Under Wine
// every read-side flag of an AFD poll makes the wineserver watch the socket for incoming bytes,
// and only RECEIVE is completed by them: a poll left asking for DISCONNECT alone made the
// wineserver wake on those bytes over and over, a CPU's worth for as long as the owner did not
// read (a paused stream, a stream between two turns of its read loop). docs/architecture.md,
// Wine: "a poll that data cannot complete". Measured as the CPU time of the wineserver that
// serves this process, read from Linux's /proc through Wine's Z: drive.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Events, Interest, Poll, TcpListener, TcpStream, WOULD_BLOCK } from '../../src/index.js';
import { closedAfterEach, drive, nextEvent } from './poll-helpers.js';

const track = closedAfterEach();

/** The /proc directory of the wineserver of this process's prefix, or undefined when there is none (Windows). */
function findWineserver(): string | undefined {
  const prefix = process.env['WINEPREFIX'];
  let entries: string[];
  try {
    entries = readdirSync('Z:\\proc');
  } catch {
    return undefined;
  }
  for (const pid of entries.filter((name) => /^\d+$/.test(name))) {
    const dir = `Z:\\proc\\${pid}`;
    try {
      if (!readFileSync(`${dir}\\comm`, 'utf8').startsWith('wineserver')) continue;
      const environment = readFileSync(`${dir}\\environ`, 'latin1').split('\0');
      if (prefix === undefined || environment.includes(`WINEPREFIX=${prefix}`)) return dir;
    } catch {
      // A process that went away, or one of another user.
    }
  }
  return undefined;
}

/** User and system CPU time of the process in `dir`, in clock ticks (1/100 s on Linux). */
function cpuTicks(dir: string): number {
  const fields = readFileSync(`${dir}\\stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // After the command: state is field 3, utime 14 and stime 15 (proc(5)).
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * Waits (up to 10 s) until the wineserver has been quiet for a quarter of a second: the tests
 * before this one (the load tests, in CI) can leave it busy with their sockets for a while.
 */
async function untilQuiet(server: string): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline) {
    const before = cpuTicks(server);
    await new Promise((resolve) => setTimeout(resolve, 250));
    if (cpuTicks(server) - before <= 2) return;
  }
}

/**
 * The wineserver's CPU time (ms) while `poll` waits WAIT_MS, the lesser of two such waits: the
 * wineserver also serves the other test runs of the same prefix (CI runs two Node versions on
 * Wine 10.0), whose bursts a spin would not need to explain. A READABLE event is a failure
 * unless `readableAllowed`.
 */
async function wineserverCpuWhileWaiting(poll: Poll, server: string, readableAllowed = false): Promise<number> {
  await untilQuiet(server);
  const events = new Events(16);
  let least = Infinity;
  for (let round = 0; round < 2; round++) {
    const before = cpuTicks(server);
    const started = performance.now();
    while (performance.now() - started < WAIT_MS) {
      await poll.pollAsync(events, { timeout: WAIT_MS - (performance.now() - started) });
      if (!readableAllowed) for (const event of events) expect(event.isReadable()).toBe(false);
    }
    least = Math.min(least, (cpuTicks(server) - before) * 10);
  }
  return least;
}

/** A client and the stream its listener accepted through `poll`; the listener is left deregistered. */
async function connectedPair(poll: Poll): Promise<{ client: TcpStream; receiver: TcpStream }> {
  const listener = track(TcpListener.bind('127.0.0.1:0'));
  const client = track(TcpStream.connect(listener.localAddr()));
  let accepted: TcpStream | undefined;
  poll.registry().register(listener, 1, Interest.READABLE);
  await drive(
    poll,
    () => {
      const next = listener.accept();
      if (next !== WOULD_BLOCK) accepted = track(next[0]);
    },
    () => accepted !== undefined,
  );
  poll.registry().deregister(listener);
  return { client, receiver: accepted as TcpStream };
}

/** Reads `stream` into `buffer` until WouldBlock; the bytes read. */
function readToWouldBlock(stream: TcpStream, buffer: Buffer): number {
  let received = 0;
  for (let n = stream.read(buffer); n !== WOULD_BLOCK; n = stream.read(buffer)) received += n;
  return received;
}

const wineserver = findWineserver();
const WAIT_MS = 1_000;
const CHUNK = 64 * 1024;

describe('a Poll waiting on a socket whose READABLE was not read to WouldBlock', () => {
  it.runIf(wineserver !== undefined)(
    "costs the wineserver no CPU while the Poll waits (runs under Wine only: it reads the wineserver's /proc)",
    async () => {
      const server = wineserver as string;
      const poll = track(new Poll());
      const { client, receiver } = await connectedPair(poll);
      const total = 8 * CHUNK;
      const data = Buffer.alloc(total, 0x61);
      let sent = 0;
      while (sent < total) {
        const n = client.write(data.subarray(sent));
        if (n === WOULD_BLOCK) break;
        sent += n;
      }
      poll.registry().register(receiver, 2, Interest.READABLE.add(Interest.WRITABLE));
      await nextEvent(poll, (event) => event.token === 2 && event.isReadable());
      const buffer = Buffer.alloc(CHUNK);
      // One full read: bytes are left in the socket, and no WouldBlock re-arms READABLE.
      expect(receiver.read(buffer)).toBe(CHUNK);
      let received = CHUNK;

      const cpuMs = await wineserverCpuWhileWaiting(poll, server);
      console.log(`wineserver CPU while the Poll waited ${WAIT_MS} ms with unread bytes: ${cpuMs} ms`);
      // Woken on every look at the bytes it took a CPU's worth (about 1,000 ms).
      expect(cpuMs).toBeLessThan(500);

      // Nothing was lost: reading on finds the rest, then WouldBlock.
      received += readToWouldBlock(receiver, buffer);
      expect(received).toBe(sent);
    },
    30_000,
  );

  it.runIf(wineserver !== undefined)(
    "nor after a short read, when more bytes come and stay unread (runs under Wine only: it reads the wineserver's /proc)",
    async () => {
      const server = wineserver as string;
      const poll = track(new Poll());
      const { client, receiver } = await connectedPair(poll);
      poll.registry().register(receiver, 2, Interest.READABLE);
      const first = Buffer.alloc(1_000, 0x61);
      expect(client.write(first)).toBe(first.length);
      await nextEvent(poll, (event) => event.token === 2 && event.isReadable());
      const buffer = Buffer.alloc(CHUNK);
      // A short read: the socket is drained, its read side is polled again, without a WouldBlock.
      expect(receiver.read(buffer)).toBe(first.length);
      const more = Buffer.alloc(CHUNK, 0x62);
      expect(client.write(more)).toBe(more.length);

      // The new bytes may report READABLE (the poll asks for them); unread, they must cost nothing.
      const cpuMs = await wineserverCpuWhileWaiting(poll, server, true);
      console.log(`wineserver CPU while the Poll waited ${WAIT_MS} ms with bytes that came after a short read: ${cpuMs} ms`);
      expect(cpuMs).toBeLessThan(500);

      expect(readToWouldBlock(receiver, buffer)).toBe(more.length);
    },
    30_000,
  );

  it.runIf(wineserver !== undefined)(
    "a listener with connections still waiting after ACCEPT costs the wineserver no CPU either (runs under Wine only: it reads the wineserver's /proc)",
    async () => {
      const server = wineserver as string;
      const poll = track(new Poll());
      const listener = track(TcpListener.bind('127.0.0.1:0'));
      poll.registry().register(listener, 1, Interest.READABLE);
      for (let i = 0; i < 3; i++) track(TcpStream.connect(listener.localAddr()));
      await nextEvent(poll, (event) => event.token === 1 && event.isReadable());
      // One accept: the others wait in the backlog, and no WouldBlock re-arms READABLE.
      let accepted = listener.accept();
      expect(accepted).not.toBe(WOULD_BLOCK);
      if (accepted !== WOULD_BLOCK) track(accepted[0]);

      const cpuMs = await wineserverCpuWhileWaiting(poll, server);
      console.log(`wineserver CPU while the Poll waited ${WAIT_MS} ms with connections waiting: ${cpuMs} ms`);
      expect(cpuMs).toBeLessThan(500);

      // They are still there to accept.
      let more = 0;
      for (;;) {
        accepted = listener.accept();
        if (accepted === WOULD_BLOCK) break;
        track(accepted[0]);
        more++;
      }
      expect(more).toBe(2);
    },
    30_000,
  );
});
