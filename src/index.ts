// mio-ts: the public API.
export { Poll, type PollAsyncOptions, type PollOptions, type SelectorFactory } from './poll/poll.js';
export { Registry } from './poll/registry.js';
export { Waker } from './poll/waker.js';
export { Interest } from './core/interest.js';
export { Event } from './core/event.js';
export { Events } from './core/events.js';
export { Readiness, type ReadinessBits } from './core/readiness.js';
export { token, isToken, type Token } from './core/token.js';
export { IoSource } from './poll/io-source.js';
export { type Source } from './poll/source.js';
export { WOULD_BLOCK, isWouldBlock, type WouldBlock } from './core/would-block.js';
export type { Selector, SocketRegistration, EventBatch, BackgroundWait, WakerTarget } from './core/selector.js';
export {
  SystemError,
  InvalidArgumentError,
  InvalidStateError,
  PollClosedError,
  PollBusyError,
  NotRegisteredError,
  AlreadyRegisteredError,
  SocketClosedError,
  OutOfRangeError,
  UnsupportedPlatformError,
} from './core/errors.js';
export { isSupportedPlatform } from './sys/index.js';
export { RemoteRegistry, shareRegistry, type RegistryHandle } from './poll/remote-registry.js';
export type { RemoteCommandTarget } from './core/selector.js';
export { TcpListener, type TcpListenerOptions } from './net/tcp-listener.js';
export { TcpStream, type ShutdownHow } from './net/tcp-stream.js';
export { UdpSocket, type UdpSocketOptions, type Datagram } from './net/udp-socket.js';
export { parseAddress, formatAddress, type SocketAddress, type AddressInput } from './net/address.js';
export { NamedPipe, type NamedPipeOptions } from './net/named-pipe.js';
