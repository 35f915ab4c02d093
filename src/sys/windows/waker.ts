// A wake-up is a bare completion packet: no OVERLAPPED, the token as key. The selector turns it
// into a READABLE event for that token. Callable from any thread that has the target.
import type { RemoteCommandTarget, WakerTarget } from '../../core/selector.js';
import { kernel32 } from './ffi/index.js';
import { postWhileOpen } from './port-lifetime.js';

/** Fails with ERR_POLL_CLOSED once the Poll is closed, never posting to a recycled handle. */
export function postWake(target: WakerTarget): void {
  postWhileOpen(target.lifetime, () => kernel32.postQueuedCompletionStatus(target.port, 1, BigInt(target.token), 0n));
}

/** Tells the owner of a selector that registry commands are waiting for it. */
export function postRemoteCommands(target: RemoteCommandTarget): void {
  postWhileOpen(target.lifetime, () => kernel32.postQueuedCompletionStatus(target.port, 0, 0n, target.marker));
}
