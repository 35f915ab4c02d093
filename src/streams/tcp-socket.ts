// TcpStream as a Node Duplex (see SourceDuplex for the backpressure contract).
import { SourceWrapper } from '../poll/source-wrapper.js';
import type { WouldBlock } from '../core/would-block.js';
import type { AddressInput, SocketAddress } from '../net/address.js';
import { TcpStream } from '../net/tcp-stream.js';
import { SourceDuplex, type ByteChannel, type SourceDuplexOptions } from './source-duplex.js';

/** Adapts a TcpStream to the channel contract SourceDuplex drives. */
export class TcpChannel extends SourceWrapper implements ByteChannel {
  readonly shortReadRearms = true;
  constructor(readonly stream: TcpStream) {
    super(stream);
  }
  read(buffer: Uint8Array, rearmWhenShort = false): number | WouldBlock {
    return rearmWhenShort ? this.stream.readRearmingWhenShort(buffer) : this.stream.read(buffer);
  }
  write(buffer: Uint8Array): number | WouldBlock {
    return this.stream.write(buffer);
  }
  shutdownWrite(): void {
    this.stream.shutdown('write');
  }
  writeInFlight(): boolean {
    return this.stream.sendInFlight();
  }
  takeError(): Error | undefined {
    return this.stream.takeError();
  }
  close(): void {
    this.stream.close();
  }
}

export class TcpSocket extends SourceDuplex {
  #stream: TcpStream | undefined;

  /** Wraps a connected TcpStream (e.g. from TcpListener.accept()). */
  constructor(stream?: TcpStream, options: SourceDuplexOptions = {}) {
    super(options);
    if (stream !== undefined) this.adopt(stream, false);
  }

  /** Connects; 'connect' is emitted once the connection is up, 'error' if it fails. */
  static connect(address: AddressInput, options: SourceDuplexOptions = {}): TcpSocket {
    const socket = new TcpSocket(undefined, options);
    socket.adopt(TcpStream.connect(address), true);
    return socket;
  }

  get stream(): TcpStream | undefined {
    return this.#stream;
  }

  localAddr(): SocketAddress | undefined {
    return this.#stream?.closed === false ? this.#stream.localAddr() : undefined;
  }

  peerAddr(): SocketAddress | undefined {
    try {
      return this.#stream?.closed === false ? this.#stream.peerAddr() : undefined;
    } catch {
      return undefined;
    }
  }

  protected adopt(stream: TcpStream, connecting: boolean): void {
    this.#stream = stream;
    this.attach(new TcpChannel(stream), connecting);
  }

  protected override onConnected(): void {
    this.emit('connect');
    this.emit('ready');
  }
}
