// The raw AFD trace: a listening socket and an accepted connection polled through
// \Device\Afd\Mio, printing every readiness report the driver sends to the completion port.
import { connect } from 'node:net';
import { WOULD_BLOCK } from '../src/core/would-block.js';
import { Afd } from '../src/sys/windows/afd.js';
import {
  AFD_KNOWN_EVENTS,
  AFD_POLL_ACCEPT,
  AFD_POLL_HANDLE_INFO,
  AFD_POLL_INFO,
  AFD_POLL_LOCAL_CLOSE,
  AFD_POLL_SEND,
  AF_INET,
  FIONBIO,
  IO_STATUS_BLOCK,
  IPPROTO_TCP,
  NativeMemory,
  SIO_BASE_HANDLE,
  SOCK_STREAM,
  WSA_FLAG_NO_HANDLE_INHERIT,
  WSA_FLAG_OVERLAPPED,
  ws2_32,
} from '../src/sys/windows/ffi/index.js';
import { CompletionEntries, CompletionPort } from '../src/sys/windows/iocp.js';
import { decodeSocketAddress, encodeSocketAddress } from '../src/sys/windows/sockaddr.js';

const flagNames: [number, string][] = [
  [0x001, 'RECEIVE'],
  [0x002, 'RECEIVE_EXPEDITED'],
  [0x004, 'SEND'],
  [0x008, 'DISCONNECT'],
  [0x010, 'ABORT'],
  [0x020, 'LOCAL_CLOSE'],
  [0x080, 'ACCEPT'],
  [0x100, 'CONNECT_FAIL'],
];
const describeFlags = (events: number): string =>
  flagNames
    .filter(([bit]) => events & bit)
    .map(([, name]) => name)
    .join('|') || '(none)';

/** One socket under watch: its poll block and status block belong to the kernel while pending. */
interface Watched {
  name: string;
  socket: bigint;
  base: bigint;
  info: NativeMemory;
  ioStatus: NativeMemory;
}

const started = performance.now();
const trace = (line: string): void => console.log(`${(performance.now() - started).toFixed(1).padStart(8)} ms  ${line}`);

const port = new CompletionPort();
const afd = Afd.open(port, 0n);
const watched = new Map<bigint, Watched>();

function watch(name: string, socket: bigint, events: number): void {
  const baseOut = Buffer.alloc(8);
  ws2_32.wsaIoctl(socket, SIO_BASE_HANDLE, null, baseOut);
  const entry: Watched = { name, socket, base: baseOut.readBigUInt64LE(0), info: new NativeMemory(AFD_POLL_INFO.size), ioStatus: new NativeMemory(IO_STATUS_BLOCK.size) };
  watched.set(entry.ioStatus.address, entry);
  arm(entry, events);
}

function arm(entry: Watched, events: number): void {
  entry.info.setI64(AFD_POLL_INFO.timeout, 0x7fff_ffff_ffff_ffffn);
  entry.info.setU32(AFD_POLL_INFO.numberOfHandles, 1);
  entry.info.setU32(AFD_POLL_INFO.exclusive, 0);
  entry.info.setU64(AFD_POLL_INFO.handles + AFD_POLL_HANDLE_INFO.handle, entry.base);
  entry.info.setU32(AFD_POLL_INFO.handles + AFD_POLL_HANDLE_INFO.events, events);
  entry.info.setI32(AFD_POLL_INFO.handles + AFD_POLL_HANDLE_INFO.status, 0);
  afd.poll(entry.info.address, entry.ioStatus);
  trace(`${entry.name}: IOCTL_AFD_POLL armed for ${describeFlags(events)}`);
}

function newSocket(): bigint {
  const socket = ws2_32.wsaSocket(AF_INET, SOCK_STREAM, IPPROTO_TCP, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  ws2_32.ioctlSocket(socket, FIONBIO, 1);
  return socket;
}

const listener = newSocket();
ws2_32.bind(listener, encodeSocketAddress('127.0.0.1', 0));
ws2_32.listen(listener, 16);
const { port: listenPort } = decodeSocketAddress(ws2_32.getSockName(listener));
trace(`listening on 127.0.0.1:${listenPort} (raw Winsock socket, AFD device \\Device\\Afd\\Mio)`);
watch('listener', listener, AFD_POLL_ACCEPT);

// The client is Node's own net module: a peer that is not ours.
const client = connect(listenPort, '127.0.0.1', () => {
  trace('client: connected; writing 5 bytes, then ending');
  client.end('hello');
});
client.resume();

const entries = new CompletionEntries(16);
let done = false;
while (!done) {
  const removed = await port.getManyAsync(entries, 10_000);
  if (removed === 0) throw new Error('no AFD event within 10 s');
  for (const completion of entries) {
    const entry = watched.get(completion.overlapped);
    if (entry === undefined) continue;
    const status = entry.ioStatus.u32(IO_STATUS_BLOCK.status);
    const events = entry.info.u32(AFD_POLL_INFO.handles + AFD_POLL_HANDLE_INFO.events);
    trace(`${entry.name}: completion key=${completion.key} status=0x${status.toString(16)} events=${describeFlags(events)}`);
    if (entry.name === 'listener' && events & AFD_POLL_ACCEPT) {
      const peer = Buffer.alloc(128);
      const accepted = ws2_32.accept(listener, peer, new Int32Array([peer.length]));
      // AFD reported a connection waiting, so this accept cannot block.
      if (accepted === WOULD_BLOCK) throw new Error('accept would block after AFD_POLL_ACCEPT');
      const from = decodeSocketAddress(peer);
      trace(`listener: accepted ${from.address}:${from.port}`);
      watch('connection', accepted, AFD_KNOWN_EVENTS & ~AFD_POLL_LOCAL_CLOSE & ~AFD_POLL_SEND);
      continue;
    }
    if (entry.name === 'connection') {
      const buffer = Buffer.alloc(65536);
      let n: number | typeof WOULD_BLOCK;
      while ((n = ws2_32.recv(entry.socket, buffer, buffer.length, 0)) !== WOULD_BLOCK && n > 0) trace(`connection: recv ${n} bytes ${JSON.stringify(buffer.toString('utf8', 0, n))}`);
      if (n === 0) {
        trace('connection: recv 0 bytes: the peer closed its side');
        done = true;
      } else {
        arm(entry, AFD_KNOWN_EVENTS & ~AFD_POLL_LOCAL_CLOSE & ~AFD_POLL_SEND);
      }
    }
  }
}

// Closing a socket completes its pending poll with LOCAL_CLOSE; drain before freeing memory.
ws2_32.closeSocket(listener);
for (const entry of watched.values()) if (entry.name === 'connection') ws2_32.closeSocket(entry.socket);
const pending = [...watched.values()].filter((entry) => entry.ioStatus.u32(IO_STATUS_BLOCK.status) === 0x103);
while (pending.length > 0) {
  const removed = await port.getManyAsync(entries, 5_000);
  if (removed === 0) break;
  for (const completion of entries) {
    const index = pending.findIndex((entry) => entry.ioStatus.address === completion.overlapped);
    if (index < 0) continue;
    const [entry] = pending.splice(index, 1);
    if (entry) trace(`${entry.name}: final completion events=${describeFlags(entry.info.u32(AFD_POLL_INFO.handles + AFD_POLL_HANDLE_INFO.events))}`);
  }
}
for (const entry of watched.values()) {
  entry.info.free();
  entry.ioStatus.free();
}
entries.free();
afd.close();
port.close();
client.destroy();
trace('done: every poll completed and its memory freed');
