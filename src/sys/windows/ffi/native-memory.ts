// Native memory from koffi.alloc: it stays where it is (unlike a Buffer, which the GC may move
// or free), so it can be handed to the kernel for the life of an overlapped operation.
import { loadKoffi } from './koffi-loader.js';

/** A block of zeroed native memory with little-endian accessors. Freed once, explicitly. */
export class NativeMemory {
  static #live = 0;
  static #liveBytes = 0;
  static #allocated = 0;

  /** Blocks allocated and not yet freed in this thread: the leak detector of the tests. */
  static get liveBlocks(): number {
    return NativeMemory.#live;
  }

  static get liveBytes(): number {
    return NativeMemory.#liveBytes;
  }

  /** Blocks ever allocated in this thread: what the tests of block reuse count. */
  static get allocatedBlocks(): number {
    return NativeMemory.#allocated;
  }

  readonly address: bigint;
  readonly size: number;
  #view: DataView | undefined;
  #bytes: Uint8Array | undefined;
  #freed = false;

  constructor(size: number) {
    if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`native block size must be a positive integer, got ${size}`);
    const koffi = loadKoffi();
    this.address = koffi.alloc('uint8_t', size) as bigint;
    this.size = size;
    NativeMemory.#live++;
    NativeMemory.#allocated++;
    NativeMemory.#liveBytes += size;
    this.bytes.fill(0);
  }

  get freed(): boolean {
    return this.#freed;
  }

  get view(): DataView {
    this.#assertLive();
    return (this.#view ??= new DataView(loadKoffi().view(this.address, this.size)));
  }

  get bytes(): Uint8Array {
    this.#assertLive();
    return (this.#bytes ??= new Uint8Array(loadKoffi().view(this.address, this.size)));
  }

  u16(offset: number): number {
    return this.view.getUint16(offset, true);
  }
  u32(offset: number): number {
    return this.view.getUint32(offset, true);
  }
  i32(offset: number): number {
    return this.view.getInt32(offset, true);
  }
  u64(offset: number): bigint {
    return this.view.getBigUint64(offset, true);
  }
  i64(offset: number): bigint {
    return this.view.getBigInt64(offset, true);
  }
  setU16(offset: number, value: number): void {
    this.view.setUint16(offset, value, true);
  }
  setU32(offset: number, value: number): void {
    this.view.setUint32(offset, value, true);
  }
  setI32(offset: number, value: number): void {
    this.view.setInt32(offset, value, true);
  }
  setU64(offset: number, value: bigint): void {
    this.view.setBigUint64(offset, value, true);
  }
  setI64(offset: number, value: bigint): void {
    this.view.setBigInt64(offset, value, true);
  }

  /** Address of a byte inside the block. */
  at(offset: number): bigint {
    return this.address + BigInt(offset);
  }

  /** Returns the memory to the allocator. The caller guarantees the kernel no longer owns it. */
  free(): void {
    if (this.#freed) return;
    this.#freed = true;
    NativeMemory.#live--;
    NativeMemory.#liveBytes -= this.size;
    this.#view = undefined;
    this.#bytes = undefined;
    loadKoffi().free(this.address);
  }

  #assertLive(): void {
    if (this.#freed) throw new Error('native memory used after free');
  }
}
