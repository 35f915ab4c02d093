// A named-pipe server for many clients. A few instances wait at once (as libuv keeps several
// pending), so clients arriving together find one free; each client that connects is handed
// out as a PipeSocket and a fresh instance takes its place.
import { EventEmitter } from 'node:events';
import type { NamedPipeOptions } from '../net/named-pipe.js';
import { PipeSocket } from './pipe-socket.js';
import type { SourceDuplexOptions } from './source-duplex.js';

export type PipeListenerOptions = SourceDuplexOptions & Omit<NamedPipeOptions, 'firstInstance'> & { pendingInstances?: number };

const DEFAULT_PENDING_INSTANCES = 4;

export class PipeListener extends EventEmitter {
  readonly path: string;
  readonly #options: SourceDuplexOptions & Omit<NamedPipeOptions, 'firstInstance'>;
  readonly #waiting = new Set<PipeSocket>();
  #refd = true;
  #closed = false;

  /** Listens on `path`; the first instance claims the name (nobody can squat it). */
  constructor(path: string, options: PipeListenerOptions = {}, onConnection?: (socket: PipeSocket) => void) {
    super();
    const { pendingInstances, ...instanceOptions } = options;
    this.path = path;
    this.#options = instanceOptions;
    if (onConnection !== undefined) this.on('connection', onConnection);
    // The first instance throws (EADDRINUSE...) to the caller; the others are best effort.
    this.#waiting.add(this.#instance(true));
    for (let i = 1; i < (pendingInstances ?? DEFAULT_PENDING_INSTANCES); i++) this.#replenish();
  }

  ref(): this {
    this.#refd = true;
    for (const socket of this.#waiting) socket.ref();
    return this;
  }

  unref(): this {
    this.#refd = false;
    for (const socket of this.#waiting) socket.unref();
    return this;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const socket of this.#waiting) socket.destroy();
    this.#waiting.clear();
    process.nextTick(() => this.emit('close'));
  }

  #replenish(): void {
    if (this.#closed) return;
    try {
      this.#waiting.add(this.#instance(false));
    } catch (error) {
      if (this.listenerCount('error') > 0) this.emit('error', error);
    }
  }

  #instance(first: boolean): PipeSocket {
    const socket = PipeSocket.serve(this.path, { ...this.#options, firstInstance: first });
    if (!this.#refd) socket.unref();
    const onError = (error: Error): void => {
      this.#waiting.delete(socket);
      if (this.#closed) return;
      if (this.listenerCount('error') > 0) this.emit('error', error);
      this.#replenish();
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      this.#waiting.delete(socket);
      if (this.#closed) {
        socket.destroy();
        return;
      }
      // Handed-out connections keep the process alive on their own, like net's.
      socket.ref();
      try {
        this.emit('connection', socket);
      } finally {
        this.#replenish();
      }
    });
    return socket;
  }
}
