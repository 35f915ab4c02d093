// NamedPipe against real pipes (Windows, or Windows Node under Wine): mio's win_named_pipe
// tests, plus leaks, interest, EOF/EPIPE, message mode and Node's own `net` on the other end.
import { createHash } from 'node:crypto';
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Events,
  Interest,
  InvalidArgumentError,
  InvalidStateError,
  NamedPipe,
  Poll,
  SystemError,
  WOULD_BLOCK,
  type Event,
  type NamedPipeOptions,
} from '../../src/index.js';
import { NativeMemory, advapi32, kernel32, loadKoffi } from '../../src/sys/windows/ffi/index.js';
import { CompletionPump } from '../../src/sys/windows/completion-pump.js';

const cleanups: (() => void)[] = [];
// Every cleanup is idempotent (close(), destroy()): one that throws is a bug to see, not to swallow.
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

let counter = 0;
function pipeName(): string {
  return `\\\\.\\pipe\\mio-ts-test-${process.pid}-${Date.now()}-${counter++}`;
}

function newPoll(): Poll {
  const poll = new Poll();
  cleanups.push(() => poll.close());
  return poll;
}

function server(name = pipeName(), options?: NamedPipeOptions): { pipe: NamedPipe; name: string } {
  const pipe = NamedPipe.create(name, options);
  cleanups.push(() => pipe.close());
  return { pipe, name };
}

function client(name: string, options?: Pick<NamedPipeOptions, 'mode' | 'bufferSize'>): NamedPipe {
  const pipe = NamedPipe.open(name, options);
  cleanups.push(() => pipe.close());
  return pipe;
}

const RW = Interest.READABLE.add(Interest.WRITABLE);

/** The DACL of a pipe as SDDL, read by name (which opens it like a client would). */
function pipeDacl(name: string): string {
  const koffi = loadKoffi();
  const library = koffi.load('advapi32.dll');
  const getNamedSecurityInfo = library.func(
    'uint32_t __stdcall GetNamedSecurityInfoW(str16 name, int type, uint32_t info, void *owner, void *group, void *dacl, void *sacl, _Out_ void **descriptor)',
  );
  const toSddl = library.func('int __stdcall ConvertSecurityDescriptorToStringSecurityDescriptorW(void *descriptor, uint32_t revision, uint32_t info, _Out_ void **text, void *length)');
  const SE_FILE_OBJECT = 1;
  const DACL_SECURITY_INFORMATION = 4;
  const descriptor: unknown[] = [null];
  const error = getNamedSecurityInfo(name, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, null, null, null, null, descriptor) as number;
  if (error !== 0) throw new Error(`GetNamedSecurityInfoW failed: ${error}`);
  const text: unknown[] = [null];
  try {
    if ((toSddl(descriptor[0], 1, DACL_SECURITY_INFORMATION, text, null) as number) === 0) throw new Error('ConvertSecurityDescriptorToStringSecurityDescriptorW failed');
    try {
      return koffi.decode.string16(text[0]);
    } finally {
      kernel32.localFree(text[0] as bigint);
    }
  } finally {
    kernel32.localFree(descriptor[0] as bigint);
  }
}


// Every event a Poll delivered, in order, so that a wait never loses an event another wait needs.
const logs = new WeakMap<Poll, Event[]>();
function logOf(poll: Poll): Event[] {
  let log = logs.get(poll);
  if (log === undefined) {
    log = [];
    logs.set(poll, log);
  }
  return log;
}

/** Polls (without blocking the event loop) until `done()` holds. */
async function drive(poll: Poll, done: () => boolean, timeoutMs = 60_000): Promise<void> {
  const events = new Events(256);
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error('timed out driving the poll');
    await poll.pollAsync(events, { timeout: Math.min(remaining, 200) });
    logOf(poll).push(...events);
  }
}

/** The first logged event (past or coming) that matches; it is taken out of the log. */
async function nextEvent(poll: Poll, predicate: (event: Event) => boolean, timeoutMs = 15_000): Promise<Event> {
  let found: Event | undefined;
  await drive(
    poll,
    () => {
      const log = logOf(poll);
      const index = log.findIndex(predicate);
      if (index < 0) return false;
      found = log[index];
      log.splice(index, 1);
      return true;
    },
    timeoutMs,
  );
  return found as Event;
}

/** Forgets the events logged so far. */
function clearLog(poll: Poll): void {
  logOf(poll).length = 0;
}
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString();

