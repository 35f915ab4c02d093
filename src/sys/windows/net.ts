// Winsock sockets the way mio makes them: overlapped-capable (AFD needs it), non-blocking,
// never inherited by child processes.
import { SystemError } from '../../core/errors.js';
import {
  AF_INET,
  AF_INET6,
  FIONBIO,
  IPPROTO_IPV6,
  IPV6_V6ONLY,
  SIO_UDP_CONNRESET,
  SOCK_DGRAM,
  WSA_FLAG_NO_HANDLE_INHERIT,
  WSA_FLAG_OVERLAPPED,
  win32Error,
  ws2_32,
} from './ffi/index.js';
import { decodeSocketAddress, encodeSocketAddress, type SocketAddress as RawSocketAddress } from './sockaddr.js';

export interface Endpoint {
  family: 'IPv4' | 'IPv6';
  address: string;
  port: number;
  scopeId?: number;
}

export function newSocket(family: 'IPv4' | 'IPv6', type: number, protocol: number): bigint {
  const socket = ws2_32.wsaSocket(family === 'IPv4' ? AF_INET : AF_INET6, type, protocol, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  try {
    ws2_32.ioctlSocket(socket, FIONBIO, 1);
    if (type === SOCK_DGRAM) {
      // An ICMP port-unreachable would otherwise fail the next recvfrom with WSAECONNRESET.
      const off = Buffer.alloc(4);
      ws2_32.wsaIoctl(socket, SIO_UDP_CONNRESET, off, null);
    }
  } catch (error) {
    ws2_32.closeSocket(socket);
    throw error;
  }
  return socket;
}

/**
 * A new socket bound to `endpoint` (IPv6 ones dual-stack unless `ipv6Only`), ready for `listen`
 * or datagrams. Closed again if anything fails; bind errors name the address.
 */
export function bindSocket(endpoint: Endpoint, type: number, protocol: number, ipv6Only: boolean): bigint {
  const socket = newSocket(endpoint.family, type, protocol);
  try {
    if (endpoint.family === 'IPv6') ws2_32.setSockOptInt(socket, IPPROTO_IPV6, IPV6_V6ONLY, ipv6Only ? 1 : 0);
    try {
      ws2_32.bind(socket, encodeEndpoint(endpoint));
    } catch (error) {
      throw socketError('bind', (error as { osCode: number }).osCode, endpoint);
    }
  } catch (error) {
    ws2_32.closeSocket(socket);
    throw error;
  }
  return socket;
}

export function encodeEndpoint(endpoint: Endpoint): Buffer {
  return encodeSocketAddress(endpoint.address, endpoint.port, endpoint.scopeId ?? 0);
}

export function decodeEndpoint(bytes: Uint8Array): Endpoint {
  const raw: RawSocketAddress = decodeSocketAddress(bytes);
  const endpoint: Endpoint = { family: raw.family, address: raw.address, port: raw.port };
  if (raw.family === 'IPv6' && raw.scopeId !== undefined && raw.scopeId !== 0) endpoint.scopeId = raw.scopeId;
  return endpoint;
}

/** A Winsock error that names the address it concerned, as node:net's errors do. */
export function socketError(syscall: string, wsaError: number, endpoint?: Endpoint): SystemError {
  const error = win32Error(syscall, wsaError, endpoint === undefined ? undefined : `${endpoint.address}:${endpoint.port}`);
  if (endpoint !== undefined) {
    error.address = endpoint.address;
    error.port = endpoint.port;
  }
  return error;
}

/** `error` again, naming `endpoint` when it is a Winsock failure and an endpoint is known. */
export function addressed(error: unknown, endpoint: Endpoint | undefined): unknown {
  return endpoint !== undefined && error instanceof SystemError ? socketError(error.syscall, error.osCode, endpoint) : error;
}

export function localEndpoint(socket: bigint): Endpoint {
  return decodeEndpoint(ws2_32.getSockName(socket));
}

export function peerEndpoint(socket: bigint): Endpoint {
  return decodeEndpoint(ws2_32.getPeerName(socket));
}
