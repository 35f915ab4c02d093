// The node:net Socket of the drop-in: a TcpSocket with net's surface (connect overloads,
// remoteAddress and friends, setTimeout, resetAndDestroy) and net's event order.
import { lookup } from 'node:dns';
import { isIP } from 'node:net';
import { InvalidArgumentError } from '../core/errors.js';
import { endedByPeer, outOfRange, socketClosed, socketClosedBeforeConnection } from './net-errors.js';
import { validateFunction, validateNumber } from './net-validation.js';
import type { TcpStream } from '../net/tcp-stream.js';
import { TcpStream as TcpStreamClass } from '../net/tcp-stream.js';
import { IdleTimer } from '../streams/idle-timer.js';
import type { SourceDuplexOptions } from '../streams/source-duplex.js';
import { TcpSocket } from '../streams/tcp-socket.js';

export interface SocketOptions extends SourceDuplexOptions {
  allowHalfOpen?: boolean;
}

export interface SocketConnectOptions {
  port: number;
  host?: string;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  timeout?: number;
}

type WriteCallback = (error?: Error | null) => void;

function familyName(address: string): 'IPv4' | 'IPv6' {
  return isIP(address) === 6 ? 'IPv6' : 'IPv4';
}

/** A drop-in for `net.Socket` over mio-ts TCP. */
export class Socket extends TcpSocket {
  #resolving = false;
  #hadError = false;
  #peerEnded = false;
  readonly #idle = new IdleTimer(() => this.emit('timeout'));
  #connectCallback: (() => void) | undefined;

  constructor(options: SocketOptions = {}, stream?: TcpStream) {
    super(stream, options);
    this.once('close', () => this.#idle.clear());
    // net's own half-open policy (allowHalfOpen may change after construction): once the peer
    // has ended, end our side too; 'close' follows when both are done.
    this.on('end', () => {
      this.#peerEnded = true;
      // On the next tick: the 'end' listeners still see a writable socket and may write a last word.
      process.nextTick(() => {
        if (!this.allowHalfOpen && this.writable) this.end();
      });
    });
    // net reads from the start, so the peer's FIN is seen (and 'end' emitted) with no consumer.
    if (stream !== undefined) this.read(0);
  }

  /** `connect(port[, host][, cb])` or `connect({ port, host }[, cb])`, as net.Socket. */
  connect(portOrOptions: number | string | SocketConnectOptions, hostOrCallback?: string | (() => void), callback?: () => void): this {
    const options: SocketConnectOptions =
      typeof portOrOptions === 'object' ? portOrOptions : { port: Number(portOrOptions), ...(typeof hostOrCallback === 'string' ? { host: hostOrCallback } : {}) };
    const done = typeof hostOrCallback === 'function' ? hostOrCallback : callback;
    if (!Number.isInteger(options.port) || options.port <= 0 || options.port > 65535) {
      throw new InvalidArgumentError(`port must be an integer from 1 to 65535, got ${String(options.port)}`);
    }
    if (done !== undefined) this.once('connect', done);
    this.#connectCallback = () => {
      if (options.noDelay === true) this.setNoDelay(true);
      if (options.keepAlive === true) this.setKeepAlive(true, options.keepAliveInitialDelay ?? 0);
    };
    if (options.timeout !== undefined) this.setTimeout(options.timeout);
    const host = options.host ?? 'localhost';
    const port = options.port;
    const start = (address: string): void => {
      try {
        this.adopt(TcpStreamClass.connect({ host: address, port }), true);
      } catch (error) {
        // net reports connect failures as events, never as throws.
        process.nextTick(() => this.destroy(error as Error));
      }
    };
    if (isIP(host) !== 0 || host === 'localhost') start(host);
    else {
      // A name: resolve it first, as net does (errors such as ENOTFOUND arrive as 'error').
      this.#resolving = true;
      lookup(host, (error, address) => {
        this.#resolving = false;
        if (this.destroyed) return;
        if (error !== null) this.destroy(error);
        else start(address);
      });
    }
    return this;
  }

  override get connecting(): boolean {
    return this.#resolving || super.connecting;
  }

