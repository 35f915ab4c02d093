// mio's NamedPipe: a Windows named pipe as a Source. A server instance comes from create() and
// waits for a client with connect(); a client end comes from open(). I/O is overlapped under the
// hood (one read into an internal buffer, one write in flight), surfaced as mio's non-blocking
// calls: read() and write() return WOULD_BLOCK instead of waiting, and the next completion
// delivers READABLE or WRITABLE to the registered token.
//
// A pipe must be registered with a Poll before connect(), read() or write(): its operations
// complete through that Poll's completion port, and a handle can be bound to one port for its
// lifetime (deregister and register again with the same Poll is fine; another Poll is not).
import { InvalidArgumentError, type SystemError } from '../core/errors.js';
import { RegisteredSource, type SelectorRegistration } from '../poll/registered-source.js';
import type { WouldBlock } from '../core/would-block.js';
import { assertSupportedPlatform } from '../sys/index.js';
import { pipeClosedError, WindowsNamedPipe, type PipeMode } from '../sys/windows/named-pipe.js';

export interface NamedPipeOptions {
  /**
   * 'byte' (default) or 'message'. In message mode each write() is one message; a message larger
   * than the read buffer is returned by consecutive read() calls (ERROR_MORE_DATA underneath).
   * For open(), this sets the client's read mode and should match the server's.
   */
  mode?: PipeMode;
  /** The internal read buffer, and the pipe's kernel buffers for create(). Default 64 KiB. */
  bufferSize?: number;
  /**
   * create() only. Fail with EADDRINUSE unless this is the first instance of the name, so nobody
   * can squat the name before us (FILE_FLAG_FIRST_PIPE_INSTANCE). Default true; pass false for
   * the further instances of a multi-client server.
   */
  firstInstance?: boolean;
  /** create() only. Refuse clients from other machines (PIPE_REJECT_REMOTE_CLIENTS). Default true. */
  rejectRemoteClients?: boolean;
  /** create() only. Let only the user this process runs as open the pipe (a DACL with one ACE). Default false. */
  currentUserOnly?: boolean;
  /** create() only. Instances the name may have, 1 to 255 (255: unlimited). Default 255. */
  maxInstances?: number;
}

const PIPE_PREFIX = '\\\\.\\pipe\\';
const MAX_NAME_LENGTH = 256;
const DEFAULT_BUFFER_SIZE = 64 * 1024;
// Each read holds a native buffer this big: larger buys nothing but memory.
const MAX_BUFFER_SIZE = 16 * 1024 * 1024;

/** The name if NamedPipe.create()/open() would take it; InvalidArgumentError otherwise (no native call). */
export function checkPipeName(name: unknown): string {
  if (typeof name !== 'string') throw new InvalidArgumentError(`a pipe name must be a string like \\\\.\\pipe\\name, got ${typeof name}`);
  if (name.length <= PIPE_PREFIX.length || name.slice(0, PIPE_PREFIX.length).toLowerCase() !== PIPE_PREFIX) {
    throw new InvalidArgumentError(`a pipe name must start with \\\\.\\pipe\\ and name a pipe, got ${JSON.stringify(name)}`);
  }
  if (name.length > MAX_NAME_LENGTH) throw new InvalidArgumentError(`a pipe name can be at most ${MAX_NAME_LENGTH} characters, got ${name.length}`);
  const rest = name.slice(PIPE_PREFIX.length);
  if (rest.includes('\\') || rest.includes('\0')) throw new InvalidArgumentError(`a pipe name cannot contain a backslash or NUL after \\\\.\\pipe\\, got ${JSON.stringify(name)}`);
  return name;
}

function checkBoolean(options: NamedPipeOptions, key: 'firstInstance' | 'rejectRemoteClients' | 'currentUserOnly', fallback: boolean): boolean {
  const value: unknown = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidArgumentError(`options.${key} must be a boolean, got ${typeof value}`);
  return value;
}

