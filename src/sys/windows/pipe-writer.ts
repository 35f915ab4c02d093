// The write machine of a named pipe: write() copies the caller's bytes into a block of the
// pipe's and starts one overlapped WriteFile; until its packet is dequeued the kernel reads that
// block (PipeOperation says who owns it until when) and the next write waits. A failure of the
// write in flight is kept and thrown by the next write.
import type { SystemError } from '../../core/errors.js';
import { Readiness, type ReadinessBits } from '../../core/readiness.js';
import { WOULD_BLOCK, type WouldBlock } from '../../core/would-block.js';
import { ERROR_IO_PENDING, ERROR_NO_DATA, kernel32, win32Error } from './ffi/index.js';
import type { Completion } from './iocp.js';
import type { PipeOperation, PipeOperationHost } from './pipe-operation.js';

/** A block up to this size (or the pipe's buffer size, if larger) is kept between writes. */
const KEPT_WRITE_BLOCK = 65536;

export class PipeWriter {
  readonly #host: PipeOperationHost;
  readonly #bufferSize: number;
  #op: PipeOperation | undefined;
  #length = 0;
  #position = 0;
  #error: SystemError | undefined;

  constructor(host: PipeOperationHost, bufferSize: number) {
    this.#host = host;
    this.#bufferSize = bufferSize;
  }

  /** The write block, if one is kept. */
  get operation(): PipeOperation | undefined {
    return this.#op;
  }

  /** Bytes handed to write() are still on their way to the pipe. */
  get inFlight(): boolean {
    return this.#op?.inFlight === true;
  }

  /** The failure of the last write in flight, once (write() throws it otherwise). */
  takeError(): SystemError | undefined {
    const error = this.#error;
    this.#error = undefined;
    return error;
  }

  /** Every byte of `source` (copied), WOULD_BLOCK while a write is in flight, 0 for none. */
  write(source: Uint8Array): number | WouldBlock {
    const failed = this.takeError();
    if (failed !== undefined) throw failed;
    if (this.inFlight) return WOULD_BLOCK;
    if (source.length === 0) return 0;
    let op = this.#op;
    if (op === undefined || op.capacity < source.length) {
      if (op !== undefined) this.#host.release(op);
      op = this.#host.newOperation('write', Math.max(source.length, Math.min(this.#bufferSize, KEPT_WRITE_BLOCK)));
      this.#op = op;
    }
    op.bytes(0, source.length).set(source);
    this.#length = source.length;
    this.#position = 0;
    op.prepare();
    const error = kernel32.writeFile(this.#host.handle, op.data, source.length, op.address);
    if (error === 0 || error === ERROR_IO_PENDING) {
      op.inFlight = true;
      return source.length;
    }
    throw win32Error('WriteFile', error);
  }

  /** The write's packet was dequeued: send the rest of a partial write, or report WRITABLE. */
  complete(op: PipeOperation, completion: Completion): ReadinessBits {
    const { error } = kernel32.getOverlappedResult(this.#host.handle, op.address);
    if (error === 0) {
      this.#position += completion.bytesTransferred;
      const remaining = this.#length - this.#position;
      if (remaining > 0 && completion.bytesTransferred > 0 && this.#host.canIssue()) {
        // A partial write: send the rest from the same block.
        op.prepare();
        const again = kernel32.writeFile(this.#host.handle, op.data + BigInt(this.#position), remaining, op.address);
        if (again === 0 || again === ERROR_IO_PENDING) {
          op.inFlight = true;
          return 0;
        }
        this.#error = win32Error('WriteFile', again);
      } else if (remaining > 0) {
        this.#error = win32Error('WriteFile', ERROR_NO_DATA);
      }
      // A block grown for one big write is not kept.
      if (op.capacity > Math.max(this.#bufferSize, KEPT_WRITE_BLOCK)) {
        this.#host.release(op);
        this.#op = undefined;
      }
    } else {
      this.#error = win32Error('WriteFile', error);
    }
    return this.readiness();
  }

  /** WRITABLE (with WRITE_CLOSED after a failure) when no write is in flight; 0 otherwise. */
  readiness(): ReadinessBits {
    if (this.inFlight) return 0;
    return Readiness.WRITABLE | (this.#error === undefined ? 0 : Readiness.WRITE_CLOSED);
  }

  /** A new connection: no failure carried over; a block its owner abandoned is no longer ours. */
  reset(): void {
    if (this.#op?.abandoned === true) this.#op = undefined;
    this.#error = undefined;
  }

  /** The pipe or its port is gone: the block was released or abandoned by the owner. */
  forget(): void {
    this.#op = undefined;
  }
}
