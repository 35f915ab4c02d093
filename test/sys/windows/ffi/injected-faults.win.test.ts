// Error paths a healthy Wine never takes, forced at the FFI edge (ffi/fault-injection.ts): each
// failing native call must surface as a typed error on the object that made it, lose nothing
// that was not in that call, leave the rest working and never crash the process.
import { once } from 'node:events';
import * as nodeNet from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import * as mioNet from '../../../../src/adapters/net.js';
import { readiness$ } from '../../../../src/adapters/rxjs.js';
import { SystemError } from '../../../../src/core/errors.js';
import { Driver } from '../../../../src/streams/driver.js';
import { TcpSocket } from '../../../../src/streams/tcp-socket.js';
import { UdpDuplex } from '../../../../src/streams/udp-duplex.js';
import { Events, Interest, Poll, TcpListener, TcpStream, UdpSocket, WOULD_BLOCK } from '../../../../src/index.js';
import { injectFault, type InjectedFault } from '../../../../src/sys/windows/ffi/fault-injection.js';
import { HANDLE_NOISE, quietHandleCount, settledHandleDelta } from '../../../fixtures/handles.js';

const SOCKET_ERROR = -1;
const INVALID_SOCKET = 0xffff_ffff_ffff_ffffn;
const WSAECONNRESET = 10054;
const WSAENOBUFS = 10055;
const WSAEMFILE = 10024;
const ERROR_NOT_ENOUGH_MEMORY = 8;
const ERROR_NO_SYSTEM_RESOURCES = 1450;
const STATUS_INSUFFICIENT_RESOURCES = 0xc000009a;

const faults: InjectedFault[] = [];
const closers: (() => void)[] = [];
afterEach(() => {
  for (const fault of faults.splice(0)) fault.restore();
  for (const close of closers.splice(0).reverse()) close();
});

function arm(spec: Parameters<typeof injectFault>[0]): InjectedFault {
  const fault = injectFault(spec);
  faults.push(fault);
  return fault;
}

async function nodeServer(onConnection: (socket: nodeNet.Socket) => void): Promise<number> {
  const server = nodeNet.createServer(onConnection);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => server.close());
  return (server.address() as nodeNet.AddressInfo).port;
}

/** A Poll with a listener registered (token 1) and a client connecting to it. */
function pollWithConnectingClient(): { poll: Poll; listener: TcpListener; events: Events } {
  const poll = new Poll();
  closers.push(() => poll.close());
  const listener = TcpListener.bind('127.0.0.1:0');
  closers.push(() => listener.close());
  poll.registry().register(listener, 1, Interest.READABLE);
  const client = TcpStream.connect(listener.localAddr());
  closers.push(() => client.close());
  return { poll, listener, events: new Events(16) };
}

