import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { Interest } from '../../src/core/interest.js';

const { READABLE, WRITABLE, PRIORITY } = Interest;

describe('Interest constants', () => {
  it('have mio-ts bit values', () => {
    expect(READABLE.bits).toBe(1);
    expect(WRITABLE.bits).toBe(2);
    expect(PRIORITY.bits).toBe(4);
  });

  it('answer their own predicates only', () => {
    expect([READABLE.isReadable(), READABLE.isWritable(), READABLE.isPriority()]).toEqual([true, false, false]);
    expect([WRITABLE.isReadable(), WRITABLE.isWritable(), WRITABLE.isPriority()]).toEqual([false, true, false]);
    expect([PRIORITY.isReadable(), PRIORITY.isWritable(), PRIORITY.isPriority()]).toEqual([false, false, true]);
  });
});

describe('Interest.add', () => {
  it('unions bits', () => {
    const both = READABLE.add(WRITABLE);
    expect(both.bits).toBe(3);
    expect(both.isReadable()).toBe(true);
    expect(both.isWritable()).toBe(true);
    expect(both.isPriority()).toBe(false);
    expect(READABLE.add(WRITABLE).add(PRIORITY).bits).toBe(7);
  });

  it('is commutative and idempotent', () => {
    expect(READABLE.add(WRITABLE).equals(WRITABLE.add(READABLE))).toBe(true);
    expect(READABLE.add(READABLE)).toBe(READABLE);
  });

  it('does not change the receiver', () => {
    READABLE.add(WRITABLE);
    expect(READABLE.bits).toBe(1);
  });

  it('rejects something that is not an Interest', () => {
    expect(() => READABLE.add({ bits: 2 } as unknown as Interest)).toThrow(InvalidArgumentError);
  });
});

describe('Interest.remove', () => {
  it('removes bits', () => {
    const both = READABLE.add(WRITABLE);
    expect(both.remove(READABLE)).toBe(WRITABLE);
    expect(both.remove(WRITABLE)).toBe(READABLE);
    expect(READABLE.add(WRITABLE).add(PRIORITY).remove(WRITABLE)?.toString()).toBe('READABLE | PRIORITY');
  });

  it('returns undefined when nothing is left, like mio', () => {
    expect(READABLE.remove(READABLE)).toBeUndefined();
    expect(READABLE.remove(READABLE.add(WRITABLE))).toBeUndefined();
  });

  it('is a no-op for bits that are not set', () => {
    expect(READABLE.remove(WRITABLE)).toBe(READABLE);
  });
});

describe('Interest.fromBits', () => {
  it('rejects the empty set', () => {
    expect(() => Interest.fromBits(0)).toThrow(InvalidArgumentError);
    expect(() => Interest.fromBits(0)).toThrow(/empty/);
  });

  it.each([8, 16, 9, -1, 1.5, Number.NaN, 2 ** 31])('rejects %s', (bits) => {
    expect(() => Interest.fromBits(bits)).toThrow(InvalidArgumentError);
  });

  it('errors carry the invalid-argument code', () => {
    try {
      Interest.fromBits(0);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).code).toBe('ERR_INVALID_ARG_VALUE');
    }
  });

  it('returns shared instances', () => {
    expect(Interest.fromBits(1)).toBe(READABLE);
    expect(Interest.fromBits(3)).toBe(READABLE.add(WRITABLE));
  });
});

describe('Interest equality, immutability and formatting', () => {
  it('equals compares bits', () => {
    expect(READABLE.equals(READABLE)).toBe(true);
    expect(READABLE.equals(WRITABLE)).toBe(false);
    expect(READABLE.add(PRIORITY).equals(Interest.fromBits(5))).toBe(true);
    expect(READABLE.equals({ bits: 1 })).toBe(false);
    expect(READABLE.equals(1)).toBe(false);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(READABLE)).toBe(true);
    expect(() => {
      (READABLE as unknown as { bits: number }).bits = 7;
    }).toThrow(TypeError);
    expect(READABLE.bits).toBe(1);
  });

  it('formats like mio: names joined with " | "', () => {
    expect(READABLE.toString()).toBe('READABLE');
    expect(WRITABLE.toString()).toBe('WRITABLE');
    expect(PRIORITY.toString()).toBe('PRIORITY');
    expect(READABLE.add(WRITABLE).toString()).toBe('READABLE | WRITABLE');
    expect(WRITABLE.add(READABLE).toString()).toBe('READABLE | WRITABLE');
    expect(PRIORITY.add(WRITABLE).add(READABLE).toString()).toBe('READABLE | WRITABLE | PRIORITY');
    expect(String(READABLE.add(PRIORITY))).toBe('READABLE | PRIORITY');
  });

  it('serializes to JSON and inspects readably', () => {
    expect(JSON.stringify({ interest: READABLE.add(WRITABLE) })).toBe('{"interest":"READABLE | WRITABLE"}');
    expect(inspect(WRITABLE)).toBe('Interest(WRITABLE)');
  });
});
