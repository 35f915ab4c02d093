// mio's UdpSocket: non-blocking datagrams. Empty datagrams are real datagrams; an ICMP
// port-unreachable never breaks the socket (SIO_UDP_CONNRESET is switched off at creation).
import { InvalidArgumentError, OutOfRangeError } from '../core/errors.js';
import { Interest } from '../core/interest.js';
import { WOULD_BLOCK, type WouldBlock } from '../core/would-block.js';
import { assertSupportedPlatform } from '../sys/index.js';
import { decodeEndpoint, encodeEndpoint, peerEndpoint, type Endpoint } from '../sys/windows/net.js';
import * as udp from '../sys/windows/udp.js';
import { parseAddress, type AddressInput, type SocketAddress } from './address.js';
import { SocketSource, checkByte } from './socket-source.js';

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

  private constructor(socket: bigint, family: 'IPv4' | 'IPv6') {
    super(socket, family, 'UdpSocket');
  }

  // Shadows Function.prototype.bind on the class, as mio names its constructor.
  static override bind(address: AddressInput, options: UdpSocketOptions = {}): UdpSocket {
    const endpoint = parseAddress(address, '0.0.0.0');
    assertSupportedPlatform('UdpSocket');
    return new UdpSocket(udp.bind(endpoint, options.ipv6Only === true), endpoint.family);
  }

  /** Bytes sent (the whole datagram), or WOULD_BLOCK. */
  sendTo(buffer: Uint8Array, target: AddressInput): number | WouldBlock {
    const data = checkDatagram(buffer);
    const endpoint = parseAddress(target);
    const encoded = encodeEndpoint(this.#mapped(endpoint));
    return this.doIo((socket) => udp.sendTo(socket, data, encoded, endpoint), Interest.WRITABLE);
  }

  /** One datagram into `buffer` and its sender, or WOULD_BLOCK. A longer datagram is truncated. */
  recvFrom(buffer: Uint8Array): Datagram | WouldBlock {
    return this.#receiveFrom(checkBuffer(buffer), false);
  }

  peekFrom(buffer: Uint8Array): Datagram | WouldBlock {
    return this.#receiveFrom(checkBuffer(buffer), true);
  }

  /** Sets the default peer; send()/recv() then talk to it only. */
  connect(target: AddressInput): void {
    const endpoint = parseAddress(target);
    udp.connect(this.handle, this.#mapped(endpoint), endpoint);
    this.#peer = endpoint;
  }

  send(buffer: Uint8Array): number | WouldBlock {
    const data = checkDatagram(buffer);
    return this.doIo((socket) => udp.send(socket, data, this.#peer), Interest.WRITABLE);
  }

  recv(buffer: Uint8Array): number | WouldBlock {
    const result = this.#receiveFrom(checkBuffer(buffer), false);
    return result === WOULD_BLOCK ? result : result.bytes;
  }

  peek(buffer: Uint8Array): number | WouldBlock {
    const result = this.#receiveFrom(checkBuffer(buffer), true);
    return result === WOULD_BLOCK ? result : result.bytes;
  }

  peerAddr(): SocketAddress {
    return peerEndpoint(this.handle);
  }

  setBroadcast(on: boolean): void {
    udp.setBroadcast(this.handle, on);
  }

  broadcast(): boolean {
    return udp.broadcast(this.handle);
  }

  onlyV6(): boolean {
    return this.family === 'IPv6' && udp.onlyV6(this.handle);
  }

  setMulticastLoopV4(on: boolean): void {
    udp.setMulticastLoopV4(this.handle, on);
  }

  multicastLoopV4(): boolean {
    return udp.multicastLoopV4(this.handle);
  }

  setMulticastTtlV4(ttl: number): void {
    checkByte('ttl', ttl);
    udp.setMulticastTtlV4(this.handle, ttl);
  }

  multicastTtlV4(): number {
    return udp.multicastTtlV4(this.handle);
  }

  setMulticastLoopV6(on: boolean): void {
    udp.setMulticastLoopV6(this.handle, on);
  }

  multicastLoopV6(): boolean {
    return udp.multicastLoopV6(this.handle);
  }

  setMulticastHopsV6(hops: number): void {
    checkByte('hops', hops);
    udp.setMulticastHopsV6(this.handle, hops);
  }

  joinMulticastV4(group: string, iface = '0.0.0.0'): void {
    udp.joinMulticastV4(this.handle, group, iface);
  }

  leaveMulticastV4(group: string, iface = '0.0.0.0'): void {
    udp.leaveMulticastV4(this.handle, group, iface);
  }

  joinMulticastV6(group: string, interfaceIndex = 0): void {
    udp.joinMulticastV6(this.handle, group, interfaceIndex);
  }

  leaveMulticastV6(group: string, interfaceIndex = 0): void {
    udp.leaveMulticastV6(this.handle, group, interfaceIndex);
  }

  takeError(): Error | undefined {
    return this.pendingError(this.#peer);
  }

  /** An IPv4 target from a dual-stack IPv6 socket goes out as an IPv4-mapped address. */
  #mapped(endpoint: Endpoint): Endpoint {
    if (this.family === 'IPv6' && endpoint.family === 'IPv4') return { family: 'IPv6', address: `::ffff:${endpoint.address}`, port: endpoint.port };
    return endpoint;
  }

  #receiveFrom(buffer: Uint8Array, peek: boolean): Datagram | WouldBlock {
    const from = this.#from;
    // recvfrom with a zero-length buffer cannot hold even an empty datagram's place: use a byte.
    const target = buffer.length === 0 ? Buffer.alloc(1) : buffer;
    const n = this.doIo((socket) => udp.recvFrom(socket, target, peek, from, this.#fromLength, this.#peer), Interest.READABLE);
    return n === WOULD_BLOCK ? n : { bytes: Math.min(n, buffer.length), address: decodeEndpoint(from) };
  }
}
