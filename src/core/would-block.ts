// Non-blocking I/O that cannot proceed returns this instead of throwing: the hot path of a
// readiness loop hits it once per drained socket, so it must cost nothing.
export const WOULD_BLOCK: unique symbol = Symbol('mio-ts.WouldBlock');
export type WouldBlock = typeof WOULD_BLOCK;

export function isWouldBlock(value: unknown): value is WouldBlock {
  return value === WOULD_BLOCK;
}
