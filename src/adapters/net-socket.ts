// The node:net Socket of the drop-in: a TcpSocket with net's surface (connect's overloads,
// remoteAddress and friends, setTimeout, resetAndDestroy) and net's event order. connect(path)
// carries a named pipe instead. Beside it: net-socket-options (what the constructor and connect()
// take), net-socket-connect (TCP checks, lookup, happy eyeballs), net-socket-tcp-options (noDelay,
// keep-alive). Slightly over 400 lines: one concept, most of the rest being the getters net's
// API names one by one.
import * as nodeNet from 'node:net';
import { isIP } from 'node:net';
import { addAbortSignal } from 'node:stream';
import { InvalidArgumentError } from '../core/errors.js';
import type { SocketAddress } from '../net/address.js';
import type { NamedPipe } from '../net/named-pipe.js';
import type { TcpStream } from '../net/tcp-stream.js';
import { IdleTimer } from '../streams/idle-timer.js';
import { openPipeClient, PipeChannel, PipeSocket } from '../streams/pipe-socket.js';
import { TcpSocket } from '../streams/tcp-socket.js';
import { endedByPeer, missingOneOfArgs, netSystemError, outOfRange, socketClosed, socketClosedBeforeConnection, transferError, connectError } from './net-errors.js';
import { TcpConnect, type ConnectTarget } from './net-socket-connect.js';
import { RememberedTcpOptions } from './net-socket-tcp-options.js';
import { normalizeConnectArgs, streamOptionsOf, userReadsOf, type ConnectCallback, type SocketConnectOptions, type SocketOptions } from './net-socket-options.js';
import { validateFunction, validateNumber, validateString } from './net-validation.js';

export { normalizeConnectArgs, type LookupFunction, type SocketConnectOptions, type SocketOptions } from './net-socket-options.js';

type WriteCallback = (error?: Error | null) => void;

function familyName(address: string): 'IPv4' | 'IPv6' {
  return isIP(address) === 6 ? 'IPv6' : 'IPv4';
}

// node's own Socket, taken before anything (the conformance preload) replaces net.Socket.
const NodeSocket = nodeNet.Socket;
const nodeSockets = new WeakSet<object>();

function wrapsNodeHandle(options: unknown): boolean {
  if (typeof options !== 'object' || options === null) return typeof options === 'number';
  const { fd, handle } = options as { fd?: unknown; handle?: unknown };
  return (fd !== undefined && fd !== null) || (handle !== undefined && handle !== null);
}

