// The node:net Server of the drop-in: listens with a TcpListener driven by the event-loop
// driver (or a PipeListener for a named pipe), and emits each accepted connection as a drop-in
// Socket. Arguments, errors and event order follow https://nodejs.org/api/net.html (net.Server).
import { lookup } from 'node:dns';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { SystemError } from '../core/errors.js';
import { Interest } from '../core/interest.js';
import { nextTurn } from '../core/next-turn.js';
import { WOULD_BLOCK } from '../core/would-block.js';
import type { SocketAddress } from '../net/address.js';
import { TcpListener } from '../net/tcp-listener.js';
import type { TcpStream } from '../net/tcp-stream.js';
import { Driver, type DriverHold } from '../streams/driver.js';
import type { DriverRegistration } from '../streams/driver-registration.js';
import { PipeListener } from '../streams/pipe-listener.js';
import type { PipeSocket } from '../streams/pipe-socket.js';
import { callableClass } from './callable-class.js';
import { invalidArgType, serverAlreadyListening, serverNotRunning } from './net-errors.js';
import { Socket, type SocketOptions } from './net-socket.js';
import { listenError, parseListenArgs, type ListenTarget } from './net-server-listen.js';

export interface ServerOptions extends SocketOptions {
  /** Accepted sockets start paused (net's pauseOnConnect). */
  pauseOnConnect?: boolean;
}

export type { ListenOptions } from './net-server-listen.js';

export type ConnectionListener = (socket: Socket) => void;

/** What 'drop' reports about a connection refused for maxConnections, as net's. */
export interface DroppedConnection {
  localAddress?: string;
  localPort?: number;
  localFamily?: string;
  remoteAddress?: string;
  remotePort?: number;
  remoteFamily?: string;
}

// Accepts per readiness event before yielding, so one busy listener cannot starve the rest.
const ACCEPTS_PER_EVENT = 64;
// Connections a `for await` loop may have accepted and not yet taken; past that the server stops
// accepting and the backlog waits in the kernel.
const ITERATOR_AHEAD = 1;

/** A drop-in for `net.Server` over mio-ts TCP and named pipes. */
class Server extends EventEmitter {
  /** Connections past this many are closed as they arrive ('drop'). */
  maxConnections: number | undefined;
  /** net's key of the listening address (`family:address:port`), kept for code that reads it. */
  _connectionKey: string | undefined;
  readonly #options: ServerOptions;
  readonly #driver: Driver;
  readonly #connections = new Set<Socket | PipeSocket>();
  #listener: TcpListener | undefined;
  #pipeListener: PipeListener | undefined;
  #registration: DriverRegistration | undefined;
  /** A listen() waiting for its host name to resolve. */
  #resolving = false;
  /** Removes the abort listener of the current listen({ signal }). */
  #forgetSignal: (() => void) | undefined;
  /** Bumped by every listen() and close(): late callbacks of an older one see it changed. */
  #generation = 0;
  #refd = true;
  readonly #hold: DriverHold;
  /** close() was called: 'close' follows once the listener and every connection are gone. */
  #closeRequested = false;
  /** Pull-driven accepting (a `for await` loop is behind): no accept() until it takes more. */
  #acceptPaused = false;

  constructor(options?: ServerOptions | ConnectionListener | null, connectionListener?: ConnectionListener) {
    super();
    if (typeof options === 'function') {
      connectionListener = options;
      options = {};
    } else if (options === undefined || options === null) {
      options = {};
    } else if (typeof options !== 'object') {
      throw invalidArgType('options', 'of type object', options);
    }
    this.#options = options;
    this.#driver = options.driver ?? Driver.shared();
    this.#hold = this.#driver.hold();
    if (connectionListener !== undefined) this.on('connection', connectionListener);
  }

  get listening(): boolean {
    return this.#listener !== undefined || this.#pipeListener !== undefined;
  }

