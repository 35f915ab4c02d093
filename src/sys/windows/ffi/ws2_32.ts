// ws2_32.dll: Winsock. One convention for every caller: a call returns its result, returns
// WOULD_BLOCK when a non-blocking socket cannot proceed (no exception on the hot path), or throws
// a SystemError carrying the WSA code (`osCode`).
import { WOULD_BLOCK, type WouldBlock } from '../../../core/would-block.js';
import { bindLibrary } from './koffi-loader.js';
import { INVALID_SOCKET, SOCKET_ERROR, WSAEWOULDBLOCK } from './constants.js';
import { WSADATA } from './structs.js';
import { toAddress, win32Error } from './win-error.js';

export const ws2_32 = bindLibrary('ws2_32.dll', {
  WSAStartup: 'int __stdcall WSAStartup(uint16_t wVersionRequested, void *lpWSAData)',
  WSASocketW: 'uintptr_t __stdcall WSASocketW(int af, int type, int protocol, void *lpProtocolInfo, uint32_t g, uint32_t dwFlags)',
  closesocket: 'int __stdcall closesocket(uintptr_t s)',
  bind: 'int __stdcall bind(uintptr_t s, void *name, int namelen)',
  listen: 'int __stdcall listen(uintptr_t s, int backlog)',
  accept: 'uintptr_t __stdcall accept(uintptr_t s, void *addr, void *addrlen)',
  connect: 'int __stdcall connect(uintptr_t s, void *name, int namelen)',
  recv: 'int __stdcall recv(uintptr_t s, void *buf, int len, int flags)',
  send: 'int __stdcall send(uintptr_t s, void *buf, int len, int flags)',
  recvfrom: 'int __stdcall recvfrom(uintptr_t s, void *buf, int len, int flags, void *from, void *fromlen)',
  sendto: 'int __stdcall sendto(uintptr_t s, void *buf, int len, int flags, void *to, int tolen)',
  WSARecv:
    'int __stdcall WSARecv(uintptr_t s, void *lpBuffers, uint32_t dwBufferCount, void *lpNumberOfBytesRecvd, void *lpFlags, void *lpOverlapped, void *lpCompletionRoutine)',
  WSASend:
    'int __stdcall WSASend(uintptr_t s, void *lpBuffers, uint32_t dwBufferCount, void *lpNumberOfBytesSent, uint32_t dwFlags, void *lpOverlapped, void *lpCompletionRoutine)',
  shutdown: 'int __stdcall shutdown(uintptr_t s, int how)',
  getsockname: 'int __stdcall getsockname(uintptr_t s, void *name, void *namelen)',
  getpeername: 'int __stdcall getpeername(uintptr_t s, void *name, void *namelen)',
  getsockopt: 'int __stdcall getsockopt(uintptr_t s, int level, int optname, void *optval, void *optlen)',
  setsockopt: 'int __stdcall setsockopt(uintptr_t s, int level, int optname, void *optval, int optlen)',
  ioctlsocket: 'int __stdcall ioctlsocket(uintptr_t s, uint32_t cmd, void *argp)',
  WSAIoctl:
    'int __stdcall WSAIoctl(uintptr_t s, uint32_t dwIoControlCode, void *lpvInBuffer, uint32_t cbInBuffer, void *lpvOutBuffer, uint32_t cbOutBuffer, void *lpcbBytesReturned, void *lpOverlapped, void *lpCompletionRoutine)',
  WSAGetLastError: 'int __stdcall WSAGetLastError()',
});

export function wsaGetLastError(): number {
  return ws2_32().WSAGetLastError() as number;
}

function fail(syscall: string): never {
  throw win32Error(syscall, wsaGetLastError());
}

function check(syscall: string, result: number): void {
  if (result === SOCKET_ERROR) fail(syscall);
}

/** A non-blocking call's outcome: its count, WOULD_BLOCK, or the thrown error. */
function nonBlocking(syscall: string, result: number, value: number): number | WouldBlock {
  if (result !== SOCKET_ERROR) return value;
  const error = wsaGetLastError();
  if (error === WSAEWOULDBLOCK) return WOULD_BLOCK;
  throw win32Error(syscall, error);
}

let started = false;

/** Initializes Winsock 2.2 once per thread. */
export function wsaStartup(): void {
  if (started) return;
  const data = Buffer.alloc(WSADATA.size);
  const result = ws2_32().WSAStartup(0x0202, data) as number;
  if (result !== 0) throw win32Error('WSAStartup', result);
  started = true;
}

export function wsaSocket(family: number, type: number, protocol: number, flags: number): bigint {
  wsaStartup();
  const socket = toAddress(ws2_32().WSASocketW(family, type, protocol, null, 0, flags));
  if (socket === INVALID_SOCKET) fail('WSASocketW');
  return socket;
}

export function closeSocket(socket: bigint): void {
  check('closesocket', ws2_32().closesocket(socket) as number);
}

export function bind(socket: bigint, address: Buffer): void {
  check('bind', ws2_32().bind(socket, address, address.length) as number);
}

export function listen(socket: bigint, backlog: number): void {
  check('listen', ws2_32().listen(socket, backlog) as number);
}