  protected override onConnected(): void {
    this.#connectCallback?.();
    this.#idle.touch();
    // Reading starts with the connection, unless the socket was paused before it: a paused,
    // idle socket does not keep the process alive.
    if (!this.isPaused()) this.read(0);
    super.onConnected();
  }

  /**
   * Once the peer has ended a socket that is not half-open and our side has ended too, a write
   * fails with EPIPE (callback on the next tick, and the socket is destroyed with it), as net's.
   */
  override write(chunk: unknown, encoding?: BufferEncoding | WriteCallback, callback?: WriteCallback): boolean {
    const done = typeof encoding === 'function' ? encoding : callback;
    if (this.#peerEnded && !this.allowHalfOpen && this.writableEnded && !this.destroyed) {
      const error = endedByPeer();
      if (done !== undefined) process.nextTick(done, error);
      this.destroy(error);
      return false;
    }
    return typeof encoding === 'function' ? super.write(chunk, encoding) : super.write(chunk, encoding as BufferEncoding, callback);
  }

  protected override abortedWriteError(connecting: boolean): Error {
    return connecting ? socketClosedBeforeConnection() : socketClosed();
  }

  /** Bytes queued in this socket and not yet handed to the kernel (net's bufferSize). */
  get bufferSize(): number | undefined {
    return this.stream === undefined ? undefined : this.writableLength;
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (error !== null) this.#hadError = true;
    super._destroy(error, callback);
  }

  /** net's 'close' says whether an error closed the socket. */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'close' && args.length === 0) return super.emit('close', this.#hadError);
    return super.emit(event, ...args);
  }

  protected override onActivity(): void {
    this.#idle.touch();
  }

  get remoteAddress(): string | undefined {
    return this.peerAddr()?.address;
  }

  get remotePort(): number | undefined {
    return this.peerAddr()?.port;
  }

  get remoteFamily(): string | undefined {
    const peer = this.peerAddr();
    return peer === undefined ? undefined : familyName(peer.address);
  }

  get localAddress(): string | undefined {
    return this.localAddr()?.address;
  }

  get localPort(): number | undefined {
    return this.localAddr()?.port;
  }

  get localFamily(): string | undefined {
    const local = this.localAddr();
    return local === undefined ? undefined : familyName(local.address);
  }

  get pending(): boolean {
    return this.stream === undefined || this.connecting;
  }

  get readyState(): 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed' {
    if (this.destroyed) return 'closed';
    if (this.connecting) return 'opening';
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    if (this.writable) return 'writeOnly';
    return 'closed';
  }

  address(): { address: string; family: string; port: number } | Record<string, never> {
    const local = this.localAddr();
    return local === undefined ? {} : { address: local.address, family: familyName(local.address), port: local.port };
  }

  setNoDelay(noDelay = true): this {
    if (this.stream !== undefined && !this.stream.closed && !this.connecting) this.stream.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable = false, initialDelayMs = 0): this {
    if (this.stream !== undefined && !this.stream.closed && !this.connecting) this.stream.setKeepAlive(enable, initialDelayMs > 0 ? initialDelayMs : undefined);
    return this;
  }

  /** Emits 'timeout' after `ms` without reads or writes; 0 disables it. The socket stays open. */
  setTimeout(ms: number, callback?: () => void): this {
    validateNumber(ms, 'msecs');
    if (ms < 0 || !Number.isFinite(ms)) throw outOfRange('msecs', 'a non-negative finite number', ms);
    if (callback !== undefined) {
      validateFunction(callback, 'callback');
      if (ms === 0) this.off('timeout', callback);
      else this.once('timeout', callback);
    }
    // A destroyed socket has nothing left to time out.
    if (this.destroyed) return this;
    this.#idle.set(ms);
    return this;
  }

  /** Closes with a TCP reset (RST) instead of an orderly FIN, as net.Socket#resetAndDestroy. */
  resetAndDestroy(): this {
    if (this.stream !== undefined && !this.stream.closed && !this.connecting) {
      try {
        this.stream.setLinger(0);
      } catch {
        // Closing is what matters; without linger it is an orderly close.
      }
    }
    return this.destroy();
  }

  /** Ends, then destroys once the pending writes are flushed. */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }
}
