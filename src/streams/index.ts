// Streams: the event-loop driver and Node stream views of mio-ts sources.
export { Driver, type ReadinessHandler } from './driver.js';
export { SourceDuplex, type ByteChannel, type SourceDuplexOptions } from './source-duplex.js';
export { TcpSocket, TcpChannel } from './tcp-socket.js';
export { UdpDuplex, type IncomingDatagram, type OutgoingDatagram, type UdpDuplexOptions } from './udp-duplex.js';
export { PipeSocket, PipeChannel } from './pipe-socket.js';
export { PipeListener, type PipeListenerOptions } from './pipe-listener.js';
