// UDP on Winsock, as src/net's UdpSocket needs it. Each call returns its result, returns
// WOULD_BLOCK when the non-blocking socket cannot proceed, or throws a SystemError that names
// the address concerned when one is known.
import { isIPv4, isIPv6 } from 'node:net';
import { InvalidArgumentError, OutOfRangeError, SystemError } from '../../core/errors.js';
import { WOULD_BLOCK, type WouldBlock } from '../../core/would-block.js';
import {
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPPROTO_UDP,
  IPV6_ADD_MEMBERSHIP,
  IPV6_DROP_MEMBERSHIP,
  IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_LOOP,
  IPV6_V6ONLY,
  IP_ADD_MEMBERSHIP,
  IP_DROP_MEMBERSHIP,
  IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL,
  MSG_PEEK,
  SOCK_DGRAM,
  SOL_SOCKET,
  SO_BROADCAST,
  WSAECONNRESET,
  WSAEMSGSIZE,
  WSAENOTCONN,
  WSAEWOULDBLOCK,
  win32Error,
  ws2_32,
} from './ffi/index.js';
import { addressed, bindSocket, encodeEndpoint, socketError, type Endpoint } from './net.js';
import { encodeSocketAddress } from './sockaddr.js';

/** A new datagram socket bound to `endpoint` (IPv6 ones dual-stack unless `ipv6Only`). */
export function bind(endpoint: Endpoint, ipv6Only: boolean): bigint {
  return bindSocket(endpoint, SOCK_DGRAM, IPPROTO_UDP, ipv6Only);
}

/** Sets the default peer: `target` as the socket's family needs it, `named` as the caller gave it. */
export function connect(socket: bigint, target: Endpoint, named: Endpoint): void {
  let result: void | WouldBlock;
  try {
    result = ws2_32.connect(socket, encodeEndpoint(target));
  } catch (error) {
    throw addressed(error, named);
  }
  if (result === WOULD_BLOCK) throw socketError('connect', WSAEWOULDBLOCK, named);
}

/** Bytes sent (the whole datagram) to `target`, or WOULD_BLOCK; errors name `named`. */
export function sendTo(socket: bigint, data: Uint8Array, target: Buffer, named: Endpoint): number | WouldBlock {
  try {
    return ws2_32.sendTo(socket, data, data.length, 0, target);
  } catch (error) {
    throw addressed(error, named);
  }
}

/** Bytes sent to the connected peer (`peer`, undefined before connect()), or WOULD_BLOCK. */
export function send(socket: bigint, data: Uint8Array, peer: Endpoint | undefined): number | WouldBlock {
  // Checked here, not left to Winsock: Wine 8.0 answers WSAEINVAL where Windows and Wine 10.0
  // say WSAENOTCONN (README.md, Wine quirks).
  if (peer === undefined) throw win32Error('send', WSAENOTCONN, 'the UDP socket has no default peer: connect() it first, or use sendTo()');
  try {
    return ws2_32.send(socket, data, data.length, 0);
  } catch (error) {
    throw addressed(error, peer);
  }
}

/**
 * The length of one datagram read into `buffer` (the whole datagram's length may be larger:
 * the buffer then holds its start, as on other platforms), the sender written to `from`; or
 * WOULD_BLOCK.
 */
export function recvFrom(socket: bigint, buffer: Uint8Array, peek: boolean, from: Buffer, fromLength: Int32Array, peer: Endpoint | undefined): number | WouldBlock {
  fromLength[0] = from.length;
  try {
    return ws2_32.recvFrom(socket, buffer, buffer.length, peek ? MSG_PEEK : 0, from, fromLength);
  } catch (error) {
    if (error instanceof SystemError && error.osCode === WSAEMSGSIZE) return buffer.length;
    // Only if SIO_UDP_CONNRESET could not be switched off: not an error of this socket.
    if (error instanceof SystemError && error.osCode === WSAECONNRESET) return WOULD_BLOCK;
    throw addressed(error, peer);
  }
}

