// Helpers for the benchmarks that run mio-ts and node:net side by side in the same runtime:
// the comparison record the charts read (scripts/bench-charts.mjs), the two socket
// implementations behind one small interface, and timeouts so that no scenario can hang a run.
import * as nodeNet from 'node:net';
import type { Duplex } from 'node:stream';
import * as mioNet from '../../src/adapters/net.js';
import { round } from './harness.js';

/**
 * One figure measured for several variants, with each variant's ratio to the baseline
 * (node:net). `ratios` is always value / baseline value, whichever way is better.
 */
export interface Comparison {
  /** Short key, unique within the benchmark: 'throughput', 'latencyP50', ... */
  metric: string;
  /** What the figure is, for chart titles and tables. */
  title: string;
  unit: string;
  higherIsBetter: boolean;
  /** The label of the baseline variant (node:net). */
  baseline: string;
  /** Variant label -> value, in display order. */
  values: Record<string, number | null>;
  /** Variant label -> value / baseline value, for every variant but the baseline. */
  ratios: Record<string, number | null>;
  /** The label of the physical-limit variant (the C AFD loop), when one was measured. */
  limit?: string;
  /** Variant label -> value / limit value, for every variant but the limit. */
  limitRatios?: Record<string, number | null>;
}

/** value / reference, rounded; null when either is missing. */
function ratio(value: number | null | undefined, reference: number | null | undefined): number | null {
  return value === null || value === undefined || reference === null || reference === undefined || reference === 0 ? null : round(value / reference, 3);
}

/**
 * `limit`, when given and present in `values`, adds each variant's ratio to that variant too (the
 * C AFD loop: how close to the limit of Winsock, AFD and the runtime a variant gets).
 */
export function comparison(metric: string, title: string, unit: string, higherIsBetter: boolean, baseline: string, values: Record<string, number | null>, digits = 1, limit?: string): Comparison {
  const rounded: Record<string, number | null> = {};
  const ratios: Record<string, number | null> = {};
  for (const [label, value] of Object.entries(values)) {
    rounded[label] = value === null ? null : round(value, digits);
    if (label !== baseline) ratios[label] = ratio(value, values[baseline]);
  }
  const result: Comparison = { metric, title, unit, higherIsBetter, baseline, values: rounded, ratios };
  if (limit !== undefined && limit in values) {
    result.limit = limit;
    result.limitRatios = Object.fromEntries(Object.entries(values).filter(([label]) => label !== limit).map(([label, value]) => [label, ratio(value, values[limit])]));
  }
  return result;
}

/** A connected byte stream of either implementation. */
export type StreamSocket = Duplex & { setNoDelay(noDelay?: boolean): unknown };

export interface ListeningServer {
  readonly port: number;
  close(): Promise<void>;
}

/** A socket implementation: node:net, or the mio-ts drop-in (mio-ts/net). */
export interface NetImplementation {
  readonly name: 'mio-ts' | 'node:net';
  /** Listens on 127.0.0.1 (an ephemeral port); `onConnection` gets every accepted socket. */
  listen(onConnection: (socket: StreamSocket) => void): Promise<ListeningServer>;
  /** Connects to 127.0.0.1:port; resolves once connected. */
  connect(port: number): Promise<StreamSocket>;
  /** Starts a connection without waiting for it (accept-rate clients). */
  startConnect(port: number): StreamSocket;
}

interface ServerLike {
  listen(port: number, host: string, callback: () => void): unknown;
  address(): unknown;
  close(callback?: (error?: Error) => void): unknown;
  once(event: 'error', listener: (error: Error) => void): unknown;
}

