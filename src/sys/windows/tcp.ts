// TCP on Winsock, as src/net's TcpListener and TcpStream need it. Each call returns its result,
// returns WOULD_BLOCK when the non-blocking socket cannot proceed, or throws a SystemError that
// names the peer when one is known.
import { SystemError } from '../../core/errors.js';
import { WOULD_BLOCK, type WouldBlock } from '../../core/would-block.js';
import {
  IPPROTO_TCP,
  MSG_PEEK,
  SD_BOTH,
  SD_RECEIVE,
  SD_SEND,
  SIO_KEEPALIVE_VALS,
  SOCK_STREAM,
  SOL_SOCKET,
  SOMAXCONN,
  SO_KEEPALIVE,
  SO_LINGER,
  TCP_KEEPIDLE,
  TCP_KEEPINTVL,
  TCP_NODELAY,
  WSAECONNRESET,
  kernel32,
  ws2_32,
} from './ffi/index.js';
import type { OverlappedSender } from './overlapped-send.js';
import { addressed, bindSocket, decodeEndpoint, encodeEndpoint, newSocket, socketError, type Endpoint } from './net.js';

/** The backlog a listener gets when none is asked for. */
export const DEFAULT_BACKLOG = SOMAXCONN;

const EMPTY = Buffer.alloc(0);
// recv and send take an int length: a longer buffer is used up to this much per call.
const MAX_CHUNK = 0x7fffffff;

/** A new socket (bound to `local` if given) whose non-blocking connect to `remote` has started. */
export function connect(remote: Endpoint, local?: Endpoint): bigint {
  const socket = local === undefined ? newSocket(remote.family, SOCK_STREAM, IPPROTO_TCP) : bindSocket(local, SOCK_STREAM, IPPROTO_TCP, false);
  try {
    ws2_32.connect(socket, encodeEndpoint(remote));
  } catch (error) {
    ws2_32.closeSocket(socket);
    throw addressed(error, remote);
  }
  return socket;
}

/** A new socket bound to `endpoint` and listening. */
export function listen(endpoint: Endpoint, backlog: number, ipv6Only: boolean): bigint {
  const socket = bindSocket(endpoint, SOCK_STREAM, IPPROTO_TCP, ipv6Only);
  try {
    ws2_32.listen(socket, backlog);
  } catch (error) {
    ws2_32.closeSocket(socket);
    throw error;
  }
  return socket;
}

export interface Accepted {
  socket: bigint;
  peer: Endpoint;
}

/** A waiting connection, not inheritable by child processes, or WOULD_BLOCK. */
export function accept(listener: bigint): Accepted | WouldBlock {
  const peer = Buffer.alloc(128);
  const socket = ws2_32.accept(listener, peer, new Int32Array([peer.length]));
  if (socket === WOULD_BLOCK) return WOULD_BLOCK;
  try {
    // accept() does not carry WSA_FLAG_NO_HANDLE_INHERIT over: child processes must not get it.
    kernel32.setHandleNotInheritable(socket);
    return { socket, peer: decodeEndpoint(peer) };
  } catch (error) {
    ws2_32.closeSocket(socket);
    throw error;
  }
}

/**
 * Bytes read into `buffer` (0 at end of stream), or WOULD_BLOCK. `resetReported`: AFD already
 * reported the connection aborted, which Wine's recv answers as end of stream.
 */
export function recv(socket: bigint, buffer: Uint8Array, peek: boolean, remote: Endpoint | undefined, resetReported: boolean): number | WouldBlock {
  let n: number | WouldBlock;
  try {
    n = ws2_32.recv(socket, buffer, Math.min(buffer.length, MAX_CHUNK), peek ? MSG_PEEK : 0);
  } catch (error) {
    throw addressed(error, remote);
  }
  if (n !== 0) return n;
  if (resetReported || resetByPeer(socket)) throw socketError('recv', WSAECONNRESET, remote);
  return 0;
}

// A reset no poll saw yet still fails an empty send (README.md, Wine quirks); a FIN does not,
// and any other failure of that probe (a shut-down send side) says nothing about the peer.
function resetByPeer(socket: bigint): boolean {
  try {
    ws2_32.send(socket, EMPTY, 0, 0);
    return false;
  } catch (error) {
    return error instanceof SystemError && error.osCode === WSAECONNRESET;
  }
}

/** Bytes taken (possibly fewer than offered; `sender` sends what the kernel has not taken yet), or WOULD_BLOCK. */
export function send(sender: OverlappedSender, socket: bigint, data: Uint8Array, remote: Endpoint | undefined): number | WouldBlock {
  try {
    return sender.send(socket, data);
  } catch (error) {
    throw addressed(error, remote);
  }
}

/** True while bytes `sender` took are still going out; throws their send's failure. */
export function sendInFlight(sender: OverlappedSender, socket: bigint, remote: Endpoint | undefined): boolean {
  try {
    return sender.inFlight(socket);
  } catch (error) {
    throw addressed(error, remote);
  }
}

export type ShutdownHow = 'read' | 'write' | 'both';

export function shutdown(socket: bigint, how: ShutdownHow): void {
  ws2_32.shutdown(socket, how === 'read' ? SD_RECEIVE : how === 'write' ? SD_SEND : SD_BOTH);
}

export function setNoDelay(socket: bigint, noDelay: boolean): void {
  ws2_32.setSockOptInt(socket, IPPROTO_TCP, TCP_NODELAY, noDelay ? 1 : 0);
}

export function noDelay(socket: bigint): boolean {
  return ws2_32.getSockOptInt(socket, IPPROTO_TCP, TCP_NODELAY) !== 0;
}

/** Keep-alive on or off; `idleSeconds` sets when probes start (then one a second). */
export function setKeepAlive(socket: bigint, enable: boolean, idleSeconds?: number): void {
  ws2_32.setSockOptInt(socket, SOL_SOCKET, SO_KEEPALIVE, enable ? 1 : 0);
  if (!enable || idleSeconds === undefined) return;
  try {
    ws2_32.setSockOptInt(socket, IPPROTO_TCP, TCP_KEEPIDLE, idleSeconds);
    ws2_32.setSockOptInt(socket, IPPROTO_TCP, TCP_KEEPINTVL, 1);
  } catch {
    // Older Windows (and Wine) lack these options; the older ioctl sets the same timers.
    const values = Buffer.alloc(12);
    values.writeUInt32LE(1, 0);
    values.writeUInt32LE(idleSeconds * 1000, 4);
    values.writeUInt32LE(1000, 8);
    ws2_32.wsaIoctl(socket, SIO_KEEPALIVE_VALS, values, null);
  }
}

export function keepAlive(socket: bigint): boolean {
  return ws2_32.getSockOptInt(socket, SOL_SOCKET, SO_KEEPALIVE) !== 0;
}

/** SO_LINGER: `null` restores the default; 0 makes close() reset the connection (RST). */
export function setLinger(socket: bigint, seconds: number | null): void {
  const value = Buffer.alloc(4);
  value.writeUInt16LE(seconds === null ? 0 : 1, 0);
  value.writeUInt16LE(seconds ?? 0, 2);
  ws2_32.setSockOpt(socket, SOL_SOCKET, SO_LINGER, value);
}