/** A connected server (token 0) and client (token 1), both registered for `interest`. */
async function connectedPair(
  poll: Poll,
  options: NamedPipeOptions = {},
  interest: Interest = RW,
): Promise<{ server: NamedPipe; client: NamedPipe; name: string }> {
  const { pipe: srv, name } = server(pipeName(), options);
  poll.registry().register(srv, 0, interest);
  expect(srv.connect()).toBe(WOULD_BLOCK);
  const cli = client(name, { ...(options.mode === undefined ? {} : { mode: options.mode }) });
  poll.registry().register(cli, 1, interest);
  // Connected once the server's connect completes: WRITABLE, or READABLE for a READABLE-only registration.
  if (interest.isWritable()) await nextEvent(poll, (e) => e.token === 0 && e.isWritable());
  else await drive(poll, () => srv.connect() === undefined);
  expect(srv.connect()).toBeUndefined();
  return { server: srv, client: cli, name };
}

/** Reads from `pipe` until `count` bytes came (or EOF), driving the poll meanwhile. */
async function readExactly(poll: Poll, pipe: NamedPipe, count: number, chunk = 65536): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  const buffer = new Uint8Array(chunk);
  await drive(
    poll,
    () => {
      for (;;) {
        if (total >= count) return true;
        const n = pipe.read(buffer);
        if (n === WOULD_BLOCK) return false;
        if (n === 0) throw new Error(`EOF after ${total} of ${count} bytes`);
        parts.push(Buffer.from(buffer.subarray(0, n)));
        total += n;
      }
    },
  );
  return Buffer.concat(parts);
}

/** Reads until read() returns 0 (EOF); returns what came before it. */
async function readToEof(poll: Poll, pipe: NamedPipe): Promise<Buffer> {
  const parts: Buffer[] = [];
  const buffer = new Uint8Array(4096);
  let eof = false;
  await drive(
    poll,
    () => {
      for (;;) {
        const n = pipe.read(buffer);
        if (n === WOULD_BLOCK) return false;
        if (n === 0) {
          eof = true;
          return true;
        }
        parts.push(Buffer.from(buffer.subarray(0, n)));
      }
    },
  );
  expect(eof).toBe(true);
  return Buffer.concat(parts);
}