/** Accepts one connection, writing the peer address into `address` (a sockaddr_storage). */
export function accept(socket: bigint, address: Buffer, addressLength: Int32Array): bigint | WouldBlock {
  const accepted = toAddress(ws2_32().accept(socket, address, addressLength));
  if (accepted !== INVALID_SOCKET) return accepted;
  const error = wsaGetLastError();
  if (error === WSAEWOULDBLOCK) return WOULD_BLOCK;
  throw win32Error('accept', error);
}

/** Connects; WOULD_BLOCK while a non-blocking connect is under way. */
export function connect(socket: bigint, address: Buffer): void | WouldBlock {
  const result = ws2_32().connect(socket, address, address.length) as number;
  if (nonBlocking('connect', result, 0) === WOULD_BLOCK) return WOULD_BLOCK;
}

/** Bytes received (0 at EOF). */
export function recv(socket: bigint, buffer: Uint8Array | bigint, length: number, flags: number): number | WouldBlock {
  const n = ws2_32().recv(socket, buffer, length, flags) as number;
  return nonBlocking('recv', n, n);
}

/** Bytes sent. */
export function send(socket: bigint, buffer: Uint8Array | bigint, length: number, flags: number): number | WouldBlock {
  const n = ws2_32().send(socket, buffer, length, flags) as number;
  return nonBlocking('send', n, n);
}

/** Bytes received; the sender's address goes to `from`. */
export function recvFrom(socket: bigint, buffer: Uint8Array, length: number, flags: number, from: Buffer, fromLength: Int32Array): number | WouldBlock {
  const n = ws2_32().recvfrom(socket, buffer, length, flags, from, fromLength) as number;
  return nonBlocking('recvfrom', n, n);
}

/** Bytes sent. */
export function sendTo(socket: bigint, buffer: Uint8Array, length: number, flags: number, to: Buffer): number | WouldBlock {
  const n = ws2_32().sendto(socket, buffer, length, flags, to, to.length) as number;
  return nonBlocking('sendto', n, n);
}

/** Scatter read into a WSABUF array at `buffers`; bytes received. */
export function wsaRecv(socket: bigint, buffers: bigint, count: number, flags: number): number | WouldBlock {
  const received = new Uint32Array(1);
  const flagsInOut = new Uint32Array([flags]);
  const result = ws2_32().WSARecv(socket, buffers, count, received, flagsInOut, null, null) as number;
  return nonBlocking('WSARecv', result, received[0] ?? 0);
}

/** Gather write from a WSABUF array at `buffers`; bytes sent. */
export function wsaSend(socket: bigint, buffers: bigint, count: number, flags: number): number | WouldBlock {
  const sent = new Uint32Array(1);
  const result = ws2_32().WSASend(socket, buffers, count, sent, flags, null, null) as number;
  return nonBlocking('WSASend', result, sent[0] ?? 0);
}

/**
 * An overlapped send of the one WSABUF at `buffer`, its OVERLAPPED at `overlapped`: the raw
 * result (0 or SOCKET_ERROR, then see wsaGetLastError), for callers that handle pending sends.
 */
export function wsaSendOverlapped(socket: bigint, buffer: bigint, sent: Uint32Array, overlapped: bigint): number {
  return ws2_32().WSASend(socket, buffer, 1, sent, 0, overlapped, null) as number;
}

export function shutdown(socket: bigint, how: number): void {
  check('shutdown', ws2_32().shutdown(socket, how) as number);
}

function nameOf(syscall: 'getsockname' | 'getpeername', socket: bigint): Buffer {
  const address = Buffer.alloc(128);
  const length = new Int32Array([address.length]);
  check(syscall, ws2_32()[syscall](socket, address, length) as number);
  return address.subarray(0, length[0]);
}

export function getSockName(socket: bigint): Buffer {
  return nameOf('getsockname', socket);
}

export function getPeerName(socket: bigint): Buffer {
  return nameOf('getpeername', socket);
}

export function getSockOpt(socket: bigint, level: number, name: number, size = 4): Buffer {
  const value = Buffer.alloc(size);
  const length = new Int32Array([size]);
  check('getsockopt', ws2_32().getsockopt(socket, level, name, value, length) as number);
  return value.subarray(0, length[0]);
}

export function setSockOpt(socket: bigint, level: number, name: number, value: Buffer): void {
  check('setsockopt', ws2_32().setsockopt(socket, level, name, value, value.length) as number);
}

export function getSockOptInt(socket: bigint, level: number, name: number): number {
  const value = getSockOpt(socket, level, name, 4);
  // Boolean options may come back as a single byte (Wine does this for TCP_NODELAY).
  return value.length >= 4 ? value.readInt32LE(0) : value.length === 0 ? 0 : value.readUIntLE(0, value.length);
}

export function setSockOptInt(socket: bigint, level: number, name: number, value: number): void {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32LE(value, 0);
  setSockOpt(socket, level, name, buffer);
}

export function ioctlSocket(socket: bigint, command: number, argument: number): number {
  const inOut = new Uint32Array([argument]);
  check('ioctlsocket', ws2_32().ioctlsocket(socket, command, inOut) as number);
  return inOut[0] ?? 0;
}

/** WSAIoctl without overlapped I/O; returns the bytes written to `output`. */
export function wsaIoctl(socket: bigint, code: number, input: Buffer | null, output: Buffer | null): number {
  const returned = new Uint32Array(1);
  const result = ws2_32().WSAIoctl(socket, code, input, input?.length ?? 0, output, output?.length ?? 0, returned, null, null) as number;
  check('WSAIoctl', result);
  return returned[0] ?? 0;
}