  /**
   * `listen([port[, host[, backlog]]][, cb])`, `listen(path[, backlog][, cb])` or
   * `listen(options[, cb])`, as net.Server#listen. Bad arguments throw; bind failures are 'error'.
   */
  listen(...args: unknown[]): this {
    const callback = typeof args.at(-1) === 'function' ? (args.pop() as () => void) : undefined;
    const { target, signal } = parseListenArgs(args);
    if (this.listening || this.#resolving) throw serverAlreadyListening();
    if (callback !== undefined) this.once('listening', callback);
    const generation = ++this.#generation;
    if (signal !== undefined) {
      // Aborting closes this listen() only: not a later one after a close().
      const onAbort = (): void => {
        if (this.#generation === generation) this.close();
      };
      if (signal.aborted) process.nextTick(onAbort);
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        this.#forgetSignal = () => signal.removeEventListener('abort', onAbort);
      }
    }
    if (target.kind === 'pipe') {
      this.#listenPipe(target.path, generation);
      return this;
    }
    // Like net: no host means every address, IPv6 and IPv4; a name is resolved first.
    const host = target.host ?? '::';
    if (isIP(host) !== 0 || host === 'localhost') {
      this.#bindTcp(host, target, generation);
      return this;
    }
    this.#resolving = true;
    lookup(host, (error, address) => {
      if (this.#generation !== generation) return;
      this.#resolving = false;
      if (error !== null) this.emit('error', error);
      else this.#bindTcp(address, target, generation);
    });
    return this;
  }

  #bindTcp(host: string, target: ListenTarget & { kind: 'tcp' }, generation: number): void {
    const options = { ...(target.backlog !== undefined ? { backlog: target.backlog } : {}), ipv6Only: target.ipv6Only };
    let listener: TcpListener;
    try {
      try {
        listener = TcpListener.bind({ host, port: target.port }, options);
      } catch (error) {
        // A host without IPv6: the default address falls back to every IPv4 one, as net's.
        if (target.host !== undefined || (error as { code?: string }).code !== 'EAFNOSUPPORT') throw error;
        host = '0.0.0.0';
        listener = TcpListener.bind({ host, port: target.port }, options);
      }
    } catch (error) {
      const failure = listenError(error, host, target.port);
      process.nextTick(() => this.emit('error', failure));
      return;
    }
    try {
      this.#registration = this.#driver.register(
        listener,
        Interest.READABLE,
        () => this.#acceptSome(),
        // The driver can wait no more: nothing will be accepted, so report it and close.
        (error) => {
          this.emit('error', error);
          this.close();
        },
      );
    } catch (error) {
      listener.close();
      process.nextTick(() => this.emit('error', error));
      return;
    }
    this.#listener = listener;
    const local = listener.localAddr();
    this._connectionKey = `${local.family === 'IPv6' ? 6 : 4}:${local.address}:${target.port}`;
    this.#updateRetain();
    this.#emitListening(generation);
  }

