// The README's goals table (scripts/bench-goals.mjs): met or not is decided from the results
// file, a goal not met names what stands in the way with that file's figures, and a benchmark
// that did not run is "not measured", never a guess. Portable: the results are written here.
import { describe, expect, it } from 'vitest';
import { goalsTable } from '../../scripts/bench-goals.mjs';

const comparison = (metric: string, ratios: Record<string, number>, limitRatios?: Record<string, number>) => ({ metric, ratios, limitRatios });
const pinned = (results: object) => ({ runs: { pinned: { results } } });
const trace = (requests: number, removes: number) => ({ requests, byRequest: { remove_completion: removes } });

function results(dropInPingPong: number) {
  return {
    benchmarks: {
      'tcp-ping-pong': pinned({ comparisons: [comparison('roundTripsPerSecond', { 'mio-ts drop-in Socket': dropInPingPong }, { 'mio-ts drop-in Socket': 0.9, 'mio-ts TcpStream + Poll': 0.95 })] }),
      'tcp-bulk': pinned({ comparisons: [comparison('throughput', { 'mio-ts drop-in Socket': 1.5 }, { 'mio-ts TcpStream + Poll': 0.5 })] }),
      'server-round-trips': pinned({ perRoundTrip: { 'drop-in': trace(22, 6), 'raw-poll': trace(20, 4), 'node-net': trace(18.1, 4), 'c-loop': trace(21, 3) } }),
    },
  };
}

const rowOf = (table: string, measure: string): string => table.split('\n').find((line) => line.startsWith(`| ${measure} |`)) ?? '';

describe('goalsTable', () => {
  it('marks a goal met or not from the figure, and explains one not met with the trace figures', () => {
    const met = goalsTable(results(0.85));
    expect(rowOf(met, 'drop-in ping-pong / node:net')).toMatch(/\| ≥ 0\.8 \| 0\.85 \| yes \|/);
    const missed = goalsTable(results(0.76));
    const row = rowOf(missed, 'drop-in ping-pong / node:net');
    expect(row).toMatch(/\| ≥ 0\.8 \| 0\.76 \| \*\*no\*\* \|/);
    expect(row).toContain('drop-in 22.0, raw Poll 20.0, node:net 18.1');
    expect(row).toContain('of the drop-in\'s 2.0 over the raw loop, 2.0 are remove_completion');
    expect(rowOf(missed, 'raw TcpStream + Poll, bulk, / C AFD loop')).toMatch(/\| 0\.50 \| \*\*no\*\* \|/);
    expect(rowOf(missed, 'drop-in bulk / node:net')).toMatch(/\| 1\.50 \| yes \|/);
  });

  it('says "not measured" where a benchmark did not run', () => {
    const table = goalsTable(results(0.9));
    expect(rowOf(table, 'relay, TCP -> TCP, 8 streams / the same relay on node:net')).toContain('| - | not measured |');
    expect(rowOf(table, 'memory per idle registered socket (bytes)')).toContain('| - | not measured |');
  });
});