/** A drop-in for `net.Socket` over mio-ts TCP (or a named pipe after connect(path)). */
export class Socket extends TcpSocket {
  /** With autoSelectFamily, the `address:port` of every address tried, in order. */
  autoSelectFamilyAttemptedAddresses: string[] | undefined;
  #connectPending = false;
  #hadError = false;
  #closeEmitted = false;
  #target: ConnectTarget | undefined;
  #pipe: NamedPipe | undefined;
  #peer: SocketAddress | undefined;
  #local: SocketAddress | undefined;
  readonly #tcpOptions!: RememberedTcpOptions;
  #refd = true;
  readonly #tcp = new TcpConnect({
    driver: this.driver,
    recordAttempts: () => {
      this.autoSelectFamilyAttemptedAddresses = [];
    },
    attempted: (entry) => this.autoSelectFamilyAttemptedAddresses?.push(entry),
    stillWanted: () => this.#connectPending && !this.destroyed,
    emit: (event, ...args) => this.emit(event, ...args),
    trying: (target) => {
      this.#target = target;
    },
    adopt: (stream) => this.adopt(stream, true),
    destroy: (error) => this.destroy(error),
    isRefd: () => this.#refd,
  });
  #peerEnded = false;
  readonly #idle = new IdleTimer(() => this.emit('timeout'));

  constructor(options: SocketOptions = {}, stream?: TcpStream) {
    // A file descriptor or a libuv handle (node's own stdio sockets among them) is node:net's
    // business: such a socket is node's, and still answers `instanceof Socket`.
    if (wrapsNodeHandle(options)) {
      const nodeSocket = new NodeSocket(options);
      nodeSockets.add(nodeSocket);
      return nodeSocket as unknown as Socket;
    }
    super(stream, streamOptionsOf(options));
    this.#tcpOptions = new RememberedTcpOptions(options);
    this.on('close', () => {
      this.#closeEmitted = true;
      this.#idle.clear();
    });
    // net's own half-open policy (allowHalfOpen may change after construction): once the peer
    // has ended, end our side too; 'close' follows when both are done.
    this.on('end', () => {
      this.#peerEnded = true;
      // On the next tick: the 'end' listeners still see a writable socket and may write a last word.
      process.nextTick(() => {
        if (!this.allowHalfOpen && this.writable) this.end();
      });
    });
    // As net: only a socket of one's own reads into one's memory, not one a server accepted.
    if (stream === undefined) this.userReads = userReadsOf(this, options.onread);
    if (stream !== undefined) {
      this.#applyTcpOptions(stream);
      // As net: a socket over an open connection starts reading (unless the server pauses it),
      // so the peer's end is seen even before anyone consumes the data.
      if ((options as { pauseOnConnect?: boolean }).pauseOnConnect !== true) this.read(0);
    }
    if (options.signal !== undefined && options.signal !== null) addAbortSignal(options.signal, this);
  }

  /** The drop-in's `instanceof net.Socket` also holds for the pipe sockets its servers accept. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if ((this as { prototype?: unknown }).prototype !== Socket.prototype) return false;
    return value instanceof PipeSocket || (typeof value === 'object' && value !== null && nodeSockets.has(value));
  }

  /**
   * `connect(options[, cb])`, `connect(path[, cb])` or `connect(port[, host][, cb])`, as
   * net.Socket: argument errors are thrown, connection errors arrive as 'error'. A socket
   * whose 'close' has been emitted connects again.
   */
  connect(options: SocketConnectOptions, connectListener?: ConnectCallback): this;
  connect(port: number | string, host?: string, connectListener?: ConnectCallback): this;
  connect(path: string, connectListener?: ConnectCallback): this;
  connect(...args: unknown[]): this {
    const [options, callback] = normalizeConnectArgs(args);
    const path: unknown = options.path;
    if (options.port === undefined && (path === undefined || path === null)) throw missingOneOfArgs('options', 'port', 'path');
    if (this.destroyed) {
      // Still closing: this life is over and there is nothing to connect again yet.
      if (!this.#closeEmitted) return this;
      this.#startOver();
    } else if (this.#connectPending || this.channel !== undefined) {
      const code = this.#connectPending ? 'EALREADY' : 'EISCONN';
      process.nextTick(() => this.destroy(netSystemError('connect', code, typeof path === 'string' ? path : (options.host ?? 'localhost'))));
      return this;
    }
    if (path !== undefined && path !== null && path !== '' && path !== false && path !== 0) {
      validateString(path, 'options.path');
      this.#begin(callback);
      this.#connectPipe(path);
      return this;
    }
    const start = this.#tcp.plan(options);
    this.#begin(callback);
    try {
      start();
    } catch (error) {
      // dns.lookup refused its options (hints, family): nothing was started.
      this.#connectPending = false;
      if (callback !== undefined) this.off('connect', callback);
      throw error;
    }
    return this;
  }

  #begin(callback: ConnectCallback | undefined): void {
    if (callback !== undefined) this.once('connect', callback);
    this.#connectPending = true;
  }

  /** A closed socket made new for another connection, as node's connect() after close. */
  #startOver(): void {
    (this as unknown as { _undestroy(): void })._undestroy();
    this.#closeEmitted = false;
    this.#hadError = false;
    this.#pipe = undefined;
    this.#peer = undefined;
    this.#local = undefined;
    this.#target = undefined;
    this.autoSelectFamilyAttemptedAddresses = undefined;
  }

  #connectPipe(path: string): void {
    const name = path.startsWith('\\\\?\\pipe\\') ? `\\\\.\\pipe\\${path.slice(9)}` : path;
    const stopped = (): boolean => this.destroyed || !this.#connectPending;
    process.nextTick(() => {
      if (stopped()) return;
      openPipeClient(name, {}, stopped, (error, pipe) => {
        if (pipe === undefined) {
          // A path that cannot name a pipe names no pipe: ENOENT, as Windows says for it.
          const failure = error instanceof InvalidArgumentError ? netSystemError('connect', 'ENOENT', path) : connectError(error, { address: path, port: 0 });
          this.destroy(failure);
          return;
        }
        this.#pipe = pipe;
        this.attach(new PipeChannel(pipe, () => this.endReadable()), true);
        // Opening a client end is synchronous: it is connected already.
        this.markConnected();
      });
    });
  }

  override get connecting(): boolean {
    return this.#connectPending;
  }

  /** node's older name for `connecting`. */
  get _connecting(): boolean {
    return this.#connectPending;
  }

  /** The TCP stream while it is connected and open. */
  #liveTcpStream(): TcpStream | undefined {
    const stream = this.stream;
    return this.#pipe === undefined && !this.#connectPending && stream !== undefined && !stream.closed ? stream : undefined;
  }

  #applyTcpOptions(stream: TcpStream): void {
    this.#tcpOptions.applyTo(stream);
  }

  protected override onConnected(): void {
    this.#connectPending = false;
    const stream = this.#liveTcpStream();
    if (stream !== undefined) {
      this.#peerName();
      this.#localName();
      try {
        this.#applyTcpOptions(stream);
      } catch (error) {
        this.destroy(error as Error);
        return;
      }
    }
    this.#idle.touch();
    super.onConnected();
    // As net: a connected socket reads unless paused, so the peer's end is seen.
    if (!this.destroyed && !this.isPaused()) this.read(0);
  }

  /** With onread, pausing stops the reads themselves: nothing fills the Readable's buffer to stop them. */
  override pause(): this {
    super.pause();
    if (this.userReads !== undefined) this.stopReading();
    return this;
  }

  override resume(): this {
    super.resume();
    if (this.userReads !== undefined && !this.destroyed) this._read();
    return this;
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

  /** Bytes queued in this socket and not yet handed to the kernel (net's bufferSize); undefined once destroyed. */
  get bufferSize(): number | undefined {
    return this.destroyed ? undefined : this.writableLength;
  }

  /** Writes wait for the connection; if it never comes they fail as node's do. */
  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (!this.#connectPending) {
      super._write(chunk, encoding, callback);
      return;
    }
    const onClose = (): void => {
      this.off('connect', onConnect);
      callback(socketClosedBeforeConnection());
    };
    const onConnect = (): void => {
      this.off('close', onClose);
      super._write(chunk, encoding, callback);
    };
    this.once('connect', onConnect);
    this.once('close', onClose);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (error !== null) this.#hadError = true;
    const wasConnecting = this.#connectPending;
    this.#connectPending = false;
    this.#tcp.endAttempt(true);
    let shaped = error;
    if (error !== null) shaped = wasConnecting ? connectError(error, this.#target) : transferError(error);
    super._destroy(shaped, callback);
  }

  /** net's 'close' says whether an error closed the socket. */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'close' && args.length === 0) return super.emit('close', this.#hadError);
    return super.emit(event, ...args);
  }

  protected override onActivity(): void {
    this.#idle.touch();
  }

  override ref(): this {
    this.#refd = true;
    this.#tcp.updateHold();
    return super.ref();
  }

  override unref(): this {
    this.#refd = false;
    this.#tcp.updateHold();
    return super.unref();
  }

  /** The peer, once connected; kept after the close, as net's. */
  #peerName(): SocketAddress | undefined {
    if (this.#peer === undefined && this.#liveTcpStream() !== undefined) this.#peer = this.peerAddr();
    return this.#peer;
  }

  #localName(): SocketAddress | undefined {
    if (this.#local === undefined && this.#liveTcpStream() !== undefined) {
      try {
        this.#local = this.localAddr();
      } catch {
        // Not bound yet: nothing to report.
      }
    }
    return this.#local;
  }

  get remoteAddress(): string | undefined {
    return this.#peerName()?.address;
  }

  get remotePort(): number | undefined {
    return this.#peerName()?.port;
  }

  get remoteFamily(): string | undefined {
    const peer = this.#peerName();
    return peer === undefined ? undefined : familyName(peer.address);
  }

  get localAddress(): string | undefined {
    return this.#localName()?.address;
  }

  get localPort(): number | undefined {
    return this.#localName()?.port;
  }

  get localFamily(): string | undefined {
    const local = this.#localName();
    return local === undefined ? undefined : familyName(local.address);
  }

  get pending(): boolean {
    return this.channel === undefined || this.#connectPending;
  }

  get readyState(): 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed' {
    if (this.#connectPending) return 'opening';
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    if (this.writable) return 'writeOnly';
    return 'closed';
  }

  address(): { address: string; family: string; port: number } | Record<string, never> {
    const local = this.#localName();
    return local === undefined ? {} : { address: local.address, family: familyName(local.address), port: local.port };
  }

  /** On by default; remembered before the connection and applied once it is up. */
  setNoDelay(enable?: unknown): this {
    this.#tcpOptions.setNoDelay(enable, this.#liveTcpStream(), this.#pipe === undefined);
    return this;
  }

  /** Remembered before the connection and applied once it is up; the delay counts in seconds. */
  setKeepAlive(enable?: unknown, initialDelayMs?: number): this {
    this.#tcpOptions.setKeepAlive(enable, initialDelayMs, this.#liveTcpStream(), this.#pipe === undefined);
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
    // Nothing to reset: net reports the socket closed. Still connecting: reset once connected.
    if (this.connecting) {
      this.once('connect', () => this.resetAndDestroy());
      return this;
    }
    const stream = this.#liveTcpStream();
    if (stream === undefined && this.#pipe === undefined) return this.destroy(socketClosed());
    if (stream !== undefined) {
      try {
        stream.setLinger(0);
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
