// Picks the platform layer. Only Windows has one; elsewhere every native entry point throws
// UnsupportedPlatformError (mio's "shell"), while types and pure helpers import fine.
import { UnsupportedPlatformError } from '../core/errors.js';
import type { RemoteCommandTarget, Selector, WakerTarget } from '../core/selector.js';
import { WindowsSelector } from './windows/selector.js';
import { postRemoteCommands, postWake } from './windows/waker.js';

export const isSupportedPlatform = process.platform === 'win32';

/** Throws a clear error when `feature` is used on a platform without a native layer. */
export function assertSupportedPlatform(feature: string): void {
  if (!isSupportedPlatform) throw new UnsupportedPlatformError(feature);
}

export function createSelector(): Selector {
  assertSupportedPlatform('Poll');
  return new WindowsSelector();
}

export function wake(target: WakerTarget): void {
  assertSupportedPlatform('Waker');
  postWake(target);
}

export function requestRemoteCommands(target: RemoteCommandTarget): void {
  assertSupportedPlatform('RemoteRegistry');
  postRemoteCommands(target);
}
