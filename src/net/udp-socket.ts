// mio's UdpSocket: non-blocking datagrams. Empty datagrams are real datagrams; an ICMP
// port-unreachable never breaks the socket (SIO_UDP_CONNRESET is switched off at creation).
import { isIPv4, isIPv6 } from 'node:net';
import { InvalidArgumentError, OutOfRangeError } from '../core/errors.js';
import { Interest } from '../core/interest.js';
import { WOULD_BLOCK, type WouldBlock } from '../core/would-block.js';
import { assertSupportedPlatform } from '../sys/index.js';
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
  WSAEWOULDBLOCK,
  ws2_32,
} from '../sys/windows/ffi/index.js';
import { bindSocket, decodeEndpoint, encodeEndpoint, peerEndpoint, socketError, type Endpoint } from '../sys/windows/net.js';
import { encodeSocketAddress } from '../sys/windows/sockaddr.js';
import { parseAddress, type AddressInput, type SocketAddress } from './address.js';
import { SocketSource } from './socket-source.js';
import { OwnedSocket, checkByte } from './owned-socket.js';

export interface UdpSocketOptions {
  /** For an IPv6 address: refuse IPv4-mapped traffic. Default false when binding "::". */
  ipv6Only?: boolean;
}

export interface Datagram {
  bytes: number;
  address: SocketAddress;
}

// No UDP datagram carries more (65,535 less the 8-byte header; IPv4 allows 20 bytes less, which
// the OS reports as EMSGSIZE): a longer buffer is refused before its length reaches an int.
const MAX_DATAGRAM = 65_527;

function checkBuffer(buffer: unknown): Uint8Array {
  if (!(buffer instanceof Uint8Array)) throw new InvalidArgumentError('buffer must be a Buffer or Uint8Array');
  return buffer;
}

function checkDatagram(buffer: unknown): Uint8Array {
  const data = checkBuffer(buffer);
  if (data.length > MAX_DATAGRAM) throw new OutOfRangeError('datagram length', `at most ${MAX_DATAGRAM} bytes`, data.length);
  return data;
}

export class UdpSocket extends SocketSource {
  #peer: Endpoint | undefined;
  // Scratch for the sender's address of each receive: decoded before the next one reuses it.
  readonly #from = Buffer.alloc(128);
  readonly #fromLength = new Int32Array(1);

  private constructor(owned: OwnedSocket) {
    super(owned);
  }

  // Shadows Function.prototype.bind on the class, as mio names its constructor.
  static override bind(address: AddressInput, options: UdpSocketOptions = {}): UdpSocket {
    const endpoint = parseAddress(address, '0.0.0.0');
    assertSupportedPlatform('UdpSocket');
    const socket = bindSocket(endpoint, SOCK_DGRAM, IPPROTO_UDP, options.ipv6Only === true);
    return new UdpSocket(new OwnedSocket(socket, endpoint.family, 'UdpSocket'));
  }

