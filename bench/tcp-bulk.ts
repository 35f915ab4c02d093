// TCP bulk throughput, mio-ts against node:net side by side (issues 4 and 5): 256 MiB one way
// through one connection on 127.0.0.1 in 64 KiB writes, both ends in this process, for
//   (a) mio-ts TcpStream + Poll: a blocking poll() loop, write until WouldBlock, read into
//       256 KiB buffers until WouldBlock;
//   (b) the mio-ts drop-in (mio-ts/net Socket and Server: Node streams over the driver);
//   (c) node:net, with the same stream code as (b);
//   (d) the C AFD loop (bench/c/afd-loop.c): the loop of (a) in C, in a process of its own
//       started between the rounds, when scripts/bench.mjs built it; the physical limit.
//   (f) the same C loop built as a DLL and run inside this process, on its main thread.
// Each variant runs several rounds, in a rotated order; the figure is the median.
import { Events, Interest, Poll, TcpListener, TcpStream, WOULD_BLOCK, type Token } from '../src/index.js';
import { round, runBenchmark, type BenchmarkContext } from './lib/harness.js';
import { afdLoopBulk, afdLoopBulkInNode, afdLoopDllPath, afdLoopPath, cLoopInNodeNote, C_LOOP, C_LOOP_IN_NODE, type AfdLoopBulk } from './lib/afd-loop.js';
import { Driver } from '../src/streams/driver.js';
import { TcpSocket } from '../src/streams/tcp-socket.js';
import { comparison, destroyAll, MIB, median, MIO_NET, NODE_NET, measureTransfers, streamTransfer, withTimeout, type NetImplementation, type StreamSocket } from './lib/side-by-side.js';
import type { Transfer as SharedTransfer, TransferVariant } from './lib/side-by-side.js';

const TOTAL_MIB = positiveInteger(process.env['MIO_BENCH_BULK_MIB'], 256);
const WARMUP_MIB = 64;
const CHUNK_BYTES = 64 * 1024;
const RAW_READ_BYTES = 256 * 1024;
const ROUNDS = 5;
const TRANSFER_TIMEOUT_MS = 60_000;
const EVENT_TIMEOUT_MS = 5_000;

const LISTENER = 0 as Token;
const CLIENT = 1 as Token;
const SERVER = 2 as Token;

