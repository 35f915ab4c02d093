// The node:net Socket of the drop-in: a TcpSocket with net's surface (connect's overloads and
// checks, name lookup and happy eyeballs, remoteAddress and friends, setTimeout,
// resetAndDestroy) and net's event order. connect(path) carries a named pipe instead.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import * as nodeNet from 'node:net';
import { getDefaultAutoSelectFamily, getDefaultAutoSelectFamilyAttemptTimeout, isIP } from 'node:net';
import { addAbortSignal } from 'node:stream';
import { isUint8Array } from 'node:util/types';
import { InvalidArgumentError, SystemError } from '../core/errors.js';
import { Interest } from '../core/interest.js';
import { Readiness } from '../core/readiness.js';
import type { Token } from '../core/token.js';
import type { SocketAddress } from '../net/address.js';
import type { NamedPipe } from '../net/named-pipe.js';
import { TcpStream } from '../net/tcp-stream.js';
import { IdleTimer } from '../streams/idle-timer.js';
import { openPipeClient, PIPE_EOF_QUIET_MS, PipeChannel, PipeSocket } from '../streams/pipe-socket.js';
import type { SourceDuplexOptions, UserReads } from '../streams/source-duplex.js';
import { TcpSocket } from '../streams/tcp-socket.js';
import {
  invalidAddressFamily,
  invalidArgType,
  invalidArgValue,
  invalidIpAddress,
  endedByPeer,
  missingOneOfArgs,
  netSystemError,
  outOfRange,
  socketClosed,
  socketClosedBeforeConnection,
} from './net-errors.js';
import { validateBoolean, validateFunction, validateInteger, validateNumber, validatePort, validateString } from './net-validation.js';

export interface SocketOptions extends SourceDuplexOptions {
  allowHalfOpen?: boolean;
  /** Destroys the socket with an AbortError when aborted. */
  signal?: AbortSignal;
  /** Applied once connected, as setNoDelay(true) / setKeepAlive(true, keepAliveInitialDelay). */
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  /**
   * Reads go into `buffer` (or the buffer a function returns, asked again after each read) and
   * to `callback(bytes, buffer)` instead of 'data'; false from callback pauses the socket.
   */
  onread?: nodeNet.OnReadOpts;
}

/** dns.lookup's shape: one address (family 4 or 6), or all of them when `options.all`. */
export type LookupFunction = (
  hostname: string,
  options: { family?: number | string | undefined; hints: number; all?: boolean },
  callback: (error: NodeJS.ErrnoException | null, address?: string | LookupAddress[], family?: number) => void,
) => void;

export interface SocketConnectOptions {
  port?: number | string;
  host?: string;
  /** A named pipe (`\\.\pipe\name`) instead of TCP. */
  path?: string;
  localAddress?: string;
  localPort?: number;
  family?: number | string;
  hints?: number;
  lookup?: LookupFunction;
  autoSelectFamily?: boolean;
  autoSelectFamilyAttemptTimeout?: number;
  /** net.connect only: setTimeout(timeout) on the new socket. */
  timeout?: number;
}

type ConnectCallback = () => void;
type WriteCallback = (error?: Error | null) => void;

const CONNECT_DONE = Readiness.WRITABLE | Readiness.ERROR | Readiness.WRITE_CLOSED;
const OBJECT_MODE_OPTIONS = ['objectMode', 'readableObjectMode', 'writableObjectMode'] as const;

/** net's rule: a string that does not read as a non-negative number names a pipe. */
function isPipeName(value: unknown): value is string {
  return typeof value === 'string' && !(Number(value) >= 0);
}

/**
 * connect()'s arguments as one options object and the callback, as net reads them:
 * (options[, cb]), (path[, cb]) or (port[, host][, cb]).
 */
export function normalizeConnectArgs(args: readonly unknown[]): [SocketConnectOptions & SocketOptions, ConnectCallback | undefined] {
  if (args.length === 0) return [{}, undefined];
  const [first, second] = args;
  let options: Record<string, unknown>;
  if (typeof first === 'object' && first !== null) options = first as Record<string, unknown>;
  else if (isPipeName(first)) options = { path: first };
  else {
    options = { port: first };
    if (args.length > 1 && typeof second === 'string') options.host = second;
  }
  const last = args.at(-1);
  return [options, typeof last === 'function' ? (last as ConnectCallback) : undefined];
}

