// The readiness bits an Event carries. Portable values chosen by mio-ts; the Windows selector
// translates AFD/pipe states into these, so nothing here is a Windows constant.

export const Readiness = {
  READABLE: 1,
  WRITABLE: 2,
  ERROR: 4,
  READ_CLOSED: 8,
  WRITE_CLOSED: 16,
  PRIORITY: 32,
} as const;

/** One readiness flag. */
export type Readiness = (typeof Readiness)[keyof typeof Readiness];

/** A set of readiness flags OR-ed together (0 is allowed: an event with nothing set). */
export type ReadinessBits = number;

/** Every defined flag; anything outside this mask is a bug in the caller. */
export const READINESS_MASK: ReadinessBits = 63;

const names = Object.entries(Readiness) as [keyof typeof Readiness, Readiness][];

/** True for an integer that only uses defined flags. */
export function isReadinessBits(bits: unknown): bits is ReadinessBits {
  return typeof bits === 'number' && Number.isInteger(bits) && bits >= 0 && (bits & ~READINESS_MASK) === 0;
}

/** "READABLE | WRITE_CLOSED", or "(empty)" when no flag is set. */
export function formatReadiness(bits: ReadinessBits): string {
  const set = names.filter(([, bit]) => (bits & bit) !== 0).map(([name]) => name);
  return set.length === 0 ? '(empty)' : set.join(' | ');
}
