// A wake-up is a bare completion packet: no OVERLAPPED, the token as key. The selector turns it
// into a READABLE event for that token. Callable from any thread that has the target.
import { Readiness } from '../../core/readiness.js';
import type { RemoteCommandTarget, WakerTarget } from '../../core/selector.js';
import type { Token } from '../../core/token.js';
import type { CompletionOwner } from './completion-router.js';
import { kernel32 } from './ffi/index.js';
import { postWhileOpen } from './port-lifetime.js';

/** The packets' address: none. */
export const WAKE_ADDRESS = 0n;

/** Fails with ERR_POLL_CLOSED once the Poll is closed, never posting to a recycled handle. */
export function postWake(target: WakerTarget): void {
  postWhileOpen(target.lifetime, () => kernel32.postQueuedCompletionStatus(target.port, 1, BigInt(target.token), WAKE_ADDRESS));
}

/** Tells the owner of a selector that registry commands are waiting for it. */
export function postRemoteCommands(target: RemoteCommandTarget): void {
  postWhileOpen(target.lifetime, () => kernel32.postQueuedCompletionStatus(target.port, 0, 0n, target.marker));
}

/** The selector's side: a wake-up is READABLE for the token in its key. */
export const WAKE_RECEIVER: CompletionOwner = {
  onCompletion: (completion, sink) => sink.push(Number(completion.key) as Token, Readiness.READABLE),
};