/** What poll() threw, if anything. */
function pollError(poll: Poll, events: Events): unknown {
  try {
    poll.poll(events, 1000);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('faults injected at the FFI edge', () => {
  // First: no pump thread of another test is around to blur the handle count.
  it('the first wait of a Driver failing: its sources hear a typed error, the process lives, Driver.shared() starts afresh', async () => {
    const port = await nodeServer((peer) => peer.on('error', () => undefined));
    // A new Driver's first wait looks at the port on this thread (and its waits run here while its
    // waiting thread starts): the fault reaches it.
    const driver = new Driver();
    const fault = arm({ dll: 'kernel32.dll', name: 'GetQueuedCompletionStatusEx', returns: 0, lastError: ERROR_NO_SYSTEM_RESOURCES });
    const socket = UdpSocket.bind('127.0.0.1:0');
    closers.push(() => socket.close());
    const duplex = new UdpDuplex(UdpSocket.bind('127.0.0.1:0'), { driver });
    closers.push(() => duplex.destroy());
    const duplexError = new Promise<Error>((resolve) => duplex.once('error', resolve));
    const stream = TcpSocket.connect(`127.0.0.1:${port}`, { driver });
    closers.push(() => stream.destroy());
    const streamError = new Promise<Error>((resolve) => stream.once('error', resolve));
    const observed = await new Promise<unknown>((resolve) => {
      readiness$(socket, Interest.READABLE, driver).subscribe({ error: resolve, complete: () => resolve('completed') });
    });
    expect(fault.hits).toBe(1);
    expect(observed).toBe(driver.failure);
    expect(await duplexError).toBe(driver.failure);
    expect(await streamError).toBe(driver.failure);
    expect(driver.failure).toBeInstanceOf(SystemError);
    expect((driver.failure as SystemError).syscall).toBe('GetQueuedCompletionStatusEx');
    expect(driver.poll.closed).toBe(true);
    expect(Driver.shared()).not.toBe(driver);
  });

  it('an AFD poll failing as an unreferenced Driver starts waiting: its source hears the typed error, nothing is thrown', async () => {
    const driver = new Driver();
    const socket = UdpSocket.bind('127.0.0.1:0');
    closers.push(() => socket.close());
    const fault = arm({ dll: 'ntdll.dll', name: 'NtDeviceIoControlFile', returns: STATUS_INSUFFICIENT_RESOURCES });
    // No retain(): the driver hands the wait to its thread, unref'd, and issues the poll first.
    const failure = new Promise<Error>((resolve) => driver.add(socket, Interest.READABLE, () => undefined, resolve));
    const error = await failure;
    expect(fault.hits).toBe(1);
    expect(error).toBeInstanceOf(SystemError);
    expect((error as SystemError).code).toBe('ENOMEM');
    expect(driver.failure).toBe(error);
    expect(driver.poll.closed).toBe(true);
  });

  it('CreateIoCompletionPort failing: new Poll() throws a typed error and leaks no handle', async () => {
    const warm = new Poll();
    warm.close();
    const before = await quietHandleCount();
    arm({ dll: 'kernel32.dll', name: 'CreateIoCompletionPort', returns: 0n, lastError: ERROR_NOT_ENOUGH_MEMORY });
    expect(() => new Poll()).toThrow(SystemError);
    const poll = new Poll();
    poll.close();
    expect(await settledHandleDelta(before)).toBeLessThanOrEqual(HANDLE_NOISE);
  });

  it('refuses an unknown function and a bad count before touching anything', () => {
    expect(() => injectFault({ dll: 'ws2_32.dll', name: 'nosuch', returns: 0 })).toThrow(/no bound function/);
    expect(() => injectFault({ dll: 'ws2_32.dll', name: 'send', returns: 0, times: 0 })).toThrow(/positive integer/);
  });

  it('WSASend failing with WSAECONNRESET: the drop-in socket errors with ECONNRESET and closes; its peer sees the close', async () => {
    let peerClosed: Promise<unknown> = Promise.resolve();
    const port = await nodeServer((peer) => {
      peer.on('error', () => undefined);
      peerClosed = once(peer, 'close');
    });
    const socket = mioNet.connect(port, '127.0.0.1');
    closers.push(() => socket.destroy());
    await once(socket, 'connect');
    const fault = arm({ dll: 'ws2_32.dll', name: 'WSASend', returns: SOCKET_ERROR, lastError: WSAECONNRESET });
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write('never sent');
    // The drop-in reports errors as node:net does: an Error with code, errno and syscall.
    const [error] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
    expect(fault.hits).toBe(1);
    expect(error.code).toBe('ECONNRESET');
    expect(error.syscall).toBe('write');
    expect(typeof error.errno).toBe('number');
    await closed;
    expect(socket.destroyed).toBe(true);
    await peerClosed;
  });

  it('recv failing with WSAENOBUFS: the socket errors with ENOBUFS, another connection keeps working', async () => {
    const port = await nodeServer((peer) => {
      peer.on('error', () => undefined);
      peer.on('data', (data) => peer.write(data));
    });
    const victim = mioNet.connect(port, '127.0.0.1');
    const bystander = mioNet.connect(port, '127.0.0.1');
    closers.push(() => victim.destroy(), () => bystander.destroy());
    await Promise.all([once(victim, 'connect'), once(bystander, 'connect')]);
    const fault = arm({ dll: 'ws2_32.dll', name: 'recv', returns: SOCKET_ERROR, lastError: WSAENOBUFS });
    const victimError = once(victim, 'error') as Promise<[SystemError]>;
    victim.write('echo me');
    const [error] = await victimError;
    expect(fault.hits).toBe(1);
    expect(error.code).toBe('ENOBUFS');
    bystander.write('still here');
    const [echo] = (await once(bystander, 'data')) as [Buffer];
    expect(echo.toString()).toBe('still here');
  });

  it('accept failing with WSAEMFILE: the server reports it and still accepts the connection that waited', async () => {
    const server = mioNet.createServer((socket) => socket.end('welcome'));
    closers.push(() => server.close());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const fault = arm({ dll: 'ws2_32.dll', name: 'accept', returns: INVALID_SOCKET, lastError: WSAEMFILE });
    const serverError = once(server, 'error') as Promise<[SystemError]>;
    const client = nodeNet.connect((server.address() as nodeNet.AddressInfo).port, '127.0.0.1');
    closers.push(() => client.destroy());
    const chunks: Buffer[] = [];
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    const [error] = await serverError;
    expect(fault.hits).toBe(1);
    expect(error.code).toBe('EMFILE');
    await once(client, 'end');
    expect(Buffer.concat(chunks).toString()).toBe('welcome');
  });

  it('ReadFile failing on a named pipe: one end errors with a typed error, the other sees the end, nothing hangs', async () => {
    const path = `\\\\.\\pipe\\mio-ts-fault-${process.pid}-${Date.now()}`;
    const accepted: mioNet.Socket[] = [];
    const server = mioNet.createServer((socket) => {
      accepted.push(socket);
      socket.on('error', () => undefined);
    });
    closers.push(() => server.close());
    server.listen(path);
    await once(server, 'listening');
    const fault = arm({ dll: 'kernel32.dll', name: 'ReadFile', returns: 0, lastError: ERROR_NOT_ENOUGH_MEMORY });
    const client = mioNet.connect(path);
    const clientErrors: Error[] = [];
    client.on('error', (error) => clientErrors.push(error));
    closers.push(() => client.destroy());
    // Not events.once: it rejects on the 'error' this test expects.
    const closed = (socket: mioNet.Socket): Promise<void> => new Promise((resolve) => socket.once('close', () => resolve()));
    await closed(client);
    const serverSide = accepted[0];
    if (serverSide !== undefined && !serverSide.destroyed) await closed(serverSide);
    expect(fault.hits).toBe(1);
    // Whichever end issued the failing read reports it; the other end only sees its peer go.
    const serverError = (serverSide as unknown as { errored?: Error | null } | undefined)?.errored ?? undefined;
    const reported = [...clientErrors, ...(serverError === undefined || serverError === null ? [] : [serverError])];
    expect(reported.some((error) => (error as SystemError).code === 'ENOMEM'), reported.map(String).join('; ')).toBe(true);
  });

  it('NtDeviceIoControlFile (the AFD poll) failing: poll() throws a typed error, the next poll issues it again', () => {
    // Armed before the registration: its AFD poll is issued by the first wait.
    const fault = arm({ dll: 'ntdll.dll', name: 'NtDeviceIoControlFile', returns: STATUS_INSUFFICIENT_RESOURCES });
    const { poll, events } = pollWithConnectingClient();
    const thrown = pollError(poll, events);
    expect(fault.hits).toBe(1);
    expect(thrown).toBeInstanceOf(SystemError);
    expect((thrown as SystemError).code).toBe('ENOMEM');
    // The registration was not dropped: the next wait issues its poll and reports the connection.
    const deadline = Date.now() + 5000;
    const tokens: number[] = [];
    while (tokens.length === 0 && Date.now() < deadline) {
      poll.poll(events, 200);
      tokens.push(...[...events].map((event) => event.token));
    }
    expect(tokens).toContain(1);
  });

  it('GetQueuedCompletionStatusEx failing: poll() throws a typed error, the next poll delivers the event', async () => {
    const { poll, listener, events } = pollWithConnectingClient();
    // Let the connection reach the backlog before the failing wait.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const fault = arm({ dll: 'kernel32.dll', name: 'GetQueuedCompletionStatusEx', returns: 0, lastError: ERROR_NO_SYSTEM_RESOURCES });
    const thrown = pollError(poll, events);
    expect(fault.hits).toBe(1);
    expect(thrown).toBeInstanceOf(SystemError);
    expect((thrown as SystemError).syscall).toBe('GetQueuedCompletionStatusEx');
    // The failed wait dequeued nothing: the listener's readiness is still in the port.
    poll.poll(events, 5000);
    expect([...events].map((event) => event.token)).toContain(1);
    expect(listener.accept()).not.toBe(WOULD_BLOCK);
  });

});
