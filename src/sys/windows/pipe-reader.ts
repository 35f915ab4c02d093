// The read machine of a named pipe: at most one overlapped ReadFile in flight, into a block of
// the pipe's; read() copies out of that block. The block is owned as PipeOperation says (the
// kernel's too from ReadFile until its packet is dequeued).
import type { SystemError } from '../../core/errors.js';
import { Readiness, type ReadinessBits } from '../../core/readiness.js';
import { WOULD_BLOCK, type WouldBlock } from '../../core/would-block.js';
import { ERROR_BROKEN_PIPE, ERROR_IO_PENDING, ERROR_MORE_DATA, ERROR_PIPE_LISTENING, kernel32, win32Error } from './ffi/index.js';
import type { Completion } from './iocp.js';
import type { PipeOperation, PipeOperationHost } from './pipe-operation.js';

// ERROR_PIPE_NOT_CONNECTED: what a client's read sees once the server disconnected it.
export const ERROR_PIPE_NOT_CONNECTED = 233;

type ReadState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'pending' }
  | { readonly kind: 'ready'; start: number; readonly end: number }
  | { readonly kind: 'eof' }
  | { readonly kind: 'error'; readonly error: SystemError };

const IDLE: ReadState = { kind: 'idle' };
const PENDING: ReadState = { kind: 'pending' };
const EOF: ReadState = { kind: 'eof' };

export class PipeReader {
  readonly #host: PipeOperationHost;
  readonly #bufferSize: number;
  #op: PipeOperation | undefined;
  #state: ReadState = IDLE;

  /** `announce` delivers readiness found outside a completion (it is posted to the port). */
  constructor(
    host: PipeOperationHost,
    bufferSize: number,
    private readonly announce: (readiness: ReadinessBits) => void,
  ) {
    this.#host = host;
    this.#bufferSize = bufferSize;
  }

  /** The read block, if one was ever made for this connection. */
  get operation(): PipeOperation | undefined {
    return this.#op;
  }

  /** Starts a read if none is going and none is due (nothing is read after EOF). */
  startIfIdle(): void {
    if (this.#state.kind === 'idle') this.#start();
  }

  /** Bytes read, 0 at end of stream, or WOULD_BLOCK (READABLE fires when data comes). */
  read(target: Uint8Array): number | WouldBlock {
    this.startIfIdle();
    const state = this.#current();
    switch (state.kind) {
      case 'pending':
      case 'idle':
        return WOULD_BLOCK;
      case 'eof':
        // Sticky until disconnect(); no new read is scheduled after EOF.
        return 0;
      case 'error':
        this.#state = IDLE;
        throw state.error;
      case 'ready': {
        const op = this.#op as PipeOperation;
        const count = Math.min(target.length, state.end - state.start);
        target.set(op.bytes(state.start, state.start + count));
        state.start += count;
        if (state.start === state.end) {
          this.#state = IDLE;
          this.#start();
          // A failure that needs no packet (EOF, error) is announced by a posted event.
          if (this.#state.kind === 'eof' || this.#state.kind === 'error') this.announce(this.readiness());
        }
        return count;
      }
    }
  }

  /** The read's packet was dequeued: the new state, and the readiness to report (0: none). */
  complete(op: PipeOperation, completion: Completion): ReadinessBits {
    const { error } = kernel32.getOverlappedResult(this.#host.handle, op.address);
    const bytes = completion.bytesTransferred;
    if (error === 0 || error === ERROR_MORE_DATA) {
      // ERROR_MORE_DATA: part of a message (message mode); the rest comes with the next read.
      if (bytes === 0) {
        // An empty message or a zero-byte read: nothing a reader could tell from EOF; read on.
        this.#state = IDLE;
        this.#start();
        if (this.#state.kind === 'pending' || this.#state.kind === 'idle') return 0;
      } else {
        this.#state = { kind: 'ready', start: 0, end: bytes };
      }
    } else if (error === ERROR_BROKEN_PIPE || error === ERROR_PIPE_NOT_CONNECTED) {
      this.#state = EOF;
    } else {
      this.#state = { kind: 'error', error: win32Error('ReadFile', error) };
    }
    return this.readiness();
  }

  /** What a reader would find now: data or an error (READABLE), the end (READ_CLOSED too). */
  readiness(): ReadinessBits {
    switch (this.#state.kind) {
      case 'ready':
      case 'error':
        return Readiness.READABLE;
      case 'eof':
        return Readiness.READABLE | Readiness.READ_CLOSED;
      default:
        return 0;
    }
  }

  /** A new connection: nothing read yet; a block its owner abandoned is no longer ours. */
  reset(): void {
    if (this.#op?.abandoned === true) this.#op = undefined;
    this.#state = IDLE;
  }

  /** The pipe or its port is gone: the block was released or abandoned by the owner. */
  forget(): void {
    this.#op = undefined;
    this.#state = IDLE;
  }

  // A call, so that TypeScript does not carry a narrowing of #state across #start().
  #current(): ReadState {
    return this.#state;
  }

  /** Starts the one overlapped read; on an outright failure records it (no packet will come). */
  #start(): void {
    if (!this.#host.canIssue()) return;
    const op = (this.#op ??= this.#host.newOperation('read', this.#bufferSize));
    op.prepare();
    const error = kernel32.readFile(this.#host.handle, op.data, op.capacity, op.address);
    if (error === 0 || error === ERROR_IO_PENDING || error === ERROR_MORE_DATA) {
      op.inFlight = true;
      this.#state = PENDING;
    } else if (error === ERROR_BROKEN_PIPE || error === ERROR_PIPE_NOT_CONNECTED) {
      this.#state = EOF;
    } else if (error === ERROR_PIPE_LISTENING) {
      this.#state = IDLE;
    } else {
      this.#state = { kind: 'error', error: win32Error('ReadFile', error) };
    }
  }
}