/** Writes all of `data`, driving the poll while the previous write is in flight. */
async function writeAll(poll: Poll, pipe: NamedPipe, data: Uint8Array): Promise<void> {
  let sent = false;
  await drive(
    poll,
    () => {
      if (!sent) sent = pipe.write(data) !== WOULD_BLOCK;
      return sent;
    },
  );
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

describe('NamedPipe: bad input is rejected before any native call', () => {
  it('rejects names outside \\\\.\\pipe\\', () => {
    const blocks = NativeMemory.liveBlocks;
    for (const name of ['foo', '\\\\.\\pipe\\', '\\\\server\\pipe\\x', '//./pipe/x', '\\\\.\\pipe\\a\\b', `\\\\.\\pipe\\${'x'.repeat(300)}`, '\\\\.\\pipe\\a\0b']) {
      expect(() => NamedPipe.create(name)).toThrow(InvalidArgumentError);
      expect(() => NamedPipe.open(name)).toThrow(InvalidArgumentError);
    }
    expect(() => NamedPipe.create(42 as unknown as string)).toThrow(InvalidArgumentError);
    expect(NativeMemory.liveBlocks).toBe(blocks);
  });

  it('accepts the prefix in any case', () => {
    const { pipe } = server(`\\\\.\\PIPE\\mio-ts-case-${process.pid}-${counter++}`);
    expect(pipe.isServer).toBe(true);
  });

  it('rejects bad options', () => {
    const name = pipeName();
    expect(() => NamedPipe.create(name, { mode: 'stream' as 'byte' })).toThrow(InvalidArgumentError);
    expect(() => NamedPipe.create(name, { bufferSize: 0 })).toThrow(InvalidArgumentError);
    expect(() => NamedPipe.create(name, { bufferSize: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => NamedPipe.create(name, { maxInstances: 256 })).toThrow(InvalidArgumentError);
    expect(() => NamedPipe.create(name, { firstInstance: 'yes' as unknown as boolean })).toThrow(InvalidArgumentError);
    expect(() => NamedPipe.create(name, null as unknown as NamedPipeOptions)).toThrow(InvalidArgumentError);
  });

  it('a closed pipe says ERR_PIPE_CLOSED', () => {
    const poll = newPoll();
    const { pipe } = server();
    pipe.close();
    pipe.close(); // idempotent
    const closed = expect.objectContaining({ code: 'ERR_PIPE_CLOSED' }) as Error;
    expect(() => pipe.read(new Uint8Array(4))).toThrow(InvalidStateError);
    expect(() => pipe.read(new Uint8Array(4))).toThrow(closed);
    expect(() => pipe.write(new Uint8Array(4))).toThrow(closed);
    expect(() => pipe.connect()).toThrow(closed);
    expect(() => pipe.disconnect()).toThrow(closed);
    expect(() => poll.registry().register(pipe, 0, Interest.READABLE)).toThrow(closed);
  });

  it('I/O before registration, and non-buffers, are refused', () => {
    const { pipe } = server();
    expect(() => pipe.connect()).toThrow(expect.objectContaining({ code: 'ERR_NOT_REGISTERED' }) as Error);
    expect(() => pipe.read('abc' as unknown as Uint8Array)).toThrow(InvalidArgumentError);
  });
});

describe('NamedPipe: registration', () => {
  it('one registration at a time, with one Poll for the life of the handle', () => {
    const poll = newPoll();
    const other = newPoll();
    const { pipe } = server();
    poll.registry().register(pipe, 0, Interest.READABLE);
    expect(() => poll.registry().register(pipe, 1, Interest.READABLE)).toThrow(expect.objectContaining({ code: 'ERR_ALREADY_REGISTERED' }) as Error);
    expect(() => other.registry().reregister(pipe, 1, Interest.READABLE)).toThrow(InvalidArgumentError);
    poll.registry().deregister(pipe);
    expect(() => poll.registry().deregister(pipe)).toThrow(expect.objectContaining({ code: 'ERR_NOT_REGISTERED' }) as Error);
    expect(() => other.registry().register(pipe, 1, Interest.READABLE)).toThrow(InvalidArgumentError);
    poll.registry().register(pipe, 2, Interest.WRITABLE);
    poll.close();
    expect(() => pipe.connect()).toThrow(expect.objectContaining({ code: 'ERR_POLL_CLOSED' }) as Error);
  });
});

describe('NamedPipe: creating and opening', () => {
  it('FILE_FLAG_FIRST_PIPE_INSTANCE: a second first instance is EADDRINUSE; further instances are fine', () => {
    const { name } = server();
    // Also under Wine, which ignores the flag: mio-ts asks whether the name exists first.
    expect(() => NamedPipe.create(name)).toThrow(expect.objectContaining({ code: 'EADDRINUSE', syscall: 'CreateNamedPipeW' }) as Error);
    const second = NamedPipe.create(name, { firstInstance: false });
    second.close();
  });

  it('opening a pipe nobody serves is ENOENT; one whose instances are taken is EBUSY', () => {
    let caught: unknown;
    try {
      NamedPipe.open(pipeName());
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SystemError);
    expect(caught).toMatchObject({ code: 'ENOENT', syscall: 'CreateFileW' });

    const { name } = server(pipeName(), { maxInstances: 1 });
    client(name);
    expect(() => NamedPipe.open(name)).toThrow(expect.objectContaining({ code: 'EBUSY' }) as Error);
  });

  it('currentUserOnly: the DACL grants the current user, and only that user', () => {
    const { name } = server(pipeName(), { currentUserOnly: true });
    const sddl = pipeDacl(name);
    const sid = advapi32.currentUserSid();
    expect(sid).toMatch(/^S-1-/);
    expect(sddl).toMatch(/^D:P/);
    expect(sddl).toContain(`;;;${sid})`);
    // One ACE: nobody else.
    expect(sddl.match(/\(/g)).toHaveLength(1);
  });

  it('currentUserOnly: the owner can still connect and talk', async () => {
    const poll = newPoll();
    const { server: srv, client: cli } = await connectedPair(poll, { currentUserOnly: true });
    expect(cli.write(Buffer.from('mine'))).toBe(4);
    expect(text(await readExactly(poll, srv, 4))).toBe('mine');
  });
});

describe('NamedPipe: mio win_named_pipe behaviours', () => {
  it('write then read', async () => {
    const poll = newPoll();
    const { server: srv, client: cli } = await connectedPair(poll);
    await nextEvent(poll, (e) => e.token === 1 && e.isWritable());
    expect(cli.write(Buffer.from('1234'))).toBe(4);
    await nextEvent(poll, (e) => e.token === 0 && e.isReadable());
    const buffer = new Uint8Array(10);
    expect(srv.read(buffer)).toBe(4);
    expect(text(buffer.subarray(0, 4))).toBe('1234');
    expect(srv.read(buffer)).toBe(WOULD_BLOCK);
    // And back.
    expect(srv.write(Buffer.from('5678'))).toBe(4);
    expect(text(await readExactly(poll, cli, 4))).toBe('5678');
  });

  it('connect before the client: nothing happens until a client comes, then WRITABLE', async () => {
    const poll = newPoll();
    const { pipe: srv, name } = server();
    poll.registry().register(srv, 0, RW);
    const events = new Events(16);
    poll.poll(events, 0);
    expect(events.length).toBe(0);
    expect(srv.connect()).toBe(WOULD_BLOCK);
    expect(srv.connect()).toBe(WOULD_BLOCK);
    await poll.pollAsync(events, { timeout: 50 });
    expect(events.length).toBe(0);
    const cli = client(name);
    poll.registry().register(cli, 1, RW);
    const event = await nextEvent(poll, (e) => e.token === 0);
    expect(event.isWritable()).toBe(true);
    expect(srv.connect()).toBeUndefined();
  });

  it('connect after the client: connect() succeeds at once and WRITABLE is posted', async () => {
    const poll = newPoll();
    const { pipe: srv, name } = server();
    const cli = client(name);
    poll.registry().register(srv, 0, RW);
    const events = new Events(16);
    poll.poll(events, 0);
    expect(events.length).toBe(0);
    expect(srv.connect()).toBeUndefined();
    const event = await nextEvent(poll, (e) => e.token === 0);
    expect(event.isWritable()).toBe(true);
    poll.registry().register(cli, 1, RW);
    expect(cli.write(Buffer.from('hi'))).toBe(2);
    expect(text(await readExactly(poll, srv, 2))).toBe('hi');
  });

  it('the client going away is EOF (0), sticky, and nothing is read after it', async () => {
    const poll = newPoll();
    const { server: srv, client: cli } = await connectedPair(poll);
    expect(cli.write(Buffer.from('last words'))).toBe(10);
    await nextEvent(poll, (e) => e.token === 1 && e.isWritable());
    cli.close();
    expect(text(await readToEof(poll, srv))).toBe('last words');
    // Sticky: the end stays reported (readable, read-closed) after the read that saw it.
    let event = await nextEventOrNone(poll, 0);
    for (let tries = 0; event === undefined && tries < 20; tries++) event = await nextEventOrNone(poll, 0);
    expect(event?.isReadable()).toBe(true);
    expect(event?.isReadClosed()).toBe(true);
    expect(srv.read(new Uint8Array(8))).toBe(0);
    expect(srv.read(new Uint8Array(8))).toBe(0);
  });

  it('disconnect and reconnect, five times: every client sees only its own data', async () => {
    const poll = newPoll();
    const { pipe: srv, name } = server();
    poll.registry().register(srv, 0, RW);
    for (let round = 0; round < 5; round++) {
      clearLog(poll);
      const connecting = srv.connect();
      const cli = client(name);
      poll.registry().register(cli, 1 + round, RW);
      if (connecting === WOULD_BLOCK) await nextEvent(poll, (e) => e.token === 0 && e.isWritable());
      expect(srv.connect()).toBeUndefined();
      const greeting = `client ${round}`;
      expect(cli.write(Buffer.from(greeting))).toBe(greeting.length);
      expect(text(await readExactly(poll, srv, greeting.length))).toBe(greeting);
      const reply = `server ${round}`;
      expect(srv.write(Buffer.from(reply))).toBe(reply.length);
      expect(text(await readExactly(poll, cli, reply.length))).toBe(reply);
      if (round % 2 === 0) {
        // The client leaves first: EOF, then the server lets go.
        cli.close();
        await readToEof(poll, srv);
      } else {
        // The server drops a client whose read is still pending.
        expect(srv.read(new Uint8Array(4))).toBe(WOULD_BLOCK);
        srv.disconnect();
        expect(await readToEof(poll, cli)).toHaveLength(0);
        cli.close();
      }
      srv.disconnect();
      expect(() => srv.read(new Uint8Array(4))).toThrow(expect.objectContaining({ code: 'ERR_PIPE_NOT_CONNECTED' }) as Error);
    }
  });

  it('mio #1983: after EOF and disconnect, the next client is not fed by a stale read', async () => {
    const poll = newPoll();
    const { pipe: srv, name } = server();
    poll.registry().register(srv, 0, RW);
    expect(srv.connect()).toBe(WOULD_BLOCK);
    const first = client(name);
    poll.registry().register(first, 1, RW);
    await nextEvent(poll, (e) => e.token === 0 && e.isWritable());
    first.close();
    await readToEof(poll, srv);
    // Reading again after EOF must not start a read on the instance.
    expect(srv.read(new Uint8Array(4))).toBe(0);
    srv.disconnect();
    expect(srv.connect()).toBe(WOULD_BLOCK);
    const second = client(name);
    poll.registry().register(second, 2, RW);
    await nextEvent(poll, (e) => e.token === 0 && e.isWritable());
    expect(second.write(Buffer.from('abcdef'))).toBe(6);
    expect(text(await readExactly(poll, srv, 6))).toBe('abcdef');
  });

  it('mio #1855: a READABLE-only registration never sees WRITABLE', async () => {
    const poll = newPoll();
    const { pipe: srv, name } = server();
    poll.registry().register(srv, 0, Interest.READABLE);
    expect(srv.connect()).toBe(WOULD_BLOCK);
    const cli = client(name);
    poll.registry().register(cli, 1, Interest.READABLE);
    await drive(poll, () => srv.connect() === undefined);
    // Writes complete (and would report WRITABLE) on both sides; reregistering re-evaluates.
    expect(srv.write(Buffer.from('ping'))).toBe(4);
    expect(cli.write(Buffer.from('pong'))).toBe(4);
    const buffer = new Uint8Array(8);
    let got = 0;
    await drive(poll, () => {
      for (const pipe of [srv, cli]) {
        const n = pipe.read(buffer);
        if (n !== WOULD_BLOCK) got += n;
      }
      return got >= 8;
    });
    poll.registry().reregister(srv, 0, Interest.READABLE);
    poll.registry().reregister(cli, 1, Interest.READABLE);
    const until = Date.now() + 200;
    await drive(poll, () => Date.now() > until);
    const seen = logOf(poll);
    expect(seen.some((e) => e.isReadable())).toBe(true);
    expect(seen.filter((e) => e.isWritable() || e.isWriteClosed())).toEqual([]);
  });

  it('a WRITABLE-only registration is told when the write finished, not about data', async () => {
    const poll = newPoll();
    const { server: srv, client: cli } = await connectedPair(poll, {}, Interest.WRITABLE);
    await nextEvent(poll, (e) => e.token === 1 && e.isWritable());
    clearLog(poll);
    expect(cli.write(Buffer.from('x'))).toBe(1);
    await nextEvent(poll, (e) => e.token === 1 && e.isWritable());
    const until = Date.now() + 200;
    await drive(poll, () => Date.now() > until);
    expect(logOf(poll).filter((e) => e.isReadable())).toEqual([]);
    // The byte is there all the same.
    poll.registry().reregister(srv, 0, Interest.READABLE);
    await nextEvent(poll, (e) => e.token === 0 && e.isReadable());
    expect(srv.read(new Uint8Array(4))).toBe(1);
  });

  it('data already buffered is announced by register, and deregister silences the pipe', async () => {
    const poll = newPoll();
    const { server: srv, client: cli } = await connectedPair(poll);
    expect(cli.write(Buffer.from('abcd'))).toBe(4);
    await nextEvent(poll, (e) => e.token === 0 && e.isReadable());
    const one = new Uint8Array(1);
    expect(srv.read(one)).toBe(1);
    poll.registry().deregister(srv);
    const events = new Events(16);
    await poll.pollAsync(events, { timeout: 50 });
    expect([...events].filter((e) => e.token === 0)).toEqual([]);
    poll.registry().register(srv, 7, Interest.READABLE);
    const event = await nextEvent(poll, (e) => e.token === 7);
    expect(event.isReadable()).toBe(true);
    expect(event.isWritable()).toBe(false);
    const rest = new Uint8Array(8);
    expect(srv.read(rest)).toBe(3);
    expect(text(rest.subarray(0, 3))).toBe('bcd');
  });

  it('one write in flight: the next is WOULD_BLOCK until WRITABLE', async () => {
    const poll = newPoll();
    const { server: srv, client: cli } = await connectedPair(poll, { bufferSize: 4096 });
    await nextEvent(poll, (e) => e.token === 1 && e.isWritable());
    clearLog(poll);
    const big = Buffer.alloc(256 * 1024, 7);
    expect(cli.write(big)).toBe(big.length);
    expect(cli.write(Buffer.from('more'))).toBe(WOULD_BLOCK);
    expect(cli.write(new Uint8Array(0))).toBe(WOULD_BLOCK);
    expect(cli.writeInFlight()).toBe(true);
    const received = await readExactly(poll, srv, big.length);
    expect(sha256(received)).toBe(sha256(big));
    await nextEvent(poll, (e) => e.token === 1 && e.isWritable());
    expect(cli.writeInFlight()).toBe(false);
    expect(cli.write(new Uint8Array(0))).toBe(0);
    expect(cli.write(Buffer.from('more'))).toBe(4);
    expect(text(await readExactly(poll, srv, 4))).toBe('more');
  });

  it('writing after the peer went away is EPIPE, and never hangs', async () => {
    const poll = newPoll();
    const { server: srv, client: cli } = await connectedPair(poll);
    cli.close();
    await readToEof(poll, srv);
    let caught: unknown;
    await drive(
      poll,
      () => {
        try {
          srv.write(Buffer.from('anyone?'));
          return false;
        } catch (error) {
          caught = error;
          return true;
        }
      },
      10_000,
    );
    expect(caught).toBeInstanceOf(SystemError);
    expect(caught).toMatchObject({ code: 'EPIPE', syscall: 'WriteFile' });
  });

  it('a write in flight when the peer leaves fails with EPIPE on the next write', async () => {
    const poll = newPoll();
    const { server: srv, client: cli } = await connectedPair(poll, { bufferSize: 4096 });
    // Far more than the pipe buffers: stays in flight while nobody reads.
    expect(srv.write(Buffer.alloc(1024 * 1024, 1))).toBe(1024 * 1024);
    expect(srv.write(Buffer.from('x'))).toBe(WOULD_BLOCK);
    cli.close();
    const event = await nextEvent(poll, (e) => e.token === 0 && e.isWritable());
    expect(event.isWriteClosed()).toBe(true);
    expect(() => srv.write(Buffer.from('x'))).toThrow(expect.objectContaining({ code: 'EPIPE' }) as Error);
  });

  it('takeWriteError() hands over the failure of a write in flight, once', async () => {
    const poll = newPoll();
    const { server: srv, client: cli } = await connectedPair(poll, { bufferSize: 4096 });
    expect(srv.takeWriteError()).toBeUndefined();
    expect(srv.write(Buffer.alloc(1024 * 1024, 1))).toBe(1024 * 1024);
    expect(srv.writeInFlight()).toBe(true);
    cli.close();
    await nextEvent(poll, (e) => e.token === 0 && e.isWritable());
    expect(srv.writeInFlight()).toBe(false);
    expect(srv.takeWriteError()).toMatchObject({ code: 'EPIPE', syscall: 'WriteFile' });
    expect(srv.takeWriteError()).toBeUndefined();
  });

  it('a 1 MiB message crosses a 64 KiB pipe intact, in pieces (ERROR_MORE_DATA)', async () => {
    const poll = newPoll();
    const { server: srv, client: cli } = await connectedPair(poll, { mode: 'message', bufferSize: 64 * 1024 });
    const message = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < message.length; i++) message[i] = (i * 2654435761) >>> 24;
    expect(cli.write(message)).toBe(message.length);
    const received = await readExactly(poll, srv, message.length, 1024 * 1024);
    expect(received.length).toBe(message.length);
    expect(sha256(received)).toBe(sha256(message));
    // The next message starts clean.
    await writeAll(poll, cli, Buffer.from('next'));
    expect(text(await readExactly(poll, srv, 4))).toBe('next');
  });

  it('1 MiB in byte mode through a 64 KiB buffer, both ways', async () => {
    const poll = newPoll();
    const { server: srv, client: cli } = await connectedPair(poll);
    const data = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) & 0xff;
    for (const [from, to] of [
      [cli, srv],
      [srv, cli],
    ] as const) {
      let offset = 0;
      const parts: Buffer[] = [];
      let total = 0;
      const buffer = new Uint8Array(64 * 1024);
      await drive(
        poll,
        () => {
          while (offset < data.length) {
            const n = from.write(data.subarray(offset, offset + 100_000));
            if (n === WOULD_BLOCK) break;
            offset += n;
          }
          for (;;) {
            const n = to.read(buffer);
            if (n === WOULD_BLOCK || n === 0) break;
            parts.push(Buffer.from(buffer.subarray(0, n)));
            total += n;
          }
          return total >= data.length;
        },
      );
      expect(sha256(Buffer.concat(parts))).toBe(sha256(data));
    }
  });

  it('message mode keeps small messages apart and splits big ones', async () => {
    const poll = newPoll();
    const { server: srv, client: cli } = await connectedPair(poll, { mode: 'message', bufferSize: 16 });
    const messages = [Buffer.from('a message of forty bytes, give or take!!'), Buffer.from('short'), Buffer.from('sixteen bytes!!!')];
    const expected = Buffer.concat(messages).toString();
    const buffer = new Uint8Array(64);
    const reads: string[] = [];
    let next = 0;
    // Writer and reader together: a message bigger than the pipe's buffer completes only as it is read.
    await drive(poll, () => {
      while (next < messages.length && cli.write(messages[next] as Buffer) !== WOULD_BLOCK) next++;
      for (;;) {
        const n = srv.read(buffer);
        if (n === WOULD_BLOCK || n === 0) break;
        reads.push(text(buffer.subarray(0, n)));
      }
      return reads.join('').length >= expected.length;
    });
    expect(reads.join('')).toBe(expected);
    // Reads are at most the internal buffer, and none carries bytes of two messages.
    expect(reads.every((r) => r.length <= 16)).toBe(true);
    expect(reads.slice(-2)).toEqual(['short', 'sixteen bytes!!!']);
  });
});

async function nextEventOrNone(poll: Poll, token: number): Promise<Event | undefined> {
  const events = new Events(16);
  await poll.pollAsync(events, { timeout: 50 });
  return [...events].find((e) => e.token === token);
}

describe('NamedPipe: nothing leaks', () => {
  function snapshot(): { blocks: number; handles: number } {
    return { blocks: NativeMemory.liveBlocks, handles: kernel32.getProcessHandleCount() };
  }

  /** A pair with a read pending on both ends and a big write stuck in flight on the server. */
  async function busyPair(poll: Poll): Promise<{ server: NamedPipe; client: NamedPipe }> {
    const pair = await connectedPair(poll, { bufferSize: 4096 });
    expect(pair.server.read(new Uint8Array(16))).toBe(WOULD_BLOCK);
    expect(pair.client.read(new Uint8Array(16))).toBe(WOULD_BLOCK);
    expect(pair.server.write(Buffer.alloc(512 * 1024))).toBe(512 * 1024);
    return pair;
  }

  /** A snapshot once the waiting threads of earlier Polls have exited (each holds handles). */
  async function quietSnapshot(): Promise<{ blocks: number; handles: number }> {
    for (let i = 0; i < 250 && CompletionPump.liveThreads > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    return snapshot();
  }

  async function settle(before: { blocks: number; handles: number }): Promise<void> {
    // Handles of other subsystems (and of a Poll's exiting waiting thread) may come and go for a
    // moment; give them a chance.
    // Up to 5 s: a waiting thread exits slowly on a loaded machine; a leak stays a leak.
    for (let i = 0; i < 250 && (CompletionPump.liveThreads > 0 || NativeMemory.liveBlocks !== before.blocks || kernel32.getProcessHandleCount() !== before.handles); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('warm-up (loads the DLLs and Node internals the leak checks must not count)', async () => {
    const poll = newPoll();
    const pair = await busyPair(poll);
    pair.server.close();
    pair.client.close();
    // And a wait on the Poll's waiting thread: pollAsync() takes what is ready on this thread
    // first, so without one the first such thread would start inside a leak check.
    const events = new Events(16);
    for (let i = 0; i < 5; i++) await poll.pollAsync(events, { timeout: 20 });
  });

  it('closing pipes with I/O pending, then polling, then closing the Poll', async () => {
    const before = await quietSnapshot();
    const poll = new Poll();
    const events = new Events(16);
    await poll.pollAsync(events, { timeout: 0 });
    const pollBlocks = NativeMemory.liveBlocks;
    const pair = await busyPair(poll);
    expect(NativeMemory.liveBlocks).toBeGreaterThan(pollBlocks);
    pair.server.close();
    pair.client.close();
    // The cancelled operations report back through the port, and each block is freed then.
    for (let i = 0; i < 50 && NativeMemory.liveBlocks > pollBlocks; i++) await poll.pollAsync(events, { timeout: 20 });
    expect(NativeMemory.liveBlocks).toBe(pollBlocks);
    poll.close();
    await settle(before);
    expect(snapshot()).toEqual(before);
  });

  it('closing pipes with I/O pending and the Poll right after', async () => {
    const before = await quietSnapshot();
    const poll = new Poll();
    const pair = await busyPair(poll);
    pair.server.close();
    pair.client.close();
    poll.close();
    await settle(before);
    expect(snapshot()).toEqual(before);
  });

  it('closing the Poll first, with I/O pending, then the pipes (mio #1944)', async () => {
    const before = await quietSnapshot();
    const poll = new Poll();
    const pair = await busyPair(poll);
    poll.close();
    // The pipes outlived their Poll: I/O is refused, close still works.
    expect(() => pair.server.read(new Uint8Array(4))).toThrow(expect.objectContaining({ code: 'ERR_POLL_CLOSED' }) as Error);
    pair.server.close();
    pair.client.close();
    await settle(before);
    expect(snapshot()).toEqual(before);
  });

  it('disconnect cycles with reads pending free the abandoned buffers', async () => {
    const before = await quietSnapshot();
    const poll = new Poll();
    const srv = NamedPipe.create(pipeName());
    const name = srv.name;
    poll.registry().register(srv, 0, RW);
    for (let round = 0; round < 3; round++) {
      const connecting = srv.connect();
      const cli = NamedPipe.open(name);
      poll.registry().register(cli, 1, RW);
      if (connecting === WOULD_BLOCK) await nextEvent(poll, (e) => e.token === 0 && e.isWritable());
      expect(srv.read(new Uint8Array(4))).toBe(WOULD_BLOCK);
      expect(cli.read(new Uint8Array(4))).toBe(WOULD_BLOCK);
      srv.disconnect();
      cli.close();
    }
    srv.close();
    poll.close();
    await settle(before);
    expect(snapshot()).toEqual(before);
  });
});

describe("NamedPipe: Node's own net module on the other end", () => {
  it('our server, a node:net client', async () => {
    const poll = newPoll();
    const { pipe: srv, name } = server();
    poll.registry().register(srv, 0, RW);
    expect(srv.connect()).toBe(WOULD_BLOCK);
    const received: Buffer[] = [];
    let ended = false;
    const socket: Socket = netConnect(name);
    cleanups.push(() => socket.destroy());
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('end', () => {
      ended = true;
    });
    socket.on('error', () => undefined);
    await nextEvent(poll, (e) => e.token === 0 && e.isWritable());
    socket.write('ping from node');
    expect(text(await readExactly(poll, srv, 14))).toBe('ping from node');
    expect(srv.write(Buffer.from('pong from mio-ts'))).toBe(16);
    await drive(poll, () => Buffer.concat(received).toString() === 'pong from mio-ts');
    socket.end();
    await readToEof(poll, srv);
    srv.disconnect();
    await drive(poll, () => ended || socket.destroyed);
  });

  it('a node:net server, our client', async () => {
    const poll = newPoll();
    const name = pipeName();
    const nodeServer: Server = createServer((socket) => {
      socket.on('data', (chunk: Buffer) => {
        socket.write(Buffer.concat([Buffer.from('echo:'), chunk]));
        if (chunk.toString().includes('bye')) socket.end();
      });
      socket.on('error', () => undefined);
    });
    cleanups.push(() => nodeServer.close());
    await new Promise<void>((resolve) => nodeServer.listen(name, resolve));
    const cli = client(name);
    poll.registry().register(cli, 1, RW);
    await nextEvent(poll, (e) => e.token === 1 && e.isWritable());
    expect(cli.write(Buffer.from('hello'))).toBe(5);
    expect(text(await readExactly(poll, cli, 10))).toBe('echo:hello');
    await writeAll(poll, cli, Buffer.from('bye'));
    expect(text(await readToEof(poll, cli))).toBe('echo:bye');
  });
});
