// An HTTP load generator for the http-rps benchmark, run by the HOST's Node (on Linux: outside
// Wine, against servers inside it; loopback sockets are shared). node:http with a keep-alive
// Agent: N connections, each with one request at a time, for a fixed duration.
//
//   node scripts/http-load.mjs --rendezvous <dir> [--timeout-ms 300000]
//       waits for <dir>/servers.json (written by bench/http-rps.ts: targets and plan), loads
//       each target in turn, writes <dir>/load-results.json (or load-error.json) and exits
//   node scripts/http-load.mjs --url http://127.0.0.1:8080/ [--connections 50] [--duration-ms 5000]
//       loads one URL and prints the figures as JSON
//
// Bounded everywhere: every request has a timeout, every phase a deadline, and the rendezvous
// mode gives up (exit code 1) when no plan arrives in time.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';

const log = (message) => process.stderr.write(`[http-load] ${message}\n`);

function parseArgs(argv) {
  const options = { connections: 50, durationMs: 5_000, warmupMs: 1_000, rounds: 1, requestTimeoutMs: 5_000, timeoutMs: 300_000 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) usage(`${arg} needs a value`);
      return next;
    };
    if (arg === '--rendezvous') options.rendezvous = value();
    else if (arg === '--url') options.url = value();
    else if (arg === '--connections') options.connections = positive(arg, value());
    else if (arg === '--duration-ms') options.durationMs = positive(arg, value());
    else if (arg === '--warmup-ms') options.warmupMs = Number(value());
    else if (arg === '--timeout-ms') options.timeoutMs = positive(arg, value());
    else usage(`unknown argument ${arg}`);
  }
  if ((options.rendezvous === undefined) === (options.url === undefined)) usage('give either --rendezvous <dir> or --url <url>');
  return options;
}

function positive(name, text) {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) usage(`${name} must be a positive integer, got ${text}`);
  return value;
}

function usage(message) {
  process.stderr.write(`http-load: ${message}\n`);
  process.exit(2);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One GET on `agent`; resolves with true for a complete 200 response, false otherwise. */
function request(url, agent, timeoutMs) {
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(ok);
    };
    const req = http.get(url, { agent }, (res) => {
      res.on('data', () => {});
      res.on('end', () => done(res.statusCode === 200));
      res.on('error', () => done(false));
    });
    req.on('error', () => done(false));
    const timer = setTimeout(() => {
      req.destroy(new Error('request timeout'));
      done(false);
    }, timeoutMs);
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** `connections` request loops against `url` for `durationMs`; latencies in microseconds. */
async function loadPhase(url, { connections, durationMs, requestTimeoutMs }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const latencies = [];
  let errors = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const end = started + durationMs;
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const ok = await request(url, agent, requestTimeoutMs);
      if (ok) latencies.push((performance.now() - t0) * 1000);
      else {
        errors++;
        // A refused or broken target must not turn this loop into a spin.
        await sleep(10);
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  agent.destroy();
  return { latencies, errors, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

function summarize(phases) {
  const latencies = phases.flatMap((p) => p.latencies).sort((a, b) => a - b);
  const requests = latencies.length;
  const seconds = phases.reduce((sum, p) => sum + p.seconds, 0);
  const cpuSeconds = phases.reduce((sum, p) => sum + p.cpuSeconds, 0);
  const r = (value) => Math.round(value);
  return {
    requests,
    errors: phases.reduce((sum, p) => sum + p.errors, 0),
    seconds: Math.round(seconds * 100) / 100,
    requestsPerSecond: Math.round((requests / seconds) * 10) / 10,
    requestsPerSecondByRound: phases.map((p) => Math.round(p.latencies.length / p.seconds)),
    latencyUs: {
      p50: r(percentile(latencies, 50)),
      p90: r(percentile(latencies, 90)),
      p99: r(percentile(latencies, 99)),
      mean: r(latencies.reduce((sum, v) => sum + v, 0) / Math.max(1, requests)),
      max: r(latencies[latencies.length - 1] ?? NaN),
    },
    // Of one CPU: near 100 would mean the generator, not the server, set the pace.
    generatorCpuPercent: Math.round((cpuSeconds / seconds) * 100),
  };
}

/** Loads every target of the plan, `rounds` times, in a rotated order. */
async function runPlan(plan) {
  const phases = new Map(plan.targets.map((t) => [t.name, []]));
  for (const target of plan.targets) {
    if ((plan.initialWarmupMs ?? 0) > 0) await loadPhase(target.url, { ...plan, durationMs: plan.initialWarmupMs });
  }
  for (let round = 0; round < plan.rounds; round++) {
    const shift = round % plan.targets.length;
    const order = [...plan.targets.slice(shift), ...plan.targets.slice(0, shift)];
    for (const target of order) {
      if (plan.warmupMs > 0) await loadPhase(target.url, { ...plan, durationMs: plan.warmupMs });
      const phase = await loadPhase(target.url, plan);
      phases.get(target.name).push(phase);
      log(`round ${round + 1}: ${target.name}: ${Math.round(phase.latencies.length / phase.seconds)} requests/s, ${phase.errors} errors`);
    }
  }
  return Object.fromEntries([...phases].map(([name, list]) => [name, summarize(list)]));
}

function cpusAllowed() {
  try {
    return /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

function writeAtomically(path, value) {
  writeFileSync(`${path}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

async function rendezvousMode(options) {
  const planPath = join(options.rendezvous, 'servers.json');
  const deadline = Date.now() + options.timeoutMs;
  while (!existsSync(planPath)) {
    if (Date.now() > deadline) {
      log(`no ${planPath} within ${options.timeoutMs} ms: giving up`);
      process.exit(1);
    }
    await sleep(100);
  }
  try {
    const plan = JSON.parse(readFileSync(planPath, 'utf8'));
    log(`loading ${plan.targets.map((t) => `${t.name} (${t.url})`).join(', ')}: ${plan.connections} connections, ${plan.rounds} x ${plan.durationMs} ms each`);
    // The plan's own length plus a margin; a hung target cannot hold us longer than this.
    const budget = plan.targets.length * ((plan.initialWarmupMs ?? 0) + plan.rounds * (plan.warmupMs + plan.durationMs + plan.requestTimeoutMs)) + 30_000;
    const targets = await Promise.race([runPlan(plan), sleep(budget).then(() => Promise.reject(new Error(`the load plan took longer than ${budget} ms`)))]);
    const generator = { node: process.version, platform: `${process.platform}/${process.arch}`, cpus: cpusAllowed(), client: 'node:http, keep-alive Agent', connections: plan.connections };
    writeAtomically(join(options.rendezvous, 'load-results.json'), { generator, targets });
    process.exit(0);
  } catch (error) {
    writeAtomically(join(options.rendezvous, 'load-error.json'), { message: error instanceof Error ? error.message : String(error) });
    log(`failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

async function urlMode(options) {
  const plan = { ...options, rounds: 1, targets: [{ name: options.url, url: options.url }] };
  const targets = await runPlan(plan);
  process.stdout.write(`${JSON.stringify({ generator: { node: process.version, cpus: cpusAllowed() }, targets }, null, 2)}\n`);
  process.exit(0);
}

const options = parseArgs(process.argv.slice(2));
if (options.rendezvous !== undefined) await rendezvousMode(options);
else await urlMode(options);
