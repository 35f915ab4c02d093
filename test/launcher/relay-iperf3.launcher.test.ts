// Debian's iperf3 through `npm start -- relay tcp-listen:... tcp:...` (the relay under Wine, both
// peers Linux processes): four parallel streams each way are fair, and runs with the server
// sending (-R) and both ways at once (--bidir) end cleanly. Once, three of four streams stood at
// 0 bytes/s until the first ended, and -R runs lost their control connection.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectRuntimes } from '../../scripts/runtimes.mjs';
import { freePort, startRelay, type RelayProcess } from './fixtures/relay-process.js';

const SECONDS = 3;
const STREAMS = 4;

interface IperfStream {
  sender?: { bytes: number; sender?: boolean };
  receiver?: { bytes: number; sender?: boolean };
}
interface IperfResult {
  error?: string;
  end?: { streams?: IperfStream[]; sum_received?: { bytes: number }; sum_received_bidir_reverse?: { bytes: number } };
}

function iperf(port: number, extra: string[]): IperfResult {
  const run = spawnSync('iperf3', ['-c', '127.0.0.1', '-p', String(port), '-t', String(SECONDS), '-P', String(STREAMS), '-J', ...extra], { encoding: 'utf8', timeout: 60_000 });
  expect(run.stdout, run.stderr).not.toBe('');
  return JSON.parse(run.stdout) as IperfResult;
}

/** Slowest stream over the mean of the streams' received bytes; the figures go to the log. */
function fairness(label: string, bytes: number[]): number {
  const mean = bytes.reduce((a, b) => a + b, 0) / bytes.length;
  const ratio = Math.min(...bytes) / mean;
  const mib = bytes.map((b) => (b / 2 ** 20).toFixed(0)).join(' / ');
  console.log(`${label}: MiB per stream ${mib} in ${SECONDS} s, slowest / mean ${ratio.toFixed(2)}`);
  return ratio;
}

// Every runtime of the matrix (MIO_TS_RUNTIMES narrows it, as for the Windows suites).
const runtimeIds = (selectRuntimes(process.env.MIO_TS_RUNTIMES) as { id: string }[]).map((runtime) => runtime.id);

describe.each(runtimeIds)('Debian iperf3 through the relay launched on Linux, %s', (runtimeId) => {
  let server: ChildProcess | undefined;
  let relay: RelayProcess | undefined;
  let relayPort = 0;
  const relayOutput = (): string => relay?.output() ?? '';

  beforeAll(async () => {
    const serverPort = await freePort();
    server = spawn('iperf3', ['-s', '-B', '127.0.0.1', '-p', String(serverPort)], { stdio: 'ignore' });
    relay = await startRelay(runtimeId, serverPort);
    relayPort = relay.port;
  }, 180_000);

  afterAll(async () => {
    await relay?.stop();
    server?.kill('SIGKILL');
  }, 20_000);

  it(`${STREAMS} streams from the client: every stream moves, the slowest at least half the mean`, () => {
    const result = iperf(relayPort, []);
    expect(result.error, relayOutput()).toBeUndefined();
    const received = (result.end?.streams ?? []).map((stream) => stream.receiver?.bytes ?? 0);
    expect(received).toHaveLength(STREAMS);
    expect(fairness(`${runtimeId} iperf3 -P ${STREAMS}`, received), `bytes per stream: ${received.join(', ')}`).toBeGreaterThanOrEqual(0.5);
  }, 90_000);

  it(`${STREAMS} streams from the server (-R): no reset, every stream moves, the slowest at least half the mean`, () => {
    const result = iperf(relayPort, ['-R']);
    expect(result.error, relayOutput()).toBeUndefined();
    const received = (result.end?.streams ?? []).map((stream) => stream.receiver?.bytes ?? 0);
    expect(received).toHaveLength(STREAMS);
    expect(fairness(`${runtimeId} iperf3 -P ${STREAMS} -R`, received), `bytes per stream: ${received.join(', ')}`).toBeGreaterThanOrEqual(0.5);
  }, 90_000);

  it('both ways at once (--bidir): ends cleanly, data moved each way', () => {
    const result = iperf(relayPort, ['--bidir']);
    expect(result.error, relayOutput()).toBeUndefined();
    const forward = result.end?.sum_received?.bytes ?? 0;
    const reverse = result.end?.sum_received_bidir_reverse?.bytes ?? 0;
    console.log(`${runtimeId} iperf3 -P ${STREAMS} --bidir: ${(forward / 2 ** 20).toFixed(0)} MiB one way, ${(reverse / 2 ** 20).toFixed(0)} MiB the other, in ${SECONDS} s`);
    expect(forward).toBeGreaterThan(0);
    expect(reverse).toBeGreaterThan(0);
  }, 90_000);
});
