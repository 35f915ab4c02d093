// The bindings against the OS: AFD polls, completion ports, named pipes, error paths.
import { openSync, writeSync, closeSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidStateError, SystemError } from '../../../src/core/errors.js';
import { WOULD_BLOCK } from '../../../src/core/would-block.js';
import { Afd } from '../../../src/sys/windows/afd.js';
import {
  AFD_POLL_ACCEPT,
  AFD_POLL_HANDLE_INFO,
  AFD_POLL_INFO,
  AFD_POLL_RECEIVE,
  ERROR_IO_PENDING,
  FILE_FLAG_FIRST_PIPE_INSTANCE,
  FILE_FLAG_OVERLAPPED,
  IO_STATUS_BLOCK,
  NativeMemory,
  PIPE_ACCESS_DUPLEX,
  PIPE_READMODE_BYTE,
  PIPE_REJECT_REMOTE_CLIENTS,
  PIPE_TYPE_BYTE,
  OVERLAPPED,
  kernel32,
  ws2_32,
} from '../../../src/sys/windows/ffi/index.js';
import { CompletionEntries, CompletionPort } from '../../../src/sys/windows/iocp.js';
import { encodeSocketAddress } from '../../../src/sys/windows/sockaddr.js';
import { baseSocket, tcpListener, tcpSocket } from './raw-socket.js';

function afdPollInfo(socket: bigint, events: number): NativeMemory {
  const info = new NativeMemory(AFD_POLL_INFO.size);
  info.setI64(AFD_POLL_INFO.timeout, 0x7fff_ffff_ffff_ffffn);
  info.setU32(AFD_POLL_INFO.numberOfHandles, 1);
  info.setU64(AFD_POLL_INFO.handles + AFD_POLL_HANDLE_INFO.handle, baseSocket(socket));
  info.setU32(AFD_POLL_INFO.handles + AFD_POLL_HANDLE_INFO.events, events);
  return info;
}

describe('AFD', () => {
  it('opens \\Device\\Afd\\Mio', () => {
    const port = new CompletionPort();
    const afd = Afd.open(port, 0n);
    expect(afd.handle).not.toBe(0n);
    afd.close();
    port.close();
  });

  it('reports AFD_POLL_ACCEPT on a listening socket through the port after a connect', async () => {
    const port = new CompletionPort();
    const afd = Afd.open(port, 0n);
    const listener = tcpListener();
    const info = afdPollInfo(listener.socket, AFD_POLL_ACCEPT | AFD_POLL_RECEIVE);
    const ioStatus = new NativeMemory(IO_STATUS_BLOCK.size);
    const entries = new CompletionEntries(8);
    try {
      expect(afd.poll(info.address, ioStatus)).toBe(true);
      // Nothing happened yet: the poll stays pending.
      expect(port.getMany(entries, 0)).toBe(0);
      const client = connect(listener.port, '127.0.0.1');
      const removed = await port.getManyAsync(entries, 10_000);
      expect(removed).toBe(1);
      const completion = entries.get(0);
      expect(completion.key).toBe(0n);
      expect(completion.overlapped).toBe(ioStatus.address);
      expect(ioStatus.u32(IO_STATUS_BLOCK.status)).toBe(0);
      expect(info.u32(AFD_POLL_INFO.numberOfHandles)).toBe(1);
      expect(info.u32(AFD_POLL_INFO.handles + AFD_POLL_HANDLE_INFO.events) & AFD_POLL_ACCEPT).toBe(AFD_POLL_ACCEPT);
      client.destroy();
    } finally {
      // The completion was dequeued: the kernel no longer owns these blocks.
      info.free();
      ioStatus.free();
      entries.free();
      ws2_32.closeSocket(listener.socket);
      afd.close();
      port.close();
    }
  });

  it('a cancelled poll completes with STATUS_CANCELLED', async () => {
    const port = new CompletionPort();
    const afd = Afd.open(port, 0n);
    const listener = tcpListener();
    const info = afdPollInfo(listener.socket, AFD_POLL_ACCEPT);
    const ioStatus = new NativeMemory(IO_STATUS_BLOCK.size);
    const entries = new CompletionEntries(4);
    try {
      expect(afd.poll(info.address, ioStatus)).toBe(true);
      afd.cancel(ioStatus);
      expect(await port.getManyAsync(entries, 10_000)).toBe(1);
      expect(entries.get(0).overlapped).toBe(ioStatus.address);
      expect(ioStatus.u32(IO_STATUS_BLOCK.status)).toBe(0xc0000120);
    } finally {
      info.free();
      ioStatus.free();
      entries.free();
      ws2_32.closeSocket(listener.socket);
      afd.close();
      port.close();
    }
  });
});