export function setBroadcast(socket: bigint, on: boolean): void {
  ws2_32.setSockOptInt(socket, SOL_SOCKET, SO_BROADCAST, on ? 1 : 0);
}

export function broadcast(socket: bigint): boolean {
  return ws2_32.getSockOptInt(socket, SOL_SOCKET, SO_BROADCAST) !== 0;
}

export function onlyV6(socket: bigint): boolean {
  return ws2_32.getSockOptInt(socket, IPPROTO_IPV6, IPV6_V6ONLY) !== 0;
}

export function setMulticastLoopV4(socket: bigint, on: boolean): void {
  ws2_32.setSockOptInt(socket, IPPROTO_IP, IP_MULTICAST_LOOP, on ? 1 : 0);
}

export function multicastLoopV4(socket: bigint): boolean {
  return ws2_32.getSockOptInt(socket, IPPROTO_IP, IP_MULTICAST_LOOP) !== 0;
}

export function setMulticastTtlV4(socket: bigint, ttl: number): void {
  ws2_32.setSockOptInt(socket, IPPROTO_IP, IP_MULTICAST_TTL, ttl);
}

export function multicastTtlV4(socket: bigint): number {
  return ws2_32.getSockOptInt(socket, IPPROTO_IP, IP_MULTICAST_TTL);
}

export function setMulticastLoopV6(socket: bigint, on: boolean): void {
  ws2_32.setSockOptInt(socket, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, on ? 1 : 0);
}

export function multicastLoopV6(socket: bigint): boolean {
  return ws2_32.getSockOptInt(socket, IPPROTO_IPV6, IPV6_MULTICAST_LOOP) !== 0;
}

export function setMulticastHopsV6(socket: bigint, hops: number): void {
  ws2_32.setSockOptInt(socket, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, hops);
}

export function joinMulticastV4(socket: bigint, group: string, iface: string): void {
  ws2_32.setSockOpt(socket, IPPROTO_IP, IP_ADD_MEMBERSHIP, ipMreq(group, iface));
}

export function leaveMulticastV4(socket: bigint, group: string, iface: string): void {
  ws2_32.setSockOpt(socket, IPPROTO_IP, IP_DROP_MEMBERSHIP, ipMreq(group, iface));
}

export function joinMulticastV6(socket: bigint, group: string, interfaceIndex: number): void {
  ws2_32.setSockOpt(socket, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, ipv6Mreq(group, interfaceIndex));
}

export function leaveMulticastV6(socket: bigint, group: string, interfaceIndex: number): void {
  ws2_32.setSockOpt(socket, IPPROTO_IPV6, IPV6_DROP_MEMBERSHIP, ipv6Mreq(group, interfaceIndex));
}

function ipMreq(group: string, iface: string): Buffer {
  if (!isIPv4(group) || !isIPv4(iface)) throw new InvalidArgumentError('IPv4 multicast needs IPv4 group and interface addresses');
  const bytes = Buffer.alloc(8);
  encodeSocketAddress(group, 0).copy(bytes, 0, 4, 8);
  encodeSocketAddress(iface, 0).copy(bytes, 4, 4, 8);
  return bytes;
}

function ipv6Mreq(group: string, interfaceIndex: number): Buffer {
  if (!isIPv6(group)) throw new InvalidArgumentError('IPv6 multicast needs an IPv6 group address');
  if (!Number.isInteger(interfaceIndex) || interfaceIndex < 0 || interfaceIndex > 0xffffffff) throw new OutOfRangeError('interfaceIndex', 'an integer from 0 to 4294967295', interfaceIndex);
  const bytes = Buffer.alloc(20);
  encodeSocketAddress(group, 0).copy(bytes, 0, 8, 24);
  bytes.writeUInt32LE(interfaceIndex, 16);
  return bytes;
}