function positiveInteger(text: string | undefined, fallback: number): number {
  const value = Number(text);
  return text !== undefined && Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

interface RawStats {
  writes: number;
  writeWouldBlocks: number;
  reads: number;
  polls: number;
  averageReadKiB: number;
}

type Transfer = SharedTransfer<RawStats>;

/** (a): the whole transfer in one blocking poll() loop; both ends registered with one Poll. */
function rawTransfer(total: number): Transfer {
  const poll = new Poll();
  const events = new Events(64);
  const listener = TcpListener.bind('127.0.0.1:0');
  let client: TcpStream | undefined;
  let server: TcpStream | undefined;
  try {
    poll.registry().register(listener, LISTENER, Interest.READABLE);
    client = TcpStream.connect({ host: '127.0.0.1', port: listener.localAddr().port });
    poll.registry().register(client, CLIENT, Interest.WRITABLE);
    const deadline = performance.now() + TRANSFER_TIMEOUT_MS;
    // Connected: the listener has the connection and the client is WRITABLE.
    let clientWritable = false;
    while (server === undefined || !clientWritable) {
      poll.poll(events, EVENT_TIMEOUT_MS);
      if (events.isEmpty()) throw new Error(`no event within ${EVENT_TIMEOUT_MS} ms while connecting`);
      for (const event of events) {
        if (event.token === CLIENT && event.isWritable()) clientWritable = true;
        if (event.token === LISTENER && server === undefined) {
          const accepted = listener.accept();
          if (accepted !== WOULD_BLOCK) server = accepted[0];
        }
      }
    }
    poll.registry().register(server, SERVER, Interest.READABLE);
    const chunk = Buffer.alloc(CHUNK_BYTES, 0x5a);
    const readBuffer = Buffer.allocUnsafe(RAW_READ_BYTES);
    const stats: RawStats = { writes: 0, writeWouldBlocks: 0, reads: 0, polls: 0, averageReadKiB: 0 };
    let sent = 0;
    let received = 0;
    const started = performance.now();
    const write = (stream: TcpStream): void => {
      while (sent < total) {
        const size = Math.min(CHUNK_BYTES, total - sent);
        const n = stream.write(size === CHUNK_BYTES ? chunk : chunk.subarray(0, size));
        if (n === WOULD_BLOCK) {
          stats.writeWouldBlocks++;
          return;
        }
        sent += n;
        stats.writes++;
      }
    };
    // The connection is writable now; after a WouldBlock, WRITABLE says when to go on.
    write(client);
    while (received < total) {
      if (performance.now() > deadline) throw new Error(`the raw transfer took longer than ${TRANSFER_TIMEOUT_MS} ms`);
      poll.poll(events, EVENT_TIMEOUT_MS);
      stats.polls++;
      if (events.isEmpty()) throw new Error(`no event within ${EVENT_TIMEOUT_MS} ms (${received} of ${total} bytes received)`);
      for (const event of events) {
        if (event.token === CLIENT && event.isWritable()) write(client);
        else if (event.token === SERVER) {
          for (;;) {
            const n = server.read(readBuffer);
            if (n === WOULD_BLOCK) break;
            if (n === 0) throw new Error('unexpected end of stream');
            received += n;
            stats.reads++;
          }
        }
      }
    }
    const seconds = (performance.now() - started) / 1000;
    stats.averageReadKiB = round(received / stats.reads / 1024, 1);
    return { seconds, raw: stats };
  } finally {
    poll.close();
    client?.close();
    server?.close();
    listener.close();
  }
}

/** (b) and (c): a server and a client of `impl`, the client writing, the accepted socket reading. */
async function streamsTransfer(impl: NetImplementation, total: number): Promise<Transfer> {
  let onAccepted: (socket: StreamSocket) => void = () => undefined;
  const accepted = new Promise<StreamSocket>((resolve) => {
    onAccepted = resolve;
  });
  const server = await impl.listen((socket) => onAccepted(socket));
  const sockets: StreamSocket[] = [];
  try {
    const client = await withTimeout(impl.connect(server.port), 10_000, `${impl.name} connect`);
    sockets.push(client);
    const receiver = await withTimeout(accepted, 10_000, `${impl.name} accept`);
    sockets.push(receiver);
    const seconds = await withTimeout(streamTransfer(client, receiver, total, CHUNK_BYTES), TRANSFER_TIMEOUT_MS, `${impl.name} transfer`);
    return { seconds };
  } finally {
    await destroyAll(sockets);
    await server.close();
  }
}

/**
 * (e): the drop-in's stream (TcpSocket) with its per-turn read cap lifted (maxReadsPerEvent
 * 1024: reads go on to WouldBlock, as the raw loop's): what the cap that keeps links fair costs.
 */
async function uncappedTransfer(total: number): Promise<Transfer> {
  const driver = Driver.shared();
  const listener = TcpListener.bind('127.0.0.1:0');
  const sockets: TcpSocket[] = [];
  let resolveAccepted: (socket: TcpSocket) => void = () => undefined;
  const accepted = new Promise<TcpSocket>((resolve) => (resolveAccepted = resolve));
  // Closed once the connection is in, or in `finally` if it never came (idempotent).
  const registration = driver.register(listener, Interest.READABLE, () => {
    const next = listener.accept();
    if (next === WOULD_BLOCK) return;
    registration.close();
    resolveAccepted(new TcpSocket(next[0], { maxReadsPerEvent: 1024 }));
  });
  try {
    const client = TcpSocket.connect(listener.localAddr());
    sockets.push(client);
    await withTimeout(new Promise((resolve, reject) => client.once('connect', resolve).once('error', reject)), 10_000, 'TcpSocket connect');
    const receiver = await withTimeout(accepted, 10_000, 'TcpSocket accept');
    sockets.push(receiver);
    return { seconds: await withTimeout(streamTransfer(client, receiver, total, CHUNK_BYTES), TRANSFER_TIMEOUT_MS, 'TcpSocket transfer') };
  } finally {
    registration.close();
    await destroyAll(sockets);
    listener.close();
  }
}

/** The counters of the C loop's last measured transfer (reported beside rawLoop). */
let cLoopLast: AfdLoopBulk | undefined;

/** (d): the C loop warms up on a connection of its own, then times `total` on a new one. */
async function cLoopTransfer(total: number): Promise<Transfer> {
  cLoopLast = await afdLoopBulk(total / MIB, WARMUP_MIB);
  return { seconds: cLoopLast.seconds };
}

/** (f): the same, inside this process (bench/lib/afd-loop.ts). */
function cLoopInNodeTransfer(total: number): Promise<Transfer> {
  return Promise.resolve({ seconds: afdLoopBulkInNode(total / MIB, WARMUP_MIB).seconds });
}

type Variant = TransferVariant<RawStats>;

const RAW = 'mio-ts TcpStream + Poll';
const DROP_IN = 'mio-ts drop-in Socket';
const NODE = 'node:net Socket';
const UNCAPPED = 'mio-ts TcpSocket, reads to WouldBlock';

const VARIANTS: Variant[] = [
  { label: RAW, run: (total) => Promise.resolve(rawTransfer(total)) },
  { label: DROP_IN, run: (total) => streamsTransfer(MIO_NET, total) },
  { label: NODE, run: (total) => streamsTransfer(NODE_NET, total) },
  { label: UNCAPPED, run: uncappedTransfer },
  ...(afdLoopPath() === undefined ? [] : [{ label: C_LOOP, run: cLoopTransfer, selfWarming: true }]),
  ...(afdLoopDllPath() === undefined ? [] : [{ label: C_LOOP_IN_NODE, run: cLoopInNodeTransfer, selfWarming: true }]),
];

function measure({ log }: BenchmarkContext): Promise<{ samples: Map<string, number[]>; raw: RawStats[]; errors: string[] }> {
  return measureTransfers<RawStats>(VARIANTS, { totalMiB: TOTAL_MIB, warmupMiB: WARMUP_MIB, rounds: ROUNDS, log });
}

await runBenchmark('tcp-bulk', `TCP bulk throughput: ${TOTAL_MIB} MiB one way in 64 KiB writes on 127.0.0.1, mio-ts (raw and drop-in) against node:net`, async (context) => {
  const { samples, raw, errors } = await measure(context);
  const medians: Record<string, number | null> = {};
  for (const [label, values] of samples) medians[label] = values.length > 0 ? median(values) : null;
  return {
    results: {
      comparisons: [comparison('throughput', `Bulk throughput, ${TOTAL_MIB} MiB one way in 64 KiB writes (median of ${ROUNDS})`, 'MiB/s', true, NODE, medians, 1, C_LOOP)],
      samplesMiBPerSecond: Object.fromEntries([...samples].map(([label, values]) => [label, values.map((v) => round(v, 1))])),
      rawLoop: raw.at(-1) ?? null,
      cLoop: cLoopLast ?? null,
      megabytesPerTransfer: TOTAL_MIB,
      writeBytes: CHUNK_BYTES,
      rawReadBytes: RAW_READ_BYTES,
      errors,
    },
    notes: [
      'both ends of each connection are in this process (one Windows node.exe); node:net runs the same stream code as the drop-in',
      `each variant: a ${WARMUP_MIB} MiB warm-up, then ${ROUNDS} rounds in a rotated order; the figure is the median; time from the first write to the last byte received`,
      'raw: one blocking poll() loop for both ends, write 64 KiB until WouldBlock, read 256 KiB until WouldBlock; drop-in and node:net: write() until it returns false, then wait for drain; the receiver reads in flowing mode',
      `${UNCAPPED}: the drop-in's stream class with maxReadsPerEvent 1024, so a turn reads on to WouldBlock instead of stopping after 32 reads and 2 MiB (the cap that keeps parallel links fair)`,
      afdLoopPath() === undefined
        ? `${C_LOOP}: not measured (MIO_BENCH_AFD_LOOP unset: run through scripts/bench.mjs)`
        : `${C_LOOP}: bench/c/afd-loop.c, the raw loop in C (one port, one AFD handle, one IOCTL_AFD_POLL per socket, re-issued after WouldBlock), a process of its own started by this benchmark in each round, with its own ${WARMUP_MIB} MiB warm-up connection`,
      cLoopInNodeNote(),
      `ratio = variant / node:net; limit ratio = variant / ${C_LOOP}`,
    ],
  };
});