describe('completion port', () => {
  it('a post wakes a wait running off the main thread while the event loop keeps turning', async () => {
    const port = new CompletionPort();
    const entries = new CompletionEntries(4);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    try {
      const waiting = port.getManyAsync(entries);
      await new Promise((resolve) => setTimeout(resolve, 150));
      const ticksWhileWaiting = ticks;
      port.post(123n, 7);
      expect(await waiting).toBe(1);
      expect(entries.get(0)).toEqual({ key: 123n, overlapped: 0n, bytesTransferred: 7 });
      expect(ticksWhileWaiting).toBeGreaterThan(3);
    } finally {
      clearInterval(ticker);
      entries.free();
      port.close();
    }
  });

  it('a timed wait with nothing queued returns zero', () => {
    const port = new CompletionPort();
    const entries = new CompletionEntries(4);
    expect(port.getMany(entries, 10)).toBe(0);
    entries.free();
    port.close();
  });

  it('drains many completions in one call', () => {
    const port = new CompletionPort();
    const entries = new CompletionEntries(64);
    for (let i = 0; i < 50; i++) port.post(BigInt(i));
    expect(port.getMany(entries, 0)).toBe(50);
    expect([...entries].map((c) => c.key)).toEqual(Array.from({ length: 50 }, (_, i) => BigInt(i)));
    entries.free();
    port.close();
  });
});

describe('named pipes through the port', () => {
  it('an overlapped connect and read complete through the port', async () => {
    const name = `\\\\.\\pipe\\mio-ts-ffi-${process.pid}-${Date.now()}`;
    const port = new CompletionPort();
    const pipe = kernel32.createNamedPipeW(
      name,
      PIPE_ACCESS_DUPLEX | FILE_FLAG_FIRST_PIPE_INSTANCE | FILE_FLAG_OVERLAPPED,
      PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_REJECT_REMOTE_CLIENTS,
      1,
      65536,
      65536,
      0,
    );
    port.associate(pipe, 1n);
    const connectOverlapped = new NativeMemory(OVERLAPPED.size);
    const readOverlapped = new NativeMemory(OVERLAPPED.size);
    const buffer = new NativeMemory(4096);
    const entries = new CompletionEntries(4);
    let client: number | undefined;
    try {
      expect(kernel32.connectNamedPipe(pipe, connectOverlapped.address)).toBe(ERROR_IO_PENDING);
      // Windows Node's own fs opens the client end.
      client = openSync(name, 'r+');
      expect(await port.getManyAsync(entries, 10_000)).toBe(1);
      expect(entries.get(0)).toMatchObject({ key: 1n, overlapped: connectOverlapped.address });

      const started = kernel32.readFile(pipe, buffer.address, buffer.size, readOverlapped.address);
      expect([0, ERROR_IO_PENDING]).toContain(started);
      writeSync(client, 'hello, pipe');
      expect(await port.getManyAsync(entries, 10_000)).toBe(1);
      expect(entries.get(0)).toMatchObject({ key: 1n, overlapped: readOverlapped.address, bytesTransferred: 11 });
      expect(Buffer.from(buffer.bytes.subarray(0, 11)).toString()).toBe('hello, pipe');
    } finally {
      if (client !== undefined) closeSync(client);
      kernel32.closeHandle(pipe);
      // Both operations completed and were dequeued above, so their memory is ours again.
      connectOverlapped.free();
      readOverlapped.free();
      buffer.free();
      entries.free();
      port.close();
    }
  });
});

describe('error paths', () => {
  it('a bad handle gives EBADF', () => {
    expect(() => kernel32.closeHandle(0x7ff0n)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'CloseHandle' }) as Error);
  });

  it('a closed port is refused before any native call', () => {
    const port = new CompletionPort();
    const entries = new CompletionEntries(1);
    port.close();
    expect(() => port.post(1n)).toThrow(InvalidStateError);
    expect(() => port.getMany(entries, 0)).toThrow(InvalidStateError);
    entries.free();
  });

  it('waiting on a closed port handle gives a typed error', () => {
    const port = new CompletionPort();
    const raw = port.handle;
    const entries = new CompletionEntries(1);
    port.close();
    let caught: unknown;
    try {
      kernel32.getQueuedCompletionStatusEx(raw, entries.memory.address, 1, 0);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SystemError);
    expect(caught).toMatchObject({ code: 'EBADF', syscall: 'GetQueuedCompletionStatusEx' });
    entries.free();
  });

  it('a malformed address is rejected before any native call', () => {
    expect(() => encodeSocketAddress('not an address', 80)).toThrow(InvalidArgumentError);
    expect(() => encodeSocketAddress('127.0.0.1', 70000)).toThrow(InvalidArgumentError);
  });

  it('a truncated sockaddr gives a typed error from Winsock', () => {
    const socket = tcpSocket();
    try {
      let caught: unknown;
      try {
        ws2_32.bind(socket, Buffer.alloc(3));
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(SystemError);
      // Windows says WSAEFAULT; Wine checks the family first and says WSAEAFNOSUPPORT.
      expect(['EFAULT', 'EAFNOSUPPORT']).toContain((caught as SystemError).code);
      expect((caught as SystemError).syscall).toBe('bind');
    } finally {
      ws2_32.closeSocket(socket);
    }
  });

  it('a connect to a port nobody listens on is refused', async () => {
    const listener = tcpListener();
    ws2_32.closeSocket(listener.socket);
    const socket = tcpSocket();
    try {
      const started = ws2_32.connect(socket, encodeSocketAddress('127.0.0.1', listener.port));
      expect(started).toBe(WOULD_BLOCK);
      // SO_ERROR carries the outcome once the attempt is over.
      let error = 0;
      for (let i = 0; i < 200 && error === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        error = ws2_32.getSockOptInt(socket, 0xffff, 0x1007);
      }
      expect(error).toBe(10061);
    } finally {
      ws2_32.closeSocket(socket);
    }
  });
});
