// A named-pipe server for many clients: one instance waits at a time; each client that
// connects is handed out as a PipeSocket and a fresh instance takes its place.
import { EventEmitter } from 'node:events';
import type { NamedPipeOptions } from '../net/named-pipe.js';
import { PipeSocket } from './pipe-socket.js';
import type { SourceDuplexOptions } from './source-duplex.js';

export type PipeListenerOptions = SourceDuplexOptions & Omit<NamedPipeOptions, 'firstInstance'>;

export class PipeListener extends EventEmitter {
  readonly path: string;
  readonly #options: PipeListenerOptions;
  #waiting: PipeSocket | undefined;
  #closed = false;

  /** Listens on `path`; the first instance claims the name (nobody can squat it). */
  constructor(path: string, options: PipeListenerOptions = {}, onConnection?: (socket: PipeSocket) => void) {
    super();
    this.path = path;
    this.#options = options;
    if (onConnection !== undefined) this.on('connection', onConnection);
    this.#waiting = this.#instance(true);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#waiting?.destroy();
    this.#waiting = undefined;
    process.nextTick(() => this.emit('close'));
  }

  #instance(first: boolean): PipeSocket {
    const socket = PipeSocket.serve(this.path, { ...this.#options, firstInstance: first });
    const onError = (error: Error): void => {
      if (this.#closed) return;
      this.emit('error', error);
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      if (this.#closed) {
        socket.destroy();
        return;
      }
      try {
        this.#waiting = this.#instance(false);
      } catch (error) {
        this.#waiting = undefined;
        this.emit('error', error);
      }
      this.emit('connection', socket);
    });
    return socket;
  }
}