function familyName(address: string): 'IPv4' | 'IPv6' {
  return isIP(address) === 6 ? 'IPv6' : 'IPv4';
}

/** The socket's options checked as node's constructor does; what the stream itself takes. */
/**
 * The user reads of net's `onread` option. As net, an option that is not an object with a
 * buffer (a Uint8Array or a function) and a callback is ignored.
 */
function userReadsOf(socket: Socket, onread: unknown): UserReads | undefined {
  if (typeof onread !== 'object' || onread === null) return undefined;
  const { buffer, callback } = onread as { buffer?: unknown; callback?: unknown };
  if ((!isUint8Array(buffer) && typeof buffer !== 'function') || typeof callback !== 'function') return undefined;
  const next = typeof buffer === 'function' ? (buffer as () => unknown) : () => buffer;
  let current: Uint8Array | undefined;
  return {
    buffer: () => {
      if (current !== undefined) return current;
      const given = next.call(undefined);
      if (!isUint8Array(given)) throw invalidArgType('options.onread.buffer', 'an instance of Buffer or Uint8Array', given);
      // An empty buffer has no room for a read (reading into it would look like the end of the
      // data): ENOBUFS, as node reports it.
      if (given.length === 0) throw netSystemError('read', 'ENOBUFS');
      current = given;
      return given;
    },
    deliver: (bytes, filled) => {
      // A function is asked for a fresh buffer before the next read: this one is the user's now.
      if (typeof buffer === 'function') current = undefined;
      if ((callback as (bytes: number, buffer: Uint8Array) => unknown).call(socket, bytes, filled) === false) socket.pause();
    },
  };
}

function streamOptionsOf(options: SocketOptions): SourceDuplexOptions {
  const record = options as Record<string, unknown>;
  for (const key of OBJECT_MODE_OPTIONS) {
    if (record[key] !== undefined && record[key] !== false && record[key] !== null && record[key] !== 0) throw invalidArgValue(`options.${key}`, record[key], 'is not supported');
  }
  if (options.keepAliveInitialDelay !== undefined) validateNumber(options.keepAliveInitialDelay, 'options.keepAliveInitialDelay');
  // The signal is the socket's (addAbortSignal below), not the Duplex's; onread is the socket's too.
  const { signal: _signal, onread: _onread, ...streamOptions } = options;
  return streamOptions;
}

/** Whole seconds, as keep-alive delays are applied; negative and NaN are 0. */
function keepAliveSeconds(ms: unknown): number {
  const seconds = Math.trunc(Number(ms) / 1000);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
}

const READ_CALLS = new Set(['recv', 'WSARecv', 'ReadFile']);
const WRITE_CALLS = new Set(['send', 'WSASend', 'WriteFile']);

/** A failed read or write as net names it: "read ECONNRESET", "write EPIPE". */
function transferError(error: Error): Error {
  if (!(error instanceof SystemError)) return error;
  const syscall = READ_CALLS.has(error.syscall) ? 'read' : WRITE_CALLS.has(error.syscall) ? 'write' : undefined;
  return syscall === undefined ? error : netSystemError(syscall, error.code, undefined, undefined, error.errno);
}

// node's own Socket, taken before anything (the conformance preload) replaces net.Socket.
const NodeSocket = nodeNet.Socket;
const nodeSockets = new WeakSet<object>();

function wrapsNodeHandle(options: unknown): boolean {
  if (typeof options !== 'object' || options === null) return typeof options === 'number';
  const { fd, handle } = options as { fd?: unknown; handle?: unknown };
  return (fd !== undefined && fd !== null) || (handle !== undefined && handle !== null);
}

interface ConnectTarget {
  address: string;
  port: number;
  local: { address?: string; port?: number } | undefined;
}

/** One happy-eyeballs attempt: a connecting stream watched outside the socket's channel. */
interface Attempt {
  stream: TcpStream;
  token: Token;
  timer: NodeJS.Timeout | undefined;
}

