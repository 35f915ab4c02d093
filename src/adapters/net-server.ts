// The node:net Server of the drop-in: listens with a TcpListener driven by the event-loop
// driver, and emits each accepted connection as a drop-in Socket.
import { lookup } from 'node:dns';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { InvalidArgumentError } from '../core/errors.js';
import { Interest } from '../core/interest.js';
import type { Token } from '../core/token.js';
import { WOULD_BLOCK } from '../core/would-block.js';
import { TcpListener } from '../net/tcp-listener.js';
import { Driver, type DriverHold } from '../streams/driver.js';
import { PipeListener } from '../streams/pipe-listener.js';
import type { PipeSocket } from '../streams/pipe-socket.js';
import { Socket, type SocketOptions } from './net-socket.js';

export interface ServerOptions extends SocketOptions {
  /** Accepted sockets start paused (net's pauseOnConnect). */
  pauseOnConnect?: boolean;
}

export interface ListenOptions {
  /** A named pipe (`\\\\.\\pipe\\name`) instead of a TCP port. */
  path?: string;
  port?: number;
  host?: string;
  backlog?: number;
  ipv6Only?: boolean;
}

// Accepts per readiness event before yielding, so one busy listener cannot starve the rest.
const ACCEPTS_PER_EVENT = 64;
// Connections a `for await` loop may have accepted and not yet taken; past that the server stops
// accepting and the backlog waits in the kernel.
const ITERATOR_AHEAD = 1;

/** A drop-in for `net.Server` over mio-ts TCP. */
export class Server extends EventEmitter {
  maxConnections: number | undefined;
  readonly #options: ServerOptions;
  readonly #driver: Driver;
  readonly #connections = new Set<Socket | PipeSocket>();
  #listener: TcpListener | undefined;
  #pipeListener: PipeListener | undefined;
  #token: Token | undefined;
  #refd = true;
  readonly #hold: DriverHold;
  #closing = false;
  /** Pull-driven accepting (a `for await` loop is behind): no accept() until it takes more. */
  #acceptPaused = false;

  constructor(options: ServerOptions = {}, connectionListener?: (socket: Socket) => void) {
    super();
    this.#options = options;
    this.#driver = options.driver ?? Driver.shared();
    this.#hold = this.#driver.hold();
    if (connectionListener !== undefined) this.on('connection', connectionListener);
  }

  get listening(): boolean {
    return this.#listener !== undefined || this.#pipeListener !== undefined;
  }

  /** `listen(port[, host][, backlog][, cb])` or `listen({ port, host, backlog }[, cb])`. */
  listen(...args: unknown[]): this {
    const callback = typeof args[args.length - 1] === 'function' ? (args.pop() as () => void) : undefined;
    const options: ListenOptions = typeof args[0] === 'object' && args[0] !== null ? (args[0]) : {};
    if (typeof args[0] === 'string' && args[0].startsWith('\\\\')) options.path = args[0];
    else if (typeof args[0] === 'number' || typeof args[0] === 'string') options.port = Number(args[0]);
    if (typeof args[1] === 'string') options.host = args[1];
    if (typeof args[1] === 'number') options.backlog = args[1];
    if (typeof args[2] === 'number') options.backlog = args[2];
    if (options.path !== undefined) return this.#listenPipe(options.path, callback);
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`port must be an integer from 0 to 65535, got ${String(options.port)}`);
    if (this.#listener !== undefined) throw new InvalidArgumentError('the server is already listening');
    if (callback !== undefined) this.once('listening', callback);
    this.#closing = false;
    // Like net: no host means every address, both IPv6 and IPv4; a name is resolved first.
    const host = options.host ?? '::';
    if (isIP(host) !== 0 || host === 'localhost') this.#bindTcp(host, port, options);
    else {
      lookup(host, (error, address) => {
        if (error !== null) this.emit('error', error);
        else this.#bindTcp(address, port, options);
      });
    }
    return this;
  }

  #bindTcp(host: string, port: number, options: ListenOptions): void {
    try {
      this.#listener = TcpListener.bind({ host, port }, { ...(options.backlog !== undefined ? { backlog: options.backlog } : {}), ...(options.ipv6Only !== undefined ? { ipv6Only: options.ipv6Only } : {}) });
      this.#token = this.#driver.add(this.#listener, Interest.READABLE, () => this.#acceptSome());
      this.#updateRetain();
    } catch (error) {
      this.#listener?.close();
      this.#listener = undefined;
      process.nextTick(() => this.emit('error', error));
      return;
    }
    process.nextTick(() => this.emit('listening'));
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

  /** Stops accepting; 'close' follows once every connection has closed. */
  close(callback?: (error?: Error) => void): this {
    if (this.#pipeListener !== undefined) {
      if (callback !== undefined) this.once('close', () => callback());
      this.#pipeListener.close();
      this.#pipeListener = undefined;
      this.#closing = true;
      this.#updateRetain();
      this.#maybeClosed();
      return this;
    }
    if (this.#listener === undefined) {
      if (callback !== undefined) process.nextTick(() => callback(Object.assign(new Error('Server is not running.'), { code: 'ERR_SERVER_NOT_RUNNING' })));
      return this;
    }
    if (callback !== undefined) this.once('close', () => callback());
    if (this.#token !== undefined) this.#driver.remove(this.#listener, this.#token);
    this.#listener.close();
    this.#listener = undefined;
    this.#token = undefined;
    this.#closing = true;
    this.#updateRetain();
    this.#maybeClosed();
    return this;
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
    setImmediate(() => this.#acceptSome());
  }

  #listenPipe(path: string, callback: (() => void) | undefined): this {
    if (this.listening) throw new InvalidArgumentError('the server is already listening');
    if (callback !== undefined) this.once('listening', callback);
    this.#closing = false;
    try {
      this.#pipeListener = new PipeListener(path, { ...this.#options, driver: this.#driver }, (socket) => this.#track(socket));
      this.#pipeListener.on('error', (error: Error) => this.emit('error', error));
      if (!this.#refd) this.#pipeListener.unref();
      this.#updateRetain();
    } catch (error) {
      process.nextTick(() => this.emit('error', error));
      return this;
    }
    process.nextTick(() => this.emit('listening'));
    return this;
  }

  #track(socket: Socket | PipeSocket): void {
    if (this.maxConnections !== undefined && this.#connections.size >= this.maxConnections) {
      socket.destroy();
      this.emit('drop', {});
      return;
    }
    if (this.#options.pauseOnConnect === true) socket.pause();
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

  #acceptSome(): void {
    const listener = this.#listener;
    if (listener === undefined) return;
    for (let i = 0; i < ACCEPTS_PER_EVENT; i++) {
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
        setTimeout(() => this.#acceptSome(), 100).unref();
        return;
      }
      if (accepted === WOULD_BLOCK) return;
      const [stream] = accepted;
      if (this.maxConnections !== undefined && this.#connections.size >= this.maxConnections) {
        stream.close();
        this.emit('drop', { remoteAddress: accepted[1].address, remotePort: accepted[1].port });
        continue;
      }
      this.#track(new Socket({ ...this.#options, driver: this.#driver }, stream));
    }
    // Still more to accept: go on after others had their turn (no WouldBlock, so no re-arm).
    setImmediate(() => this.#acceptSome());
  }

  #maybeClosed(): void {
    if (this.#closing && this.#connections.size === 0) {
      this.#closing = false;
      process.nextTick(() => this.emit('close'));
    }
  }

  #updateRetain(): void {
    this.#hold.set(this.#refd && this.listening);
  }
}
