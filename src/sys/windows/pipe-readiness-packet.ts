// Readiness a named pipe finds outside a completion (register, reregister, a connect that
// finished at once, a read that fails without a packet) is posted to its own completion port, so
// that the event is delivered inside a poll like every other. The packets carry a marker address
// and, in their byte count, a private format: the readiness bits in the low byte and the
// connection's generation above them, so that an event posted for a client that disconnect()
// dropped is recognised on arrival and discarded.
import type { ReadinessBits } from '../../core/readiness.js';
import { NativeMemory } from './ffi/index.js';
import type { CompletionOwner, WindowsSelector } from './selector.js';

const READINESS_BITS = 0xff;
const GENERATION_SHIFT = 8;
const GENERATION_MASK = 0xff_ffff;

export class PostedReadiness {
  readonly #selector: WindowsSelector;
  readonly #key: bigint;
  /**
   * The address posted with every packet. Owned by the pipe; freed once every packet posted with
   * it has been dequeued (`#posts`), or once the port is gone.
   */
  #marker: NativeMemory | undefined;
  #posts = 0;
  /** Bumped by disconnect(): readiness posted for an older connection is dropped on arrival. */
  #generation = 0;

  constructor(selector: WindowsSelector, key: bigint, owner: CompletionOwner) {
    this.#selector = selector;
    this.#key = key;
    this.#marker = new NativeMemory(8);
    selector.addCompletionOwner(this.#marker.address, owner);
  }

  /** The marker block is still alive. */
  get live(): boolean {
    return this.#marker !== undefined;
  }

  /** The packet is one of ours. */
  owns(overlapped: bigint): boolean {
    return this.#marker !== undefined && overlapped === this.#marker.address;
  }

  /** Posts `readiness` for the current connection (nothing once the port or marker is gone). */
  post(readiness: ReadinessBits): void {
    if (this.#selector.closed || this.#marker === undefined) return;
    this.#selector.port.post(this.#key, (readiness | (this.#generation << GENERATION_SHIFT)) >>> 0, this.#marker.address);
    this.#posts++;
  }

  /**
   * One of our packets was dequeued: its readiness, or undefined when it belongs to an older
   * connection or the pipe is closed (the marker is freed after the last packet then).
   */
  arrived(bytesTransferred: number, pipeClosed: boolean): ReadinessBits | undefined {
    this.#posts--;
    if (pipeClosed) {
      this.releaseWhenIdle();
      return undefined;
    }
    if (bytesTransferred >>> GENERATION_SHIFT !== this.#generation) return undefined;
    return bytesTransferred & READINESS_BITS;
  }

  /** disconnect(): what was posted so far is for the old connection. */
  nextConnection(): void {
    this.#generation = (this.#generation + 1) & GENERATION_MASK;
  }

  /** Frees the marker if no packet posted with it is still to come. */
  releaseWhenIdle(): void {
    if (this.#posts === 0) this.release();
  }

  /** Frees the marker now (the port is gone: no packet will come). */
  release(): void {
    if (this.#marker === undefined) return;
    this.#posts = 0;
    this.#selector.removeCompletionOwner(this.#marker.address);
    // Posted packets only carry the address; the kernel never touches the block itself.
    this.#marker.free();
    this.#marker = undefined;
  }
}