  #listenPipe(path: string, generation: number): void {
    let pipeListener: PipeListener;
    try {
      pipeListener = new PipeListener(path, { ...this.#options, driver: this.#driver }, (socket) => this.#track(socket));
    } catch (error) {
      const failure = listenError(error, path);
      if (typeof failure === 'object' && failure !== null && !(failure instanceof SystemError)) Object.assign(failure, { address: path });
      process.nextTick(() => this.emit('error', failure));
      return;
    }
    pipeListener.on('error', (error: Error) => this.emit('error', error));
    if (!this.#refd) pipeListener.unref();
    this.#pipeListener = pipeListener;
    this._connectionKey = `-1:${path}:-1`;
    this.#updateRetain();
    this.#emitListening(generation);
  }

  /** 'listening' comes on the next tick, and not at all if close() came first. */
  #emitListening(generation: number): void {
    process.nextTick(() => {
      if (this.#generation === generation && this.listening) this.emit('listening');
    });
  }

  address(): { address: string; family: string; port: number } | string | null {
    if (this.#pipeListener !== undefined) return this.#pipeListener.path;
    if (this.#listener === undefined) return null;
    const local = this.#listener.localAddr();
    return { address: local.address, family: local.family, port: local.port };
  }

  getConnections(callback: (error: Error | null, count: number) => void): this {
    const count = this.#connections.size;
    process.nextTick(() => callback(null, count));
    return this;
  }

  /**
   * Stops accepting; 'close' follows once every connection has closed. The callback gets
   * ERR_SERVER_NOT_RUNNING when the server was not listening (it is still called on 'close').
   */
  close(callback?: (error?: Error) => void): this {
    if (typeof callback === 'function') {
      if (this.listening) this.once('close', () => callback());
      else this.once('close', () => callback(serverNotRunning()));
    }
    this.#generation++;
    this.#resolving = false;
    this.#forgetSignal?.();
    this.#forgetSignal = undefined;
    if (this.#pipeListener !== undefined) {
      this.#pipeListener.close();
      this.#pipeListener = undefined;
    }
    if (this.#listener !== undefined) {
      this.#registration?.close();
      this.#registration = undefined;
      this.#listener.close();
      this.#listener = undefined;
    }
    this.#closeRequested = true;
    this.#updateRetain();
    this.#maybeClosed();
    return this;
  }

  /** `await using server = ...`: closes a listening server and settles once it has closed, as net's. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.listening) return;
    await new Promise<void>((resolve, reject) => this.close((error) => (error === undefined ? resolve() : reject(error))));
  }

  ref(): this {
    this.#refd = true;
    this.#pipeListener?.ref();
    this.#updateRetain();
    return this;
  }

  unref(): this {
    this.#refd = false;
    this.#pipeListener?.unref();
    this.#updateRetain();
    return this;
  }

  /** With events.captureRejections: a rejected 'connection' listener destroys that connection. */
  override [EventEmitter.captureRejectionSymbol](error: Error, event: string | symbol, ...args: unknown[]): void {
    const [socket] = args;
    if (event === 'connection' && socket instanceof EventEmitter && 'destroy' in socket && typeof socket.destroy === 'function') {
      (socket as Socket).destroy(error);
      return;
    }
    this.emit('error', error);
  }

  /**
   * `for await (const socket of server)`: connections until the server closes, accepted only as
   * the loop takes them (named-pipe servers accept ahead: a pipe instance is always waiting).
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<Socket> {
    const queue: Socket[] = [];
    let wake: (() => void) | undefined;
    let closed = false;
    const onConnection = (socket: Socket): void => {
      queue.push(socket);
      if (queue.length >= ITERATOR_AHEAD) this.#acceptPaused = true;
      wake?.();
    };
    const onClose = (): void => {
      closed = true;
      wake?.();
    };
    this.on('connection', onConnection);
    this.once('close', onClose);
    try {
      for (;;) {
        const next = queue.shift();
        if (next !== undefined) {
          if (queue.length < ITERATOR_AHEAD) this.#resumeAccepting();
          yield next;
          continue;
        }
        if (closed) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      this.off('connection', onConnection);
      this.off('close', onClose);
      // Accepted for a loop that is gone: nobody will ever serve them.
      for (const socket of queue.splice(0)) socket.destroy();
      this.#resumeAccepting();
    }
  }

  #resumeAccepting(): void {
    if (!this.#acceptPaused) return;
    this.#acceptPaused = false;
    // No WouldBlock was seen while paused, so READABLE is not armed: accept now.
    const listener = this.#listener;
    nextTurn(() => this.#acceptSome(listener));
  }

  #track(socket: Socket | PipeSocket): void {
    if (this.maxConnections !== undefined && this.#connections.size >= this.maxConnections) {
      socket.destroy();
      this.emit('drop', {} satisfies DroppedConnection);
      return;
    }
    if (this.#options.pauseOnConnect === true) socket.pause();
    // net's accepted sockets know their server.
    Object.assign(socket, { server: this, _server: this });
    this.#connections.add(socket);
    socket.once('close', () => {
      this.#connections.delete(socket);
      this.#maybeClosed();
    });
    try {
      this.emit('connection', socket);
    } catch (error) {
      // A throwing listener is the user's uncaught exception; accepting goes on.
      process.nextTick(() => {
        throw error;
      });
    }
  }

  /** Closes a connection refused for maxConnections, and tells 'drop' listeners about it. */
  #drop(stream: TcpStream, peer: SocketAddress): void {
    let local: SocketAddress | undefined;
    try {
      local = stream.localAddr();
    } catch {
      // Reset already: the peer's side is all there is to report.
    }
    stream.close();
    const dropped: DroppedConnection = { remoteAddress: peer.address, remotePort: peer.port, remoteFamily: peer.family };
    if (local !== undefined) Object.assign(dropped, { localAddress: local.address, localPort: local.port, localFamily: local.family });
    this.emit('drop', dropped);
  }

  /** Accepts what is waiting on `listener`, unless the server has moved on from it. */
  #acceptSome(listener = this.#listener): void {
    for (let i = 0; i < ACCEPTS_PER_EVENT; i++) {
      // close() (or close() and listen() again) from a 'connection' listener ends this listener.
      if (listener === undefined || listener !== this.#listener) return;
      // Stopping short of WouldBlock leaves READABLE unarmed: the kernel holds the backlog.
      if (this.#acceptPaused) return;
      let accepted;
      try {
        accepted = listener.accept();
      } catch (error) {
        // A peer that gave up before we accepted is not the server's problem.
        const code = (error as { code?: string }).code;
        if (code === 'ECONNRESET' || code === 'ECONNABORTED') continue;
        // Anything else (EMFILE...): report, and try again shortly rather than go deaf.
        this.emit('error', error);
        setTimeout(() => this.#acceptSome(listener), 100).unref();
        return;
      }
      if (accepted === WOULD_BLOCK) return;
      const [stream, peer] = accepted;
      if (this.maxConnections !== undefined && this.#connections.size >= this.maxConnections) {
        this.#drop(stream, peer);
        continue;
      }
      this.#track(new Socket({ ...this.#options, driver: this.#driver }, stream));
    }
    // Still more to accept: go on after others had their turn (no WouldBlock, so no re-arm).
    nextTurn(() => this.#acceptSome(listener));
  }

  #maybeClosed(): void {
    if (this.#closeRequested && !this.listening && this.#connections.size === 0) {
      this.#closeRequested = false;
      process.nextTick(() => this.emit('close'));
    }
  }

  #updateRetain(): void {
    this.#hold.set(this.#refd && this.listening);
  }
}

/** `net.Server`: a class, also callable without `new` as node's. */
const CallableServer = callableClass(Server);
type CallableServer = Server;
export { CallableServer as Server };