  /** Bytes sent (the whole datagram), or WOULD_BLOCK. */
  sendTo(buffer: Uint8Array, target: AddressInput): number | WouldBlock {
    const data = checkDatagram(buffer);
    const endpoint = parseAddress(target);
    const encoded = encodeEndpoint(this.#mapped(endpoint));
    return this.owned.doIo((socket) => {
      const n = ws2_32.sendTo(socket, data, data.length, 0, encoded);
      if (n >= 0) return n;
      if (-n === WSAEWOULDBLOCK) return WOULD_BLOCK;
      throw socketError('sendto', -n, endpoint);
    }, Interest.WRITABLE);
  }

  /** One datagram into `buffer` and its sender, or WOULD_BLOCK. A longer datagram is truncated. */
  recvFrom(buffer: Uint8Array): Datagram | WouldBlock {
    return this.#receiveFrom(checkBuffer(buffer), 0);
  }

  peekFrom(buffer: Uint8Array): Datagram | WouldBlock {
    return this.#receiveFrom(checkBuffer(buffer), MSG_PEEK);
  }

  /** Sets the default peer; send()/recv() then talk to it only. */
  connect(target: AddressInput): void {
    const endpoint = parseAddress(target);
    const error = ws2_32.connect(this.owned.socket, encodeEndpoint(this.#mapped(endpoint)));
    if (error !== 0) throw socketError('connect', error, endpoint);
    this.#peer = endpoint;
  }

  send(buffer: Uint8Array): number | WouldBlock {
    const data = checkDatagram(buffer);
    return this.owned.doIo((socket) => {
      const n = ws2_32.send(socket, data, data.length, 0);
      if (n >= 0) return n;
      if (-n === WSAEWOULDBLOCK) return WOULD_BLOCK;
      throw socketError('send', -n, this.#peer);
    }, Interest.WRITABLE);
  }

  recv(buffer: Uint8Array): number | WouldBlock {
    const result = this.#receiveFrom(checkBuffer(buffer), 0);
    return result === WOULD_BLOCK ? result : result.bytes;
  }

  peek(buffer: Uint8Array): number | WouldBlock {
    const result = this.#receiveFrom(checkBuffer(buffer), MSG_PEEK);
    return result === WOULD_BLOCK ? result : result.bytes;
  }

  peerAddr(): SocketAddress {
    return peerEndpoint(this.owned.socket);
  }

  setBroadcast(on: boolean): void {
    ws2_32.setSockOptInt(this.owned.socket, SOL_SOCKET, SO_BROADCAST, on ? 1 : 0);
  }

  broadcast(): boolean {
    return ws2_32.getSockOptInt(this.owned.socket, SOL_SOCKET, SO_BROADCAST) !== 0;
  }

  onlyV6(): boolean {
    return this.owned.family === 'IPv6' && ws2_32.getSockOptInt(this.owned.socket, IPPROTO_IPV6, IPV6_V6ONLY) !== 0;
  }

  setMulticastLoopV4(on: boolean): void {
    ws2_32.setSockOptInt(this.owned.socket, IPPROTO_IP, IP_MULTICAST_LOOP, on ? 1 : 0);
  }

  multicastLoopV4(): boolean {
    return ws2_32.getSockOptInt(this.owned.socket, IPPROTO_IP, IP_MULTICAST_LOOP) !== 0;
  }

  setMulticastTtlV4(ttl: number): void {
    checkByte('ttl', ttl);
    ws2_32.setSockOptInt(this.owned.socket, IPPROTO_IP, IP_MULTICAST_TTL, ttl);
  }

  multicastTtlV4(): number {
    return ws2_32.getSockOptInt(this.owned.socket, IPPROTO_IP, IP_MULTICAST_TTL);
  }

  setMulticastLoopV6(on: boolean): void {
    ws2_32.setSockOptInt(this.owned.socket, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, on ? 1 : 0);
  }

  setMulticastHopsV6(hops: number): void {
    checkByte('hops', hops);
    ws2_32.setSockOptInt(this.owned.socket, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, hops);
  }

  joinMulticastV4(group: string, iface = '0.0.0.0'): void {
    ws2_32.setSockOpt(this.owned.socket, IPPROTO_IP, IP_ADD_MEMBERSHIP, ipMreq(group, iface));
  }

  leaveMulticastV4(group: string, iface = '0.0.0.0'): void {
    ws2_32.setSockOpt(this.owned.socket, IPPROTO_IP, IP_DROP_MEMBERSHIP, ipMreq(group, iface));
  }

  joinMulticastV6(group: string, interfaceIndex = 0): void {
    ws2_32.setSockOpt(this.owned.socket, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, ipv6Mreq(group, interfaceIndex));
  }

  leaveMulticastV6(group: string, interfaceIndex = 0): void {
    ws2_32.setSockOpt(this.owned.socket, IPPROTO_IPV6, IPV6_DROP_MEMBERSHIP, ipv6Mreq(group, interfaceIndex));
  }

  takeError(): Error | undefined {
    return this.owned.takeError(this.#peer);
  }


  /** An IPv4 target from a dual-stack IPv6 socket goes out as an IPv4-mapped address. */
  #mapped(endpoint: Endpoint): Endpoint {
    if (this.owned.family === 'IPv6' && endpoint.family === 'IPv4') return { family: 'IPv6', address: `::ffff:${endpoint.address}`, port: endpoint.port };
    return endpoint;
  }

  #receiveFrom(buffer: Uint8Array, flags: number): Datagram | WouldBlock {
    const from = this.#from;
    const fromLength = this.#fromLength;
    // recvfrom with a zero-length buffer cannot hold even an empty datagram's place: use a byte.
    const target = buffer.length === 0 ? Buffer.alloc(1) : buffer;
    return this.owned.doIo((socket) => {
      fromLength[0] = from.length;
      let n = ws2_32.recvFrom(socket, target, target.length, flags, from, fromLength);
      // A datagram longer than the buffer: the buffer holds its start, as on other platforms.
      if (n === -WSAEMSGSIZE) n = target.length;
      if (n < 0) {
        if (-n === WSAEWOULDBLOCK) return WOULD_BLOCK;
        // Only if SIO_UDP_CONNRESET could not be switched off: not an error of this socket.
        if (-n === WSAECONNRESET) return WOULD_BLOCK;
        throw socketError('recvfrom', -n, this.#peer);
      }
      return { bytes: Math.min(n, buffer.length), address: decodeEndpoint(from) };
    }, Interest.READABLE);
  }
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
