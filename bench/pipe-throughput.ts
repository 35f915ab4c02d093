// Named-pipe throughput, mio-ts against node:net side by side (issue 4): 256 MiB one way through
// one connection of a byte-mode pipe (\\.\pipe\...), 64 KiB writes, both ends in this process:
//   (a) mio-ts NamedPipe + Poll: a blocking poll() loop, one overlapped write in flight, reads
//       into 64 KiB buffers from the pipe's internal buffer;
//   (b) mio-ts streams: PipeListener (server) and PipeSocket.connect (client);
//   (c) node:net: net.createServer().listen(path) and net.connect(path), the same stream code.
// Each variant runs several rounds in a rotated order; the figure is the median.
import type { Duplex } from 'node:stream';
import * as net from 'node:net';
import { Events, Interest, NamedPipe, Poll, WOULD_BLOCK, type Token } from '../src/index.js';
import { selectorOf } from '../src/poll/registry.js';
import { Driver } from '../src/streams/driver.js';
import { PipeListener, PipeSocket } from '../src/streams/index.js';
import { WindowsSelector } from '../src/sys/windows/selector.js';
import { round, runBenchmark, type BenchmarkContext } from './lib/harness.js';
import { comparison, destroyAll, median, measureTransfers, streamTransfer, withTimeout } from './lib/side-by-side.js';
import type { Transfer as SharedTransfer, TransferVariant } from './lib/side-by-side.js';

const TOTAL_MIB = positiveInteger(process.env['MIO_BENCH_PIPE_MIB'], 256);
const WARMUP_MIB = 64;
const CHUNK_BYTES = 64 * 1024;
const ROUNDS = 3;
const TRANSFER_TIMEOUT_MS = 60_000;
const EVENT_TIMEOUT_MS = 5_000;

const SERVER = 1 as Token;
const CLIENT = 2 as Token;

