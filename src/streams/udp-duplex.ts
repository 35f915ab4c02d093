// UdpSocket as an object-mode Duplex: it reads { data, address } datagrams and writes
// { data, address } (or bare data on a connected socket). Reading stops while the consumer is
// full: the kernel keeps (and eventually drops) datagrams, as UDP does.
import { Duplex, type DuplexOptions } from 'node:stream';
import { Interest } from '../core/interest.js';
import { nextTurn } from '../core/next-turn.js';
import { Readiness } from '../core/readiness.js';
import { WOULD_BLOCK } from '../core/would-block.js';
import type { AddressInput, SocketAddress } from '../net/address.js';
import type { UdpSocket } from '../net/udp-socket.js';
import { Driver } from './driver.js';
import type { DriverRegistration } from './driver-registration.js';

export interface IncomingDatagram {
  data: Buffer;
  address: SocketAddress;
}

export interface OutgoingDatagram {
  data: Uint8Array | string;
  /** Omit on a connected socket. */
  address?: AddressInput;
}

export interface UdpDuplexOptions extends DuplexOptions {
  driver?: Driver;
  /** Largest datagram read; longer ones are truncated. Default 65,536. */
  maxDatagramSize?: number;
}

const READS_PER_EVENT = 32;

export class UdpDuplex extends Duplex {
  readonly socket: UdpSocket;
  readonly #registration: DriverRegistration;
  readonly #buffer: Buffer;
  #wantRead = false;
  #pending: { datagram: OutgoingDatagram; callback: (error?: Error | null) => void } | undefined;

  constructor(socket: UdpSocket, options: UdpDuplexOptions = {}) {
    const { driver, maxDatagramSize, ...duplexOptions } = options;
    super({ ...duplexOptions, objectMode: true });
    this.socket = socket;
    this.#buffer = Buffer.allocUnsafe(maxDatagramSize ?? 65536);
    this.#registration = (driver ?? Driver.shared()).register(
      socket,
      Interest.READABLE.add(Interest.WRITABLE),
      (readiness) => {
        if ((readiness & Readiness.READABLE) !== 0 && this.#wantRead) this.#readLoop();
        if ((readiness & Readiness.WRITABLE) !== 0 && this.#pending !== undefined) this.#flush();
      },
      (error) => this.destroy(error),
    );
    this.#registration.hold(true);
  }

  /** Keeps the process alive while open (the default), as dgram's ref(). */
  ref(): this {
    this.#registration.hold(true);
    return this;
  }

  /** Lets the process exit while this socket waits, as dgram's unref(). */
  unref(): this {
    this.#registration.hold(false);
    return this;
  }

  override _read(): void {
    this.#wantRead = true;
    this.#readLoop();
  }

  override _write(datagram: OutgoingDatagram, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#pending = { datagram, callback };
    this.#flush();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#registration.close();
    this.socket.close();
    callback(error);
  }

  #readLoop(): void {
    try {
      for (let i = 0; i < READS_PER_EVENT && this.#wantRead; i++) {
        const received = this.socket.recvFrom(this.#buffer);
        if (received === WOULD_BLOCK) return;
        const datagram: IncomingDatagram = { data: Buffer.from(this.#buffer.subarray(0, received.bytes)), address: received.address };
        if (!this.push(datagram)) this.#wantRead = false;
      }
      if (this.#wantRead) nextTurn(() => this.#readLoop());
    } catch (error) {
      this.destroy(error as Error);
    }
  }

  #flush(): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    const { data, address } = pending.datagram;
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    try {
      const sent = address === undefined ? this.socket.send(bytes) : this.socket.sendTo(bytes, address);
      if (sent === WOULD_BLOCK) return;
    } catch (error) {
      this.#pending = undefined;
      pending.callback(error as Error);
      return;
    }
    this.#pending = undefined;
    pending.callback();
  }
}
