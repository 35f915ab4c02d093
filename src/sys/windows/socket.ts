// What every Winsock socket kind shares: close, non-blocking mode, the pending error and the TTL.
// Like tcp.ts and udp.ts, each call returns its result or throws a SystemError
// (docs/architecture.md, Layers: src/net reaches Winsock only through these modules).
import type { SystemError } from '../../core/errors.js';
import { FIONBIO, IPPROTO_IP, IPPROTO_IPV6, IPV6_UNICAST_HOPS, IP_TTL, SOL_SOCKET, SO_ERROR, ws2_32 } from './ffi/index.js';
import { localEndpoint, socketError, type Endpoint } from './net.js';

export type Family = 'IPv4' | 'IPv6';

export function close(socket: bigint): void {
  ws2_32.closeSocket(socket);
}

/** Switches a socket made elsewhere to non-blocking mode; returns its address family. */
export function adopt(socket: bigint): Family {
  ws2_32.ioctlSocket(socket, FIONBIO, 1);
  return localEndpoint(socket).family;
}

/** The pending socket error (SO_ERROR), cleared by reading it; undefined when none. */
export function takeError(socket: bigint, endpoint?: Endpoint): SystemError | undefined {
  const code = ws2_32.getSockOptInt(socket, SOL_SOCKET, SO_ERROR);
  return code === 0 ? undefined : socketError('connect', code, endpoint);
}

export function setTtl(socket: bigint, family: Family, ttl: number): void {
  if (family === 'IPv4') ws2_32.setSockOptInt(socket, IPPROTO_IP, IP_TTL, ttl);
  else ws2_32.setSockOptInt(socket, IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl);
}

export function ttl(socket: bigint, family: Family): number {
  return family === 'IPv4' ? ws2_32.getSockOptInt(socket, IPPROTO_IP, IP_TTL) : ws2_32.getSockOptInt(socket, IPPROTO_IPV6, IPV6_UNICAST_HOPS);
}
