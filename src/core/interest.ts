// mio's Interest: which readiness a source is registered for. Never empty, like mio's
// NonZeroU8, so "registered for nothing" cannot be expressed; deregister instead.
import { inspect } from 'node:util';
import { InvalidArgumentError } from './errors.js';

// mio-ts's own bit values, not Windows constants; the selector maps them to AFD events.
const READABLE_BIT = 1;
const WRITABLE_BIT = 2;
const PRIORITY_BIT = 4;
const ALL_BITS = READABLE_BIT | WRITABLE_BIT | PRIORITY_BIT;

const NAMES: readonly (readonly [number, string])[] = [
  [READABLE_BIT, 'READABLE'],
  [WRITABLE_BIT, 'WRITABLE'],
  [PRIORITY_BIT, 'PRIORITY'],
];

// Only seven values exist, so every Interest is a shared, frozen instance.
const cache = new Map<number, Interest>();

export class Interest {
  static readonly READABLE: Interest = Interest.fromBits(READABLE_BIT);
  static readonly WRITABLE: Interest = Interest.fromBits(WRITABLE_BIT);
  static readonly PRIORITY: Interest = Interest.fromBits(PRIORITY_BIT);

  readonly #bits: number;

  private constructor(bits: number) {
    this.#bits = bits;
    Object.freeze(this);
  }

  /** The Interest with exactly these bits; throws for 0 (empty) and for unknown bits. */
  static fromBits(bits: number): Interest {
    if (!Number.isInteger(bits) || bits <= 0 || (bits & ~ALL_BITS) !== 0) {
      throw new InvalidArgumentError(
        bits === 0 ? 'an Interest cannot be empty' : `not a valid Interest bit set: ${String(bits)} (expected 1 to ${ALL_BITS})`,
      );
    }
    let interest = cache.get(bits);
    if (interest === undefined) {
      interest = new Interest(bits);
      cache.set(bits, interest);
    }
    return interest;
  }

  get bits(): number {
    return this.#bits;
  }

  /** The union of both interests. */
  add(other: Interest): Interest {
    return Interest.fromBits(this.#bits | bitsOf(other));
  }

  /** This interest without `other`'s bits; `undefined` when nothing would be left. */
  remove(other: Interest): Interest | undefined {
    const rest = this.#bits & ~bitsOf(other);
    return rest === 0 ? undefined : Interest.fromBits(rest);
  }

  isReadable(): boolean {
    return (this.#bits & READABLE_BIT) !== 0;
  }

  isWritable(): boolean {
    return (this.#bits & WRITABLE_BIT) !== 0;
  }

  isPriority(): boolean {
    return (this.#bits & PRIORITY_BIT) !== 0;
  }

  equals(other: unknown): boolean {
    return other instanceof Interest && other.#bits === this.#bits;
  }

  /** "READABLE | WRITABLE". */
  toString(): string {
    return NAMES.filter(([bit]) => (this.#bits & bit) !== 0)
      .map(([, name]) => name)
      .join(' | ');
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return `Interest(${this.toString()})`;
  }
}

// Rejects plain objects posing as an Interest before they can corrupt a registration.
function bitsOf(value: Interest): number {
  if (!(value instanceof Interest)) throw new InvalidArgumentError(`expected an Interest, got ${typeof value}`);
  return value.bits;
}