/** A drop-in for `net.Socket` over mio-ts TCP (or a named pipe after connect(path)). */
export class Socket extends TcpSocket {
  /** With autoSelectFamily, the `address:port` of every address tried, in order. */
  autoSelectFamilyAttemptedAddresses: string[] | undefined;
  #connectPending = false;
  #hadError = false;
  #closeEmitted = false;
  #target: ConnectTarget | undefined;
  #attempt: Attempt | undefined;
  #pipe: NamedPipe | undefined;
  #peer: SocketAddress | undefined;
  #local: SocketAddress | undefined;
  #noDelay = false;
  #keepAlive = false;
  #keepAliveDelaySeconds = 0;
  #refd = true;
  readonly #attemptHold = this.driver.hold();
  #peerEnded = false;
  readonly #idle = new IdleTimer(() => this.emit('timeout'));
  readonly #pipeEof = new IdleTimer(() => this.endReadable());

  constructor(options: SocketOptions = {}, stream?: TcpStream) {
    // A file descriptor or a libuv handle (node's own stdio sockets among them) is node:net's
    // business: such a socket is node's, and still answers `instanceof Socket`.
    if (wrapsNodeHandle(options)) {
      const nodeSocket = new NodeSocket(options);
      nodeSockets.add(nodeSocket);
      return nodeSocket as unknown as Socket;
    }
    super(stream, streamOptionsOf(options));
    this.#noDelay = Boolean(options.noDelay);
    this.#keepAlive = Boolean(options.keepAlive);
    this.#keepAliveDelaySeconds = keepAliveSeconds(options.keepAliveInitialDelay);
    this.on('close', () => {
      this.#closeEmitted = true;
      this.#idle.clear();
      this.#pipeEof.clear();
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
    const start = this.#planTcp(options);
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
    this.#pipeEof.set(0);
  }

  /** Checks the TCP options in node's order; returns what starts the connection. */
  #planTcp(options: SocketConnectOptions): () => void {
    const { localAddress, localPort, lookup, hints } = options;
    const host: unknown = options.host || 'localhost';
    validateString(host, 'options.host');
    if (localAddress !== undefined && localAddress !== null && (localAddress as unknown) !== '' && isIP(localAddress) === 0) throw invalidIpAddress(localAddress);
    if (localPort !== undefined && localPort !== null && (localPort as unknown) !== 0 && (localPort as unknown) !== '') validateNumber(localPort, 'options.localPort');
    let port = 0;
    if (options.port !== undefined) {
      if (typeof options.port !== 'number' && typeof options.port !== 'string') throw invalidArgType('options.port', 'of type number or string', options.port);
      port = validatePort(options.port);
    }
    let autoSelectFamily = getDefaultAutoSelectFamily();
    if (options.autoSelectFamily !== undefined && options.autoSelectFamily !== null) {
      validateBoolean(options.autoSelectFamily, 'options.autoSelectFamily');
      autoSelectFamily = options.autoSelectFamily;
    }
    let attemptTimeout = getDefaultAutoSelectFamilyAttemptTimeout();
    if (options.autoSelectFamilyAttemptTimeout !== undefined && options.autoSelectFamilyAttemptTimeout !== null) {
      validateInteger(options.autoSelectFamilyAttemptTimeout, 'options.autoSelectFamilyAttemptTimeout', 1);
      attemptTimeout = Math.max(options.autoSelectFamilyAttemptTimeout, 10);
    }
    const local = localAddress || localPort ? { ...(localAddress ? { address: localAddress } : {}), ...(localPort ? { port: localPort } : {}) } : undefined;
    if (isIP(host) !== 0) {
      // An address already: no lookup, and no 'lookup' event.
      return () =>
        process.nextTick(() => {
          if (this.#connectPending && !this.destroyed) this.#connectTo({ address: host, port, local });
        });
    }
    if (lookup !== undefined && lookup !== null) validateFunction(lookup, 'options.lookup');
    const resolve: LookupFunction = lookup ?? (dnsLookup as unknown as LookupFunction);
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const dnsOptions: { family?: number | string | undefined; hints: number; all?: boolean } = { family, hints: hints || 0 };
    if (family !== 4 && family !== 6 && !localAddress && autoSelectFamily) {
      dnsOptions.all = true;
      return () =>
        resolve(host, dnsOptions, (error, addresses) => {
          this.#onLookupAll(error, addresses, { host, port, local, attemptTimeout, options });
        });
    }
    return () =>
      resolve(host, dnsOptions, (error, address, addressFamily) => {
        this.emit('lookup', error, address, addressFamily, host);
        if (!this.#connectPending || this.destroyed) return;
        if (error) process.nextTick(() => this.destroy(error));
        else if (typeof address !== 'string' || isIP(address) === 0) process.nextTick(() => this.destroy(invalidIpAddress(address)));
        else if (addressFamily !== 4 && addressFamily !== 6) process.nextTick(() => this.destroy(invalidAddressFamily(addressFamily, options.host, options.port)));
        else this.#connectTo({ address, port, local });
      });
  }

  #onLookupAll(
    error: NodeJS.ErrnoException | null,
    addresses: string | LookupAddress[] | undefined,
    context: { host: string; port: number; local: ConnectTarget['local']; attemptTimeout: number; options: SocketConnectOptions },
  ): void {
    const { host, port, local, attemptTimeout, options } = context;
    if (!this.#connectPending || this.destroyed) return;
    if (error) {
      this.emit('lookup', error, undefined, undefined, host);
      process.nextTick(() => this.destroy(error));
      return;
    }
    const list = Array.isArray(addresses) ? addresses : [];
    // Two queues, the family of the first usable address first; tried alternately.
    const queues: [string[], string[]] = [[], []];
    let firstFamily: number | undefined;
    for (const { address, family } of list) {
      this.emit('lookup', null, address, family, host);
      if (!this.#connectPending || this.destroyed) return;
      if (isIP(address) === 0 || (family !== 4 && family !== 6)) continue;
      firstFamily ??= family;
      queues[family === firstFamily ? 0 : 1].push(address);
    }
    if (firstFamily === undefined) {
      const first = list[0];
      const failure =
        first === undefined || isIP(first.address) === 0 ? invalidIpAddress(first?.address) : invalidAddressFamily(first.family, options.host, options.port);
      process.nextTick(() => this.destroy(failure));
      return;
    }
    const inTurn: string[] = [];
    for (let i = 0; i < Math.max(queues[0].length, queues[1].length); i++) {
      for (const queue of queues) {
        const address = queue[i];
        if (address !== undefined) inTurn.push(address);
      }
    }
    const [only] = inTurn;
    if (inTurn.length === 1 && only !== undefined) {
      this.#connectTo({ address: only, port, local });
      return;
    }
    this.autoSelectFamilyAttemptedAddresses = [];
    this.#tryInTurn(inTurn, 0, port, local, attemptTimeout, []);
  }

  /** A stream connecting to `target`; port 0 fails as Winsock's connect() does. */
  #open(target: ConnectTarget): TcpStream {
    if (target.port === 0) throw netSystemError('connect', 'EADDRNOTAVAIL', target.address, 0);
    return TcpStream.connect({ host: target.address, port: target.port }, target.local);
  }

  /** Errors of a connection attempt in node's shape ("connect ECONNREFUSED 127.0.0.1:80"). */
  #netError(error: unknown, target: ConnectTarget | undefined): Error {
    if (!(error instanceof SystemError)) return error as Error;
    const address = error.address ?? target?.address ?? '';
    const port = error.port ?? target?.port;
    return netSystemError(error.syscall, error.code, address, port, error.errno);
  }

  #connectTo(target: ConnectTarget): void {
    this.#target = target;
    let stream: TcpStream;
    try {
      stream = this.#open(target);
    } catch (error) {
      this.destroy(this.#netError(error, target));
      return;
    }
    this.adopt(stream, true);
  }

  /**
   * Happy eyeballs as node's autoSelectFamily: each address in turn, the next one when an
   * attempt fails or has not connected within `timeoutMs` (the last one has no time limit).
   * All failed: an AggregateError of every failure, its code the first one's.
   */
  #tryInTurn(addresses: readonly string[], index: number, port: number, local: ConnectTarget['local'], timeoutMs: number, errors: Error[]): void {
    if (!this.#connectPending || this.destroyed) return;
    const address = addresses[index];
    if (address === undefined) {
      const failure = Object.assign(new AggregateError(errors), { code: (errors[0] as { code?: string } | undefined)?.code });
      this.destroy(failure);
      return;
    }
    const target: ConnectTarget = { address, port, local };
    this.#target = target;
    this.autoSelectFamilyAttemptedAddresses?.push(`${address}:${port}`);
    const next = (error: Error): void => {
      errors.push(error);
      this.#tryInTurn(addresses, index + 1, port, local, timeoutMs, errors);
    };
    let stream: TcpStream;
    try {
      stream = this.#open(target);
    } catch (error) {
      next(this.#netError(error, target));
      return;
    }
    const token = this.driver.add(stream, Interest.WRITABLE, (readiness) => {
      if ((readiness & CONNECT_DONE) === 0 || this.#attempt?.stream !== stream) return;
      const failure = stream.takeError();
      this.#endAttempt(failure !== undefined);
      if (failure !== undefined) next(this.#netError(failure, target));
      // Connected: the socket takes the stream over; its registration reports WRITABLE at once.
      else this.adopt(stream, true);
    });
    const timer =
      index < addresses.length - 1
        ? setTimeout(() => {
            this.#endAttempt(true);
            next(netSystemError('connect', 'ETIMEDOUT', address, port));
          }, timeoutMs)
        : undefined;
    timer?.unref();
    this.#attempt = { stream, token, timer };
    this.#updateAttemptHold();
  }

  #endAttempt(closeStream: boolean): void {
    const attempt = this.#attempt;
    if (attempt === undefined) return;
    this.#attempt = undefined;
    clearTimeout(attempt.timer);
    try {
      this.driver.remove(attempt.stream, attempt.token);
    } catch {
      // The Poll closed: the stream is closed below or adopted anyway.
    }
    if (closeStream) attempt.stream.close();
    this.#updateAttemptHold();
  }

  #updateAttemptHold(): void {
    this.#attemptHold.set(this.#refd && this.#attempt !== undefined);
  }

  #connectPipe(path: string): void {
    const name = path.startsWith('\\\\?\\pipe\\') ? `\\\\.\\pipe\\${path.slice(9)}` : path;
    const stopped = (): boolean => this.destroyed || !this.#connectPending;
    process.nextTick(() => {
      if (stopped()) return;
      openPipeClient(name, {}, stopped, (error, pipe) => {
        if (pipe === undefined) {
          // A path that cannot name a pipe names no pipe: ENOENT, as Windows says for it.
          const failure = error instanceof InvalidArgumentError ? netSystemError('connect', 'ENOENT', path) : this.#netError(error, { address: path, port: 0, local: undefined });
          this.destroy(failure);
          return;
        }
        this.#pipe = pipe;
        this.attach(new PipeChannel(pipe, () => this.#pipeEof.set(PIPE_EOF_QUIET_MS)), true);
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
    if (this.#noDelay) stream.setNoDelay(true);
    if (this.#keepAlive) stream.setKeepAlive(true, this.#keepAliveDelaySeconds > 0 ? this.#keepAliveDelaySeconds * 1000 : undefined);
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
    this.#endAttempt(true);
    let shaped = error;
    if (error !== null) shaped = wasConnecting ? this.#netError(error, this.#target) : transferError(error);
    super._destroy(shaped, callback);
  }

  /** net's 'close' says whether an error closed the socket. */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'close' && args.length === 0) return super.emit('close', this.#hadError);
    return super.emit(event, ...args);
  }

  protected override onActivity(): void {
    this.#idle.touch();
    if (this.#pipe !== undefined) this.#pipeEof.touch();
  }

  override ref(): this {
    this.#refd = true;
    this.#updateAttemptHold();
    return super.ref();
  }

  override unref(): this {
    this.#refd = false;
    this.#updateAttemptHold();
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
    const noDelay = enable === undefined ? true : Boolean(enable);
    const stream = this.#liveTcpStream();
    if (stream === undefined) {
      if (this.#pipe === undefined) this.#noDelay = noDelay;
      return this;
    }
    if (noDelay !== this.#noDelay) {
      this.#noDelay = noDelay;
      stream.setNoDelay(noDelay);
    }
    return this;
  }

  /** Remembered before the connection and applied once it is up; the delay counts in seconds. */
  setKeepAlive(enable?: unknown, initialDelayMs?: number): this {
    const keepAlive = Boolean(enable);
    const delaySeconds = keepAliveSeconds(initialDelayMs ?? 0);
    const stream = this.#liveTcpStream();
    if (stream === undefined) {
      if (this.#pipe === undefined) {
        this.#keepAlive = keepAlive;
        this.#keepAliveDelaySeconds = delaySeconds;
      }
      return this;
    }
    if (keepAlive !== this.#keepAlive || (keepAlive && delaySeconds !== this.#keepAliveDelaySeconds)) {
      this.#keepAlive = keepAlive;
      this.#keepAliveDelaySeconds = delaySeconds;
      stream.setKeepAlive(keepAlive, delaySeconds > 0 ? delaySeconds * 1000 : undefined);
    }
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
