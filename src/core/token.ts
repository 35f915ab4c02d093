// mio's Token: the caller's own number that comes back on every event for a source.
import { InvalidArgumentError } from './errors.js';

/**
 * Identifies a registered source in the events a Poll returns. A branded number so that a
 * plain number cannot be passed by accident; build one with `token(n)`.
 */
export type Token = number & { readonly __token: unique symbol };

/** True for a non-negative safe integer, i.e. anything `token()` would accept. */
export function isToken(value: unknown): value is Token {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Validates `n` and brands it as a Token. */
export function token(n: number): Token {
  if (!isToken(n)) {
    throw new InvalidArgumentError(`a token must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}, got ${describeValue(n)}`);
  }
  // Normalize -0 so tokens compare and print as users expect.
  return (n + 0) as Token;
}

function describeValue(value: unknown): string {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value);
  return typeof value;
}
