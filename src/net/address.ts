// Socket addresses as users write them: "127.0.0.1:80", "[::1]:80", { host, port }, or a port
// alone. Only IP literals are accepted (mio takes a SocketAddr; resolving names is DNS's job),
// with "localhost" as the one convenience, meaning 127.0.0.1. Pure: portable.
import { isIP } from 'node:net';
import { InvalidArgumentError } from '../core/errors.js';

export interface SocketAddress {
  family: 'IPv4' | 'IPv6';
  address: string;
  port: number;
  /** IPv6 only: the interface of a link-local address. */
  scopeId?: number;
}

export type AddressInput = string | number | { host?: string; address?: string; port: number; scopeId?: number };

function checkPort(port: unknown, input: unknown): number {
  if (typeof port === 'string' && /^\d+$/.test(port)) port = Number(port);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`port must be an integer from 0 to 65535 in ${JSON.stringify(input)}`);
  }
  return port;
}

function checkHost(host: string, input: unknown): { family: 'IPv4' | 'IPv6'; address: string; scopeId?: number } {
  const literal = host === 'localhost' ? '127.0.0.1' : host;
  const [bare = '', zone] = literal.split('%', 2);
  const version = isIP(bare);
  if (version === 4 && zone === undefined) return { family: 'IPv4', address: bare };
  if (version === 6) {
    if (zone === undefined) return { family: 'IPv6', address: bare };
    if (/^\d+$/.test(zone) && Number(zone) <= 0xffffffff) return { family: 'IPv6', address: bare, scopeId: Number(zone) };
  }
  throw new InvalidArgumentError(`not an IP address: ${JSON.stringify(host)} in ${JSON.stringify(input)} (names are not resolved; use an IP literal)`);
}

/** Parses any accepted form; `defaultHost` is used for a bare port. */
export function parseAddress(input: AddressInput, defaultHost = '127.0.0.1'): SocketAddress {
  if (typeof input === 'number') return { ...checkHost(defaultHost, input), port: checkPort(input, input) };
  if (typeof input === 'string') {
    const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(input);
    if (bracketed) return { ...checkHost(bracketed[1] ?? '', input), port: checkPort(bracketed[2], input) };
    const colon = input.lastIndexOf(':');
    if (colon <= 0 || input.indexOf(':') !== colon) throw new InvalidArgumentError(`expected "host:port" or "[ipv6]:port", got ${JSON.stringify(input)}`);
    return { ...checkHost(input.slice(0, colon), input), port: checkPort(input.slice(colon + 1), input) };
  }
  if (typeof input === 'object' && input !== null) {
    const host = input.host ?? input.address ?? defaultHost;
    if (typeof host !== 'string') throw new InvalidArgumentError('host must be a string');
    const parsed = { ...checkHost(host, input), port: checkPort(input.port, input) };
    if (input.scopeId !== undefined) {
      if (parsed.family !== 'IPv6' || !Number.isInteger(input.scopeId) || input.scopeId < 0) throw new InvalidArgumentError('scopeId needs an IPv6 address and a non-negative integer');
      parsed.scopeId = input.scopeId;
    }
    return parsed;
  }
  throw new InvalidArgumentError(`not a socket address: ${typeof input}`);
}

export function formatAddress(address: SocketAddress): string {
  return address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
}
