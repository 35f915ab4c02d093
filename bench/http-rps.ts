// HTTP requests per second, Node's http.Server over the mio-ts drop-in against plain
// http.createServer().listen() (issue 5), both in this Windows Node.js, loaded from OUTSIDE:
// a load generator run by the Linux host's Node (scripts/http-load.mjs; loopback sockets are
// shared between Wine and Linux). The two sides meet in a rendezvous directory that
// scripts/bench.mjs creates and names in MIO_BENCH_RENDEZVOUS:
//   1. this side starts both servers and writes servers.json (the targets and the load plan);
//   2. the generator loads each target in turn and writes load-results.json (or load-error.json);
//   3. this side reads the results back, closes the servers and reports.
// Every wait has a deadline: without a generator the run fails after LOAD_TIMEOUT_MS.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { join } from 'node:path';
import * as mioNet from '../src/adapters/net.js';
import { round, runBenchmark, tick, type BenchmarkContext } from './lib/harness.js';
import { comparison } from './lib/side-by-side.js';

const CONNECTIONS = positiveInteger(process.env['MIO_BENCH_HTTP_CONNECTIONS'], 50);
const DURATION_MS = positiveInteger(process.env['MIO_BENCH_HTTP_MS'], 5_000);
/** Once per target before the rounds: the servers reach their pace only after several seconds. */
const INITIAL_WARMUP_MS = 5_000;
const WARMUP_MS = 1_000;
const ROUNDS = 2;
const REQUEST_TIMEOUT_MS = 5_000;
/** Generous: the plan itself takes ROUNDS * targets * (warm-up + duration). */
const LOAD_TIMEOUT_MS = 2 * INITIAL_WARMUP_MS + ROUNDS * 2 * (WARMUP_MS + DURATION_MS) + 60_000;
const BODY = 'hello world\n';

const DROP_IN = 'http.Server over mio-ts drop-in';
const NODE = 'http.Server over node:net';

function positiveInteger(text: string | undefined, fallback: number): number {
  const value = Number(text);
  return text !== undefined && Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

/** What scripts/http-load.mjs reads from servers.json. */
interface LoadPlan {
  targets: { name: string; url: string }[];
  connections: number;
  initialWarmupMs: number;
  warmupMs: number;
  durationMs: number;
  rounds: number;
  requestTimeoutMs: number;
}

interface TargetResult {
  requests: number;
  errors: number;
  seconds: number;
  requestsPerSecond: number;
  requestsPerSecondByRound: number[];
  latencyUs: { p50: number; p90: number; p99: number; mean: number; max: number };
  generatorCpuPercent: number;
}

interface LoadResults {
  generator: Record<string, unknown>;
  targets: Record<string, TargetResult>;
}

interface Served {
  name: string;
  url: string;
  requests: number;
  connections: number;
  close(): Promise<void>;
}

function handler(served: { requests: number }): http.RequestListener {
  return (_request, response) => {
    served.requests++;
    response.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': String(Buffer.byteLength(BODY)) });
    response.end(BODY);
  };
}

function portOf(address: unknown): number {
  if (typeof address !== 'object' || address === null || !('port' in address)) throw new Error('the server reports no port');
  return Number(address.port);
}

async function dropInServer(): Promise<Served> {
  const served: Served = { name: DROP_IN, url: '', requests: 0, connections: 0, close: () => Promise.resolve() };
  const web = http.createServer(handler(served));
  const sockets = new Set<mioNet.Socket>();
  const tcp = mioNet.createServer((socket) => {
    served.connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    web.emit('connection', socket);
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(0, '127.0.0.1', resolve);
  });
  served.url = `http://127.0.0.1:${portOf(tcp.address())}/`;
  served.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      web.closeAllConnections();
      tcp.close(() => resolve());
    });
  return served;
}

async function nodeServer(): Promise<Served> {
  const served: Served = { name: NODE, url: '', requests: 0, connections: 0, close: () => Promise.resolve() };
  const web = http.createServer(handler(served));
  web.on('connection', () => served.connections++);
  await new Promise<void>((resolve, reject) => {
    web.once('error', reject);
    web.listen(0, '127.0.0.1', resolve);
  });
  served.url = `http://127.0.0.1:${portOf(web.address())}/`;
  served.close = () =>
    new Promise<void>((resolve) => {
      web.closeAllConnections();
      web.close(() => resolve());
    });
  return served;
}

