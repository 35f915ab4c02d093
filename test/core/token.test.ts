import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { isToken, token, type Token } from '../../src/core/token.js';

describe('token()', () => {
  it('accepts non-negative safe integers and returns the same number', () => {
    for (const n of [0, 1, 42, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
      const t: Token = token(n);
      expect(t).toBe(n);
    }
  });

  it('normalizes -0 to 0', () => {
    expect(Object.is(token(-0), 0)).toBe(true);
  });

  it.each([
    ['a fraction', 1.5],
    ['a negative integer', -1],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['above MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER + 1],
    ['2 ** 64', 2 ** 64],
  ])('rejects %s', (_label, n) => {
    expect(() => token(n)).toThrow(InvalidArgumentError);
    try {
      token(n);
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      expect((error as InvalidArgumentError).code).toBe('ERR_INVALID_ARG_VALUE');
      expect((error as Error).message).toMatch(/token/);
    }
  });

  it('rejects values that are not numbers at runtime', () => {
    const values: unknown[] = ['1', 1n, null, undefined, {}, [1]];
    for (const value of values) {
      expect(() => token(value as number)).toThrow(InvalidArgumentError);
    }
  });

  it('says what it got in the message', () => {
    expect(() => token(-3)).toThrow(/-3/);
    expect(() => token('7' as unknown as number)).toThrow(/"7"/);
  });
});

describe('isToken()', () => {
  it('is true exactly for what token() accepts', () => {
    expect(isToken(0)).toBe(true);
    expect(isToken(7)).toBe(true);
    expect(isToken(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(isToken(-1)).toBe(false);
    expect(isToken(0.5)).toBe(false);
    expect(isToken(Number.NaN)).toBe(false);
    expect(isToken(Number.MAX_SAFE_INTEGER + 1)).toBe(false);
    expect(isToken('1')).toBe(false);
    expect(isToken(1n)).toBe(false);
    expect(isToken(undefined)).toBe(false);
  });

  it('narrows unknown values to Token', () => {
    const value: unknown = 5;
    if (isToken(value)) {
      const t: Token = value;
      expect(t).toBe(5);
    } else {
      expect.unreachable();
    }
  });
});
