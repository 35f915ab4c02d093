// Socket addresses to and from Winsock's sockaddr_in / sockaddr_in6 bytes. Pure: portable.
import { isIPv4, isIPv6 } from 'node:net';
import { InvalidArgumentError } from '../../core/errors.js';
import { AF_INET, AF_INET6 } from './ffi/constants.js';
import { SOCKADDR_IN, SOCKADDR_IN6 } from './ffi/structs.js';

export interface SocketAddress {
  family: 'IPv4' | 'IPv6';
  address: string;
  port: number;
  /** IPv6 only. */
  flowinfo?: number;
  /** IPv6 only: the interface index of a link-local address. */
  scopeId?: number;
}

function assertPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`port must be an integer from 0 to 65535, got ${String(port)}`);
}

// sin6_scope_id is a ULONG; out-of-range values would otherwise surface as a Buffer RangeError.
function assertScopeId(scopeId: number): void {
  if (!Number.isInteger(scopeId) || scopeId < 0 || scopeId > 0xffffffff) {
    throw new InvalidArgumentError(`scope id must be an integer from 0 to 4294967295, got ${String(scopeId)}`);
  }
}

/** Encodes an address; rejects anything that is not a literal IPv4 or IPv6 address. */
export function encodeSocketAddress(address: string, port: number, scopeId = 0): Buffer {
  assertPort(port);
  assertScopeId(scopeId);
  if (typeof address !== 'string') throw new InvalidArgumentError(`an address must be a string, got ${typeof address}`);
  if (isIPv4(address)) {
    const bytes = Buffer.alloc(SOCKADDR_IN.size);
    bytes.writeUInt16LE(AF_INET, SOCKADDR_IN.family);
    bytes.writeUInt16BE(port, SOCKADDR_IN.port);
    address.split('.').forEach((part, i) => bytes.writeUInt8(Number(part), SOCKADDR_IN.addr + i));
    return bytes;
  }
  const [host = '', zone] = address.split('%', 2);
  if (isIPv6(host)) {
    const bytes = Buffer.alloc(SOCKADDR_IN6.size);
    bytes.writeUInt16LE(AF_INET6, SOCKADDR_IN6.family);
    bytes.writeUInt16BE(port, SOCKADDR_IN6.port);
    ipv6Bytes(host).copy(bytes, SOCKADDR_IN6.addr);
    bytes.writeUInt32LE(zone === undefined ? scopeId : zoneIndex(zone, address), SOCKADDR_IN6.scopeId);
    return bytes;
  }
  throw new InvalidArgumentError(`not an IP address: ${JSON.stringify(address)}`);
}

// Winsock takes numeric zones only; a name like "eth0" must not silently become scope 0.
function zoneIndex(zone: string, address: string): number {
  const index = /^\d{1,10}$/.test(zone) ? Number(zone) : Number.NaN;
  if (!(index <= 0xffffffff)) {
    throw new InvalidArgumentError(`the zone of ${JSON.stringify(address)} must be a numeric interface index from 0 to 4294967295`);
  }
  return index;
}

/** Decodes sockaddr bytes written by Winsock. */
export function decodeSocketAddress(bytes: Uint8Array): SocketAddress {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.length < 2) throw new InvalidArgumentError(`a sockaddr needs at least 2 bytes, got ${view.length}`);
  const family = view.readUInt16LE(0);
  if (family === AF_INET && view.length >= SOCKADDR_IN.size) {
    const octets = [...view.subarray(SOCKADDR_IN.addr, SOCKADDR_IN.addr + 4)];
    return { family: 'IPv4', address: octets.join('.'), port: view.readUInt16BE(SOCKADDR_IN.port) };
  }
  if (family === AF_INET6 && view.length >= SOCKADDR_IN6.size) {
    return {
      family: 'IPv6',
      address: formatIPv6(view.subarray(SOCKADDR_IN6.addr, SOCKADDR_IN6.addr + 16)),
      port: view.readUInt16BE(SOCKADDR_IN6.port),
      flowinfo: view.readUInt32LE(SOCKADDR_IN6.flowinfo),
      scopeId: view.readUInt32LE(SOCKADDR_IN6.scopeId),
    };
  }
  if (family === AF_INET || family === AF_INET6) throw new InvalidArgumentError(`sockaddr of family ${family} is too short: ${view.length} bytes`);
  throw new InvalidArgumentError(`unsupported address family ${family}`);
}

function ipv6Bytes(text: string): Buffer {
  let head = text;
  let tail = '';
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const lastColon = text.lastIndexOf(':');
  const maybeV4 = text.slice(lastColon + 1);
  if (isIPv4(maybeV4)) {
    const [a = 0, b = 0, c = 0, d = 0] = maybeV4.split('.').map(Number);
    head = text.slice(0, lastColon + 1);
    tail = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const full = `${head}${tail}`;
  const [left = '', right] = full.split('::');
  const leftGroups = left === '' ? [] : left.split(':');
  const rightGroups = right === undefined || right === '' ? [] : right.split(':');
  const missing = 8 - leftGroups.length - rightGroups.length;
  const groups = right === undefined ? leftGroups : [...leftGroups, ...Array<string>(missing).fill('0'), ...rightGroups];
  const bytes = Buffer.alloc(16);
  groups.forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2));
  return bytes;
}

function formatIPv6(bytes: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  // The longest run of two or more zero groups becomes "::" (RFC 5952).
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
