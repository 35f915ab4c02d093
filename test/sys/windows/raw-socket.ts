// Raw Winsock sockets for tests of the layers below src/net.
import {
  AF_INET,
  FIONBIO,
  IPPROTO_TCP,
  SIO_BASE_HANDLE,
  SOCK_STREAM,
  WSA_FLAG_NO_HANDLE_INHERIT,
  WSA_FLAG_OVERLAPPED,
  ws2_32,
} from '../../../src/sys/windows/ffi/index.js';
import { decodeSocketAddress, encodeSocketAddress } from '../../../src/sys/windows/sockaddr.js';

export function tcpSocket(): bigint {
  const socket = ws2_32.wsaSocket(AF_INET, SOCK_STREAM, IPPROTO_TCP, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  ws2_32.ioctlSocket(socket, FIONBIO, 1);
  return socket;
}

/** A non-blocking listener on 127.0.0.1 and the port it got. */
export function tcpListener(): { socket: bigint; port: number } {
  const socket = tcpSocket();
  ws2_32.bind(socket, encodeSocketAddress('127.0.0.1', 0));
  ws2_32.listen(socket, 128);
  return { socket, port: decodeSocketAddress(ws2_32.getSockName(socket)).port };
}

export function baseSocket(socket: bigint): bigint {
  const out = Buffer.alloc(8);
  ws2_32.wsaIoctl(socket, SIO_BASE_HANDLE, null, out);
  return out.readBigUInt64LE(0);
}
