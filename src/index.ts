// mio-ts: the public API.
export { Poll, type PollAsyncOptions } from './core/poll.js';
export { Registry } from './core/registry.js';
export { Waker } from './core/waker.js';
export { Interest } from './core/interest.js';
export { Event } from './core/event.js';
export { Events } from './core/events.js';
export { Readiness, type ReadinessBits } from './core/readiness.js';
export { token, isToken, type Token } from './core/token.js';
export { IoSource } from './core/io-source.js';
export { type Source } from './core/source.js';
export { WOULD_BLOCK, isWouldBlock, type WouldBlock } from './core/would-block.js';
export type { WakerTarget } from './core/selector.js';
export { SystemError, InvalidArgumentError, InvalidStateError, UnsupportedPlatformError } from './core/errors.js';
export { isSupportedPlatform } from './sys/index.js';
export { RemoteRegistry, shareRegistry, type RegistryHandle } from './core/remote-registry.js';
export type { RemoteCommandTarget } from './core/selector.js';