/** Writes JSON so that a reader never sees half a file. */
function writeAtomically(path: string, value: unknown): void {
  writeFileSync(`${path}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

async function awaitLoad(rendezvous: string, { log }: BenchmarkContext): Promise<LoadResults> {
  const resultsPath = join(rendezvous, 'load-results.json');
  const errorPath = join(rendezvous, 'load-error.json');
  const deadline = performance.now() + LOAD_TIMEOUT_MS;
  let lastNote = performance.now();
  while (performance.now() < deadline) {
    if (existsSync(resultsPath)) return JSON.parse(readFileSync(resultsPath, 'utf8')) as LoadResults;
    if (existsSync(errorPath)) throw new Error(`the load generator failed: ${readFileSync(errorPath, 'utf8').trim()}`);
    if (performance.now() - lastNote > 10_000) {
      lastNote = performance.now();
      log('waiting for the load generator...');
    }
    // The servers are served meanwhile: this loop only sleeps.
    await tick(100);
  }
  throw new Error(`no load results within ${LOAD_TIMEOUT_MS} ms: is the Linux-side generator (scripts/http-load.mjs, started by npm run bench) running?`);
}

await runBenchmark('http-rps', `HTTP requests per second, Node's http.Server over the mio-ts drop-in against over node:net, load from the Linux host (${CONNECTIONS} keep-alive connections)`, async (context) => {
  const rendezvous = process.env['MIO_BENCH_RENDEZVOUS'];
  if (rendezvous === undefined || rendezvous === '') {
    throw new Error('http-rps needs the Linux-side load generator: run it with `npm run bench -- http-rps` (MIO_BENCH_RENDEZVOUS is not set)');
  }
  const servers = [await dropInServer(), await nodeServer()];
  try {
    const plan: LoadPlan = {
      targets: servers.map(({ name, url }) => ({ name, url })),
      connections: CONNECTIONS,
      initialWarmupMs: INITIAL_WARMUP_MS,
      warmupMs: WARMUP_MS,
      durationMs: DURATION_MS,
      rounds: ROUNDS,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
    };
    writeAtomically(join(rendezvous, 'servers.json'), plan);
    context.log(`servers ready: ${servers.map((s) => `${s.name} at ${s.url}`).join(', ')}`);
    const load = await awaitLoad(rendezvous, context);
    const target = (name: string): TargetResult | undefined => load.targets[name];
    const figure = (name: string, pick: (t: TargetResult) => number): number | null => {
      const t = target(name);
      return t === undefined || t.requests === 0 ? null : pick(t);
    };
    for (const s of servers) {
      const t = target(s.name);
      if (t !== undefined) context.log(`${s.name}: ${round(t.requestsPerSecond, 0)} requests/s, p50 ${t.latencyUs.p50} µs, p99 ${t.latencyUs.p99} µs, ${t.errors} errors`);
    }
    const both = (pick: (t: TargetResult) => number): Record<string, number | null> => ({ [DROP_IN]: figure(DROP_IN, pick), [NODE]: figure(NODE, pick) });
    return {
      results: {
        comparisons: [
          comparison('requestsPerSecond', `HTTP requests per second, ${CONNECTIONS} keep-alive connections from the Linux host`, 'requests/s', true, NODE, both((t) => t.requestsPerSecond), 0),
          comparison('latencyP50', 'HTTP request latency p50, seen by the Linux-side client', 'µs', false, NODE, both((t) => t.latencyUs.p50), 0),
          comparison('latencyP99', 'HTTP request latency p99, seen by the Linux-side client', 'µs', false, NODE, both((t) => t.latencyUs.p99), 0),
        ],
        targets: load.targets,
        servedOnWindowsSide: Object.fromEntries(servers.map((s) => [s.name, { requests: s.requests, connections: s.connections }])),
        generator: load.generator,
        plan: { connections: CONNECTIONS, initialWarmupMs: INITIAL_WARMUP_MS, warmupMs: WARMUP_MS, durationMs: DURATION_MS, rounds: ROUNDS },
      },
      notes: [
        "both servers are Node's http.createServer() with the same handler (200, 12-byte text body) in the same Windows node.exe; the drop-in one gets its sockets through mioNet.createServer((s) => server.emit('connection', s))",
        `the load comes from the Linux host's Node (scripts/http-load.mjs, node:http with a keep-alive Agent): ${CONNECTIONS} connections, each one request at a time`,
        `first a ${INITIAL_WARMUP_MS} ms warm-up of each target (both servers keep getting faster for several seconds), then ${ROUNDS} rounds, the targets in a rotated order; per target and round a ${WARMUP_MS} ms warm-up, then ${DURATION_MS} ms measured; requests per second over both rounds, latency percentiles over all requests`,
        'when the run is pinned, Wine runs on the pinned CPUs and the generator on the others (see generator.cpus)',
        'ratio = mio-ts / node:net (for latencies lower is better)',
      ],
    };
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
});
