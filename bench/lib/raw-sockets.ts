// Raw Winsock sockets for the benchmarks: what a native library would hand out, and what the
// selector sees without any src/net layer on top. Everything stays on 127.0.0.1.
import { AF_INET, FIONBIO, IPPROTO_TCP, SOCK_STREAM, WSA_FLAG_NO_HANDLE_INHERIT, WSA_FLAG_OVERLAPPED, ws2_32 } from '../../src/sys/windows/ffi/index.js';
import { decodeSocketAddress, encodeSocketAddress } from '../../src/sys/windows/sockaddr.js';
import { WOULD_BLOCK } from '../../src/core/would-block.js';

const LOOPBACK = '127.0.0.1';

/** A non-blocking, non-inheritable IPv4 TCP socket. */
export function tcpSocket(): bigint {
  const socket = ws2_32.wsaSocket(AF_INET, SOCK_STREAM, IPPROTO_TCP, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  ws2_32.ioctlSocket(socket, FIONBIO, 1);
  return socket;
}

/** A non-blocking socket bound to 127.0.0.1 on an ephemeral port, not listening, not connected. */
export function boundSocket(): bigint {
  const socket = tcpSocket();
  ws2_32.bind(socket, encodeSocketAddress(LOOPBACK, 0));
  return socket;
}

/** A non-blocking listener on 127.0.0.1 and the port it got. */
export function tcpListener(backlog = 128): { socket: bigint; port: number } {
  const socket = boundSocket();
  ws2_32.listen(socket, backlog);
  return { socket, port: decodeSocketAddress(ws2_32.getSockName(socket)).port };
}

const peerAddress = Buffer.alloc(128);
const peerLength = new Int32Array(1);

/** Accepts one pending connection; undefined on WouldBlock. */
export function acceptOne(listener: bigint): bigint | undefined {
  peerLength[0] = peerAddress.length;
  const accepted = ws2_32.accept(listener, peerAddress, peerLength);
  if (accepted === WOULD_BLOCK) return undefined;
  ws2_32.ioctlSocket(accepted, FIONBIO, 1);
  return accepted;
}

/**
 * `count` connected pairs through one listener: client ends connect without waiting, then the
 * server ends are accepted (retrying WouldBlock until the loopback handshakes finished).
 */
export function connectedPairs(count: number): { client: bigint; server: bigint }[] {
  const listener = tcpListener(Math.max(128, count));
  const target = encodeSocketAddress(LOOPBACK, listener.port);
  const clients: bigint[] = [];
  const servers: bigint[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const client = tcpSocket();
      clients.push(client);
      // Returns at once (WOULD_BLOCK) or throws the failure.
      ws2_32.connect(client, target);
      // Keep the backlog short: accept whatever is ready as we go.
      for (let accepted = acceptOne(listener.socket); accepted !== undefined; accepted = acceptOne(listener.socket)) servers.push(accepted);
    }
    const deadline = performance.now() + 30_000;
    while (servers.length < count) {
      const accepted = acceptOne(listener.socket);
      if (accepted !== undefined) servers.push(accepted);
      else if (performance.now() > deadline) throw new Error(`only ${servers.length} of ${count} connections were accepted`);
    }
  } finally {
    ws2_32.closeSocket(listener.socket);
  }
  // Pair the ends by port: the server end's peer port is the client end's local port.
  const clientByPort = new Map(clients.map((client) => [decodeSocketAddress(ws2_32.getSockName(client)).port, client]));
  return servers.map((server) => {
    const client = clientByPort.get(decodeSocketAddress(ws2_32.getPeerName(server)).port);
    if (client === undefined) throw new Error('an accepted connection matches no client socket');
    return { client, server };
  });
}

/** Closes sockets, ignoring ones that are already gone. */
export function closeAll(sockets: Iterable<bigint>): void {
  for (const socket of sockets) {
    try {
      ws2_32.closeSocket(socket);
    } catch {
      // Already closed: nothing to release.
    }
  }
}