function checkInteger(options: NamedPipeOptions, key: 'bufferSize' | 'maxInstances', min: number, max: number, fallback: number): number {
  const value: unknown = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`options.${key} must be an integer from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

function checkOptions(options: unknown): NamedPipeOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options must be an object');
  const checked = options as NamedPipeOptions;
  const mode: unknown = checked.mode;
  if (mode !== undefined && mode !== 'byte' && mode !== 'message') throw new InvalidArgumentError(`options.mode must be 'byte' or 'message', got ${describe(mode)}`);
  return checked;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : typeof value === 'number' ? String(value) : typeof value;
}

function checkBuffer(name: string, buffer: unknown): Uint8Array {
  if (!(buffer instanceof Uint8Array)) throw new InvalidArgumentError(`${name} must be a Buffer or Uint8Array`);
  return buffer;
}

export class NamedPipe extends RegisteredSource implements Disposable {
  /** The pipe's name, `\\.\pipe\...`. */
  readonly name: string;
  readonly #pipe: WindowsNamedPipe;

  private constructor(name: string, pipe: WindowsNamedPipe) {
    super();
    this.name = name;
    this.#pipe = pipe;
  }

  /** Creates a server instance. Register it, then connect() to wait for a client. */
  static create(name: string, options?: NamedPipeOptions): NamedPipe {
    const checkedName = checkPipeName(name);
    const checked = checkOptions(options);
    const config = {
      name: checkedName,
      mode: checked.mode ?? 'byte',
      bufferSize: checkInteger(checked, 'bufferSize', 1, MAX_BUFFER_SIZE, DEFAULT_BUFFER_SIZE),
      firstInstance: checkBoolean(checked, 'firstInstance', true),
      rejectRemoteClients: checkBoolean(checked, 'rejectRemoteClients', true),
      currentUserOnly: checkBoolean(checked, 'currentUserOnly', false),
      maxInstances: checkInteger(checked, 'maxInstances', 1, 255, 255),
    };
    assertSupportedPlatform('NamedPipe');
    return new NamedPipe(checkedName, WindowsNamedPipe.createServer(config));
  }

  /**
   * Opens the client end of a server's pipe. Fails with ENOENT when no such pipe exists and
   * EBUSY when every instance is taken (retry later).
   */
  static open(name: string, options?: Pick<NamedPipeOptions, 'mode' | 'bufferSize'>): NamedPipe {
    const checkedName = checkPipeName(name);
    const checked = checkOptions(options);
    const config = {
      name: checkedName,
      mode: checked.mode ?? 'byte',
      bufferSize: checkInteger(checked, 'bufferSize', 1, MAX_BUFFER_SIZE, DEFAULT_BUFFER_SIZE),
    };
    assertSupportedPlatform('NamedPipe');
    return new NamedPipe(checkedName, WindowsNamedPipe.openClient(config));
  }

  get isServer(): boolean {
    return this.#pipe.isServer;
  }

  get closed(): boolean {
    return this.#pipe.closed;
  }

  /**
   * Server: waits for a client without blocking. Returns undefined once connected, WOULD_BLOCK
   * while waiting (the pipe then becomes WRITABLE, and READABLE when data comes). Call it again
   * after disconnect() for the next client.
   */
  connect(): undefined | WouldBlock {
    this.#assertOpen();
    return this.#pipe.connect();
  }

  /** Server: drops the current client; its unread data and writes in flight are discarded. */
  disconnect(): void {
    this.#assertOpen();
    this.#pipe.disconnect();
  }

  /**
   * Copies buffered data into `buffer`: the number of bytes, 0 at end of stream (the client went
   * away; sticky until disconnect()), or WOULD_BLOCK (READABLE fires when data comes).
   */
  read(buffer: Uint8Array): number | WouldBlock {
    this.#assertOpen();
    return this.#pipe.read(checkBuffer('buffer', buffer));
  }

  /**
   * Takes all of `buffer` (it is copied) and returns its length, or WOULD_BLOCK while the previous
   * write is still in flight (WRITABLE fires when it is done). An error of a write in flight, such
   * as EPIPE when the peer went away, is thrown by the next write (or taken by takeWriteError()).
   * An empty write returns 0, or WOULD_BLOCK while a write is in flight (see writeInFlight()).
   */
  write(buffer: Uint8Array): number | WouldBlock {
    this.#assertOpen();
    return this.#pipe.write(checkBuffer('buffer', buffer));
  }

  /**
   * True while bytes handed to write() are still on their way (WRITABLE fires when they are
   * through); false once everything was sent, and on a closed pipe.
   */
  writeInFlight(): boolean {
    return this.#pipe.writeInFlight;
  }

  /** The failure of the last write in flight (EPIPE when the peer went away), once; undefined if none. */
  takeWriteError(): SystemError | undefined {
    this.#assertOpen();
    return this.#pipe.takeWriteError();
  }

  /** Why the last connect failed (reported as an ERROR event), once; undefined when nothing failed. */
  takeError(): SystemError | undefined {
    this.#assertOpen();
    return this.#pipe.takeError();
  }

  /**
   * Closes the handle now; idempotent. Like destroy(), it does not wait for a write in flight
   * (wait for WRITABLE, or until writeInFlight() says false, before closing to be sure the peer
   * got everything). Native buffers still in the kernel's hands are freed when their
   * operations report back, or when the Poll closes.
   */
  close(): void {
    this.#pipe.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  protected openRegistration(): SelectorRegistration {
    this.#assertOpen();
    return this.#pipe;
  }

  #assertOpen(): void {
    if (this.#pipe.closed) throw pipeClosedError();
  }
}
