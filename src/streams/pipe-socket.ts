// NamedPipe as a Node Duplex. Pipes have no half-close: end() flushes the write in flight and
// finishes, and the pipe closes with the stream.
import { SourceWrapper } from '../poll/source-wrapper.js';
import { WOULD_BLOCK, type WouldBlock } from '../core/would-block.js';
import { NamedPipe, type NamedPipeOptions } from '../net/named-pipe.js';
import { IdleTimer } from './idle-timer.js';
import { SourceDuplex, type ByteChannel, type SourceDuplexOptions } from './source-duplex.js';

/**
 * After end(), a pipe closes once its peer has been quiet this long: closing is the only way a
 * pipe's peer learns that we are done. libuv waits 50 ms; a peer answering from an event loop
 * under load (the accept of a server in the same busy process) can take longer, so we wait more.
 */
export const PIPE_EOF_QUIET_MS = 250;

/**
 * Adapts a NamedPipe to the channel contract SourceDuplex drives. A pipe cannot close one
 * direction: after shutdownWrite() the channel calls `peerQuiet` once the peer has sent nothing
 * for PIPE_EOF_QUIET_MS, and the stream ends (and closes the whole pipe).
 */
export class PipeChannel extends SourceWrapper implements ByteChannel {
  readonly #quiet: IdleTimer;

  constructor(
    readonly pipe: NamedPipe,
    peerQuiet: () => void = () => undefined,
  ) {
    super(pipe);
    this.#quiet = new IdleTimer(peerQuiet);
  }
  read(buffer: Uint8Array): number | WouldBlock {
    const n = this.pipe.read(buffer);
    if (n !== WOULD_BLOCK && n > 0) this.#quiet.touch();
    return n;
  }
  write(buffer: Uint8Array): number | WouldBlock {
    return this.pipe.write(buffer);
  }
  shutdownWrite(): void {
    const failed = this.pipe.closed ? undefined : this.pipe.takeWriteError();
    if (failed !== undefined) throw failed;
    this.#quiet.set(PIPE_EOF_QUIET_MS);
  }
  writeInFlight(): boolean {
    return this.pipe.writeInFlight();
  }
  takeError(): Error | undefined {
    return this.pipe.closed ? undefined : this.pipe.takeError();
  }
  close(): void {
    this.#quiet.clear();
    this.pipe.close();
  }
}

/**
 * Opens the client end of the pipe `path`. While every instance of the server is busy (EBUSY) it
 * keeps trying, as libuv does, for up to `connectTimeoutMs` (default 30 s), unless `cancelled()`
 * says the caller gave up; `done` gets the open pipe or the error.
 */
export function openPipeClient(
  path: string,
  options: Pick<NamedPipeOptions, 'mode' | 'bufferSize'> & { connectTimeoutMs?: number },
  cancelled: () => boolean,
  done: (error: Error | undefined, pipe?: NamedPipe) => void,
): void {
  const { mode, bufferSize, connectTimeoutMs } = options;
  const deadline = Date.now() + (connectTimeoutMs ?? 30_000);
  const attempt = (delayMs: number): void => {
    if (cancelled()) return;
    let pipe: NamedPipe;
    try {
      pipe = NamedPipe.open(path, { ...(mode !== undefined ? { mode } : {}), ...(bufferSize !== undefined ? { bufferSize } : {}) });
    } catch (error) {
      if ((error as { code?: string }).code === 'EBUSY' && Date.now() < deadline) {
        setTimeout(() => attempt(Math.min(delayMs * 2, 100)), delayMs);
        return;
      }
      done(error as Error);
      return;
    }
    done(undefined, pipe);
  };
  attempt(1);
}

export class PipeSocket extends SourceDuplex {
  #pipe: NamedPipe | undefined;
  readonly #idle = new IdleTimer(() => this.emit('timeout'));

  constructor(options: SourceDuplexOptions = {}) {
    super(options);
    this.once('close', () => {
      this.#idle.clear();
    });
  }

  /**
   * The client end of the pipe `path`. While every instance of the server is busy (EBUSY) it
   * keeps trying, as libuv does, for up to `connectTimeoutMs` (default 30 s); 'connect' follows
   * once it is open, 'error' if it cannot be.
   */
  static connect(path: string, options: SourceDuplexOptions & Pick<NamedPipeOptions, 'mode' | 'bufferSize'> & { connectTimeoutMs?: number } = {}): PipeSocket {
    const { mode, bufferSize, connectTimeoutMs, ...streamOptions } = options;
    const socket = new PipeSocket(streamOptions);
    const openOptions = { ...(mode !== undefined ? { mode } : {}), ...(bufferSize !== undefined ? { bufferSize } : {}), ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}) };
    process.nextTick(() =>
      openPipeClient(path, openOptions, () => socket.destroyed, (error, pipe) => {
        if (pipe === undefined) {
          socket.destroy(error);
          return;
        }
        socket.#adopt(pipe, true);
        // Opening a client end is synchronous: it is connected already.
        socket.markConnected();
      }),
    );
    return socket;
  }

  /** A server instance waiting for one client; 'connect' is emitted when a client arrives. */
  static serve(path: string, options: SourceDuplexOptions & NamedPipeOptions = {}): PipeSocket {
    const { mode, bufferSize, firstInstance, rejectRemoteClients, currentUserOnly, maxInstances, ...streamOptions } = options;
    const pipeOptions: NamedPipeOptions = {
      ...(mode !== undefined ? { mode } : {}),
      ...(bufferSize !== undefined ? { bufferSize } : {}),
      ...(firstInstance !== undefined ? { firstInstance } : {}),
      ...(rejectRemoteClients !== undefined ? { rejectRemoteClients } : {}),
      ...(currentUserOnly !== undefined ? { currentUserOnly } : {}),
      ...(maxInstances !== undefined ? { maxInstances } : {}),
    };
    const socket = new PipeSocket(streamOptions);
    const pipe = NamedPipe.create(path, pipeOptions);
    socket.#adopt(pipe, true);
    if (pipe.connect() !== WOULD_BLOCK) process.nextTick(() => socket.markConnected());
    return socket;
  }

  get namedPipe(): NamedPipe | undefined {
    return this.#pipe;
  }

  // node:net's Socket surface, as it applies to a pipe (no addresses, no TCP options).

  /** Emits 'timeout' after `ms` without reads or writes; 0 disables it. */
  setTimeout(ms: number, callback?: () => void): this {
    if (callback !== undefined) {
      if (ms === 0) this.off('timeout', callback);
      else this.once('timeout', callback);
    }
    this.#idle.set(ms);
    return this;
  }

  setNoDelay(_noDelay?: boolean): this {
    return this;
  }

  setKeepAlive(_enable?: boolean, _initialDelay?: number): this {
    return this;
  }

  address(): Record<string, never> {
    return {};
  }

  /** Bytes queued and not yet written to the pipe (net's bufferSize); undefined once destroyed. */
  get bufferSize(): number | undefined {
    return this.destroyed ? undefined : this.writableLength;
  }

  get remoteAddress(): undefined {
    return undefined;
  }

  get remotePort(): undefined {
    return undefined;
  }

  get remoteFamily(): undefined {
    return undefined;
  }

  protected override onActivity(): void {
    this.#idle.touch();
  }

  #adopt(pipe: NamedPipe, connecting: boolean): void {
    this.#pipe = pipe;
    this.attach(new PipeChannel(pipe, () => this.endReadable()), connecting);
  }

  protected override onConnected(): void {
    this.emit('connect');
    this.emit('ready');
  }
}