async function listenOn(server: ServerLike, sockets: Set<StreamSocket>): Promise<ListeningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (typeof address !== 'object' || address === null || !('port' in address)) throw new Error('the server reports no port');
  return {
    port: Number(address.port),
    close: () =>
      new Promise<void>((resolve) => {
        // close() waits for the connections: end them, so that it does not.
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function tracked(onConnection: (socket: StreamSocket) => void): { sockets: Set<StreamSocket>; handler: (socket: StreamSocket) => void } {
  const sockets = new Set<StreamSocket>();
  return {
    sockets,
    handler: (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      onConnection(socket);
    },
  };
}

function connected(socket: StreamSocket): Promise<StreamSocket> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

export const NODE_NET: NetImplementation = {
  name: 'node:net',
  async listen(onConnection) {
    const { sockets, handler } = tracked(onConnection);
    return listenOn(nodeNet.createServer(handler), sockets);
  },
  connect: (port) => connected(nodeNet.connect(port, '127.0.0.1')),
  startConnect: (port) => nodeNet.connect(port, '127.0.0.1'),
};

export const MIO_NET: NetImplementation = {
  name: 'mio-ts',
  async listen(onConnection) {
    const { sockets, handler } = tracked(onConnection);
    return listenOn(mioNet.createServer(handler), sockets);
  },
  connect: (port) => connected(mioNet.connect(port, '127.0.0.1')),
  startConnect: (port) => mioNet.connect(port, '127.0.0.1'),
};

/** Rejects with a clear message when `promise` takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The variants in a different order each round, so none always runs first (or last). */
export function rotated<T>(items: readonly T[], roundIndex: number): T[] {
  const shift = roundIndex % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/** The median of a sample (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export const MIB = 1024 * 1024;

/**
 * Writes `total` bytes in `chunkBytes` writes with stream backpressure (write() false: wait for
 * 'drain') while `receiver` counts what arrives; resolves with the seconds from the first
 * write to the last byte received. Completion is the byte count, not 'end': the pipe variants
 * differ in how end() reaches the peer, and this way the same code measures every variant.
 */
export function streamTransfer(sender: Duplex, receiver: Duplex, total: number, chunkBytes: number): Promise<number> {
  const chunk = Buffer.alloc(chunkBytes, 0x5a);
  return new Promise<number>((resolve, reject) => {
    let received = 0;
    let sent = 0;
    const fail = (error: Error): void => reject(error);
    sender.once('error', fail);
    receiver.once('error', fail);
    const started = performance.now();
    receiver.on('data', (data: Buffer) => {
      received += data.length;
      if (received >= total) {
        receiver.removeAllListeners('data');
        sender.off('error', fail);
        receiver.off('error', fail);
        resolve((performance.now() - started) / 1000);
      }
    });
    const pump = (): void => {
      while (sent < total) {
        const size = Math.min(chunkBytes, total - sent);
        sent += size;
        if (!sender.write(size === chunkBytes ? chunk : chunk.subarray(0, size))) {
          sender.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

/** Destroys streams and waits (briefly) for their 'close'. */
export async function destroyAll(streams: readonly Duplex[]): Promise<void> {
  await Promise.all(
    streams.map(
      (stream) =>
        new Promise<void>((resolve) => {
          if (stream.destroyed && stream.closed) {
            resolve();
            return;
          }
          const timer = setTimeout(resolve, 2_000);
          stream.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          stream.on('error', () => {
            // Errors after the measurement are not part of it.
          });
          stream.destroy();
        }),
    ),
  );
}

/** One timed transfer; `raw` carries the counters of the raw-selector variant. */
export interface Transfer<Raw> {
  seconds: number;
  raw?: Raw;
}

/** One way to move `total` bytes, timed. */
export interface TransferVariant<Raw> {
  label: string;
  run: (total: number) => Promise<Transfer<Raw>>;
  /** Warms up inside every run (a process of its own, the C AFD loop): no shared warm-up. */
  selfWarming?: boolean;
}

/**
 * Throughput rounds shared by the bulk benchmarks: a warm-up per variant, then `rounds` rounds
 * in rotated order. Failures are collected, never thrown.
 */
export async function measureTransfers<Raw>(
  variants: readonly TransferVariant<Raw>[],
  options: { totalMiB: number; warmupMiB: number; rounds: number; log: (line: string) => void },
): Promise<{ samples: Map<string, number[]>; raw: Raw[]; errors: string[] }> {
  const { totalMiB, warmupMiB, rounds, log } = options;
  const samples = new Map<string, number[]>(variants.map((v) => [v.label, []]));
  const raw: Raw[] = [];
  const errors: string[] = [];
  for (const variant of variants) {
    if (variant.selfWarming === true) continue;
    try {
      await variant.run(warmupMiB * MIB);
    } catch (error) {
      errors.push(`${variant.label} warm-up: ${(error as Error).message}`);
    }
  }
  for (let r = 0; r < rounds; r++) {
    for (const variant of rotated(variants, r)) {
      try {
        const transfer = await variant.run(totalMiB * MIB);
        const mibPerSecond = totalMiB / transfer.seconds;
        samples.get(variant.label)?.push(mibPerSecond);
        if (transfer.raw !== undefined) raw.push(transfer.raw);
        log(`round ${r + 1}: ${variant.label}: ${Math.round(mibPerSecond * 10) / 10} MiB/s (${Math.round(transfer.seconds * 100) / 100} s)`);
      } catch (error) {
        errors.push(`${variant.label} round ${r + 1}: ${(error as Error).message}`);
        log(`round ${r + 1}: ${variant.label} failed: ${(error as Error).message}`);
      }
    }
  }
  return { samples, raw, errors };
}
