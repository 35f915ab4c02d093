// Native blocks for large TCP sends, shared by every socket of this thread. Allocating, zeroing
// and freeing a fresh 64 KiB block per send cost raw bulk a third of its rate under Wine 10.0
// (docs/architecture.md, "A block per large send"); a block that comes back from a send that is
// done goes to the next one, on whichever socket.
//
// Ownership: a block taken from here belongs to its taker (and to Winsock while a send on it is
// out, overlapped-send.ts says until when); given back, it is the pool's, never the kernel's.
import { NativeMemory } from './ffi/index.js';

/**
 * Idle blocks kept at most: a relay's eight parallel links each hold one while their sends are
 * out, and get one back without allocating; more idle than that is freed.
 */
const IDLE_BLOCKS_KEPT = 8;

export class SendBlocks {
  readonly #idle: NativeMemory[] = [];
  readonly blockSize: number;

  constructor(blockSize: number) {
    this.blockSize = blockSize;
  }

  /** Blocks waiting for a send: live native memory that no socket and no kernel owns. */
  get idleBlocks(): number {
    return this.#idle.length;
  }

  /** A block of `blockSize` bytes, its contents those of its last send (or zero when new). */
  take(): NativeMemory {
    return this.#idle.pop() ?? new NativeMemory(this.blockSize);
  }

  /**
   * A block no send uses any more (its status has left STATUS_PENDING): kept if it is one of
   * these blocks and there is room, freed otherwise.
   */
  release(block: NativeMemory): void {
    if (block.size !== this.blockSize || this.#idle.length >= IDLE_BLOCKS_KEPT) block.free();
    else this.#idle.push(block);
  }
}
