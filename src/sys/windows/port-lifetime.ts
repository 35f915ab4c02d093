// Posting to a completion port from other threads, safely against its close. Windows recycles
// a closed handle's value: a Waker or RemoteRegistry posting to a stale value could reach an
// unrelated port, another Poll's (a stray event) or a libuv loop's, which takes the posted
// OVERLAPPED for one of its own requests (memory corruption). So posters and the closing owner
// meet in shared memory: a poster counts itself in, then checks the port is open; the owner
// marks it closed, then waits until no poster is in before it closes the handle.
import { PollClosedError } from '../../core/errors.js';

const STATE = 0;
const POSTERS = 1;
const OPEN = 0;
const CLOSED = 1;

/** [state, posters in progress], in a SharedArrayBuffer so that it survives structured clone. */
export type PortLifetime = Int32Array;

export function createPortLifetime(): PortLifetime {
  return new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
}

/** Runs `post` only while the port is open; the owner cannot close the handle meanwhile. */
export function postWhileOpen(lifetime: PortLifetime, post: () => void): void {
  Atomics.add(lifetime, POSTERS, 1);
  try {
    if (Atomics.load(lifetime, STATE) !== OPEN) throw new PollClosedError('the Poll is closed');
    post();
  } finally {
    if (Atomics.sub(lifetime, POSTERS, 1) === 1) Atomics.notify(lifetime, POSTERS);
  }
}

/** From now on every post fails with ERR_POLL_CLOSED. */
export function markClosed(lifetime: PortLifetime): void {
  Atomics.store(lifetime, STATE, CLOSED);
}

/** After markClosed: waits out the posts already under way (each one call long). */
export function waitForPosters(lifetime: PortLifetime): void {
  for (let posters = Atomics.load(lifetime, POSTERS); posters !== 0; posters = Atomics.load(lifetime, POSTERS)) {
    Atomics.wait(lifetime, POSTERS, posters, 100);
  }
}