function positiveInteger(text: string | undefined, fallback: number): number {
  const value = Number(text);
  return text !== undefined && Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

let pipeCounter = 0;
function pipeName(kind: string): string {
  return `\\\\.\\pipe\\mio-ts-bench-${process.pid}-${kind}-${pipeCounter++}`;
}

interface RawStats {
  writes: number;
  reads: number;
  polls: number;
}

type Transfer = SharedTransfer<RawStats>;

/** (a): server instance and client end registered with one Poll; a blocking poll() loop. */
function rawTransfer(total: number): Transfer {
  const poll = new Poll();
  const events = new Events(64);
  const name = pipeName('raw');
  const server = NamedPipe.create(name);
  let client: NamedPipe | undefined;
  try {
    server.register(poll.registry(), SERVER, Interest.READABLE);
    server.connect();
    client = NamedPipe.open(name);
    client.register(poll.registry(), CLIENT, Interest.WRITABLE);
    const chunk = Buffer.alloc(CHUNK_BYTES, 0x5a);
    const readBuffer = Buffer.allocUnsafe(CHUNK_BYTES);
    const stats: RawStats = { writes: 0, reads: 0, polls: 0 };
    let sent = 0;
    let received = 0;
    const deadline = performance.now() + TRANSFER_TIMEOUT_MS;
    const write = (pipe: NamedPipe): void => {
      while (sent < total) {
        const size = Math.min(CHUNK_BYTES, total - sent);
        const n = pipe.write(size === CHUNK_BYTES ? chunk : chunk.subarray(0, size));
        if (n === WOULD_BLOCK) return;
        sent += n;
        stats.writes++;
      }
    };
    const read = (pipe: NamedPipe): void => {
      for (;;) {
        const n = pipe.read(readBuffer);
        if (n === WOULD_BLOCK) return;
        if (n === 0) throw new Error('unexpected end of stream');
        received += n;
        stats.reads++;
      }
    };
    const started = performance.now();
    write(client);
    read(server);
    while (received < total) {
      if (performance.now() > deadline) throw new Error(`the raw transfer took longer than ${TRANSFER_TIMEOUT_MS} ms`);
      poll.poll(events, EVENT_TIMEOUT_MS);
      stats.polls++;
      if (events.isEmpty()) throw new Error(`no event within ${EVENT_TIMEOUT_MS} ms (${received} of ${total} bytes received)`);
      for (const event of events) {
        if (event.token === CLIENT) write(client);
        else if (event.token === SERVER) read(server);
      }
    }
    return { seconds: (performance.now() - started) / 1000, raw: stats };
  } finally {
    client?.close();
    server.close();
    poll.close();
  }
}

interface PipePair {
  client: Duplex;
  server: Duplex;
  close(): Promise<void>;
}

async function mioPair(): Promise<PipePair> {
  const name = pipeName('streams');
  let onConnection: (socket: PipeSocket) => void = () => undefined;
  const accepted = new Promise<PipeSocket>((resolve) => {
    onConnection = resolve;
  });
  const listener = new PipeListener(name, {}, (socket) => onConnection(socket));
  const listenerError = new Promise<never>((_resolve, reject) => listener.once('error', reject));
  const client = PipeSocket.connect(name);
  const connected = new Promise<void>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  await withTimeout(Promise.race([connected, listenerError]), 10_000, 'PipeSocket connect');
  const server = await withTimeout(Promise.race([accepted, listenerError]), 10_000, 'PipeListener connection');
  return {
    client,
    server,
    close: async () => {
      await destroyAll([client, server]);
      listener.close();
    },
  };
}

async function nodePair(): Promise<PipePair> {
  const name = pipeName('node');
  let onConnection: (socket: net.Socket) => void = () => undefined;
  const accepted = new Promise<net.Socket>((resolve) => {
    onConnection = resolve;
  });
  const server = net.createServer((socket) => onConnection(socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(name, resolve);
  });
  const client = net.connect(name);
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('error', reject);
    }),
    10_000,
    'net.connect(path)',
  );
  const serverSocket = await withTimeout(accepted, 10_000, 'net.Server connection');
  return {
    client,
    server: serverSocket,
    close: async () => {
      await destroyAll([client, serverSocket]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What the shared Driver's pollAsync() did per chunk in the last PipeSocket transfer. */
interface StreamWaits {
  chunks: number;
  dequeuesPerChunk: number;
  eventLoopTurnsPerChunk: number;
  pumpWaitsPerChunk: number;
}
let lastStreamWaits: StreamWaits | null = null;

function sharedSelector(): WindowsSelector | undefined {
  const selector = selectorOf(Driver.shared().poll.registry());
  return selector instanceof WindowsSelector ? selector : undefined;
}

async function streamsTransfer(makePair: () => Promise<PipePair>, total: number): Promise<Transfer> {
  const pair = await makePair();
  const waits = makePair === mioPair ? sharedSelector()?.asyncWaits : undefined;
  const before = waits === undefined ? undefined : { ...waits };
  try {
    const seconds = await withTimeout(streamTransfer(pair.client, pair.server, total, CHUNK_BYTES), TRANSFER_TIMEOUT_MS, 'pipe transfer');
    if (waits !== undefined && before !== undefined) {
      const chunks = Math.ceil(total / CHUNK_BYTES);
      lastStreamWaits = {
        chunks,
        dequeuesPerChunk: round((waits.dequeues - before.dequeues) / chunks, 3),
        eventLoopTurnsPerChunk: round((waits.eventLoopTurns - before.eventLoopTurns) / chunks, 3),
        pumpWaitsPerChunk: round((waits.pumpWaits - before.pumpWaits) / chunks, 3),
      };
    }
    return { seconds };
  } finally {
    await pair.close();
  }
}

const RAW = 'mio-ts NamedPipe + Poll';
const STREAMS = 'mio-ts PipeSocket / PipeListener';
const NODE = 'node:net (pipe path)';

type Variant = TransferVariant<RawStats>;

const VARIANTS: Variant[] = [
  { label: RAW, run: (total) => Promise.resolve(rawTransfer(total)) },
  { label: STREAMS, run: (total) => streamsTransfer(mioPair, total) },
  { label: NODE, run: (total) => streamsTransfer(nodePair, total) },
];

function measure({ log }: BenchmarkContext): Promise<{ samples: Map<string, number[]>; raw: RawStats[]; errors: string[] }> {
  return measureTransfers<RawStats>(VARIANTS, { totalMiB: TOTAL_MIB, warmupMiB: WARMUP_MIB, rounds: ROUNDS, log });
}

await runBenchmark('pipe-throughput', `Named-pipe throughput: ${TOTAL_MIB} MiB one way in 64 KiB writes, mio-ts (raw and streams) against node:net`, async (context) => {
  const { samples, raw, errors } = await measure(context);
  const medians: Record<string, number | null> = {};
  for (const [label, values] of samples) medians[label] = values.length > 0 ? median(values) : null;
  return {
    results: {
      comparisons: [comparison('throughput', `Named-pipe throughput, ${TOTAL_MIB} MiB one way in 64 KiB writes (median of ${ROUNDS})`, 'MiB/s', true, NODE, medians)],
      samplesMiBPerSecond: Object.fromEntries([...samples].map(([label, values]) => [label, values.map((v) => round(v, 1))])),
      rawLoop: raw.at(-1) ?? null,
      pipeSocketWaits: lastStreamWaits,
      megabytesPerTransfer: TOTAL_MIB,
      writeBytes: CHUNK_BYTES,
      errors,
    },
    notes: [
      'byte-mode pipes, both ends in this process; mio-ts pipes use their defaults (64 KiB internal read buffer and kernel buffers, one write in flight)',
      `each variant: a ${WARMUP_MIB} MiB warm-up, then ${ROUNDS} rounds in a rotated order; the figure is the median; time from the first write to the last byte received`,
      'completion is counted in bytes, not by end(): a mio-ts PipeSocket that calls end() does not close, so its peer never sees the end (node:net closes the pipe)',
      'ratio = mio-ts / node:net',
      "pipeSocketWaits: per chunk of the last PipeSocket round, the shared Driver's non-blocking dequeues, the event-loop turns taken before them and its waits on the Poll's waiting thread",
    ],
  };
});
