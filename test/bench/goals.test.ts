// The README's goals table (scripts/bench-goals.mjs) and chart (scripts/bench-charts.mjs): met or
// not is decided from the results file, a goal not met names what stands in the way with that
// file's figures, and a benchmark that did not run is "not measured", never a guess. Portable:
// the results are written here.
import { describe, expect, it } from 'vitest';
import { goalsChart } from '../../scripts/bench-charts.mjs';
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

describe('goalsChart', () => {
  const withSelector = (dropInPingPong: number) => {
    const base = results(dropInPingPong);
    return { benchmarks: { ...base.benchmarks, 'selector-idle-sockets': pinned({ ratios: { dataPoll: 6 }, setup: { registeredBytesPerSocket: 1024 } }) } };
  };
  /** The bar of `measure`: its width in pixels and its colour. */
  const barOf = (svg: string, measure: string) => {
    const match = new RegExp(`width="([0-9.]+)" height="[0-9.]+" fill="(#[0-9a-f]{6})"><title>${measure.replaceAll('>', '&gt;').replace(/[()/+.]/g, '\\$&')}:`).exec(svg);
    return { width: Number(match?.[1]), color: match?.[2] };
  };

  it('draws each goal with its figure and target, green when met and orange when not', () => {
    const svg = goalsChart(withSelector(0.76), 'wine8-node22');
    expect(svg).toContain("Issue 13's performance goals, wine8-node22, pinned");
    expect(svg).toMatch(/>0\.76 <tspan fill="#555">goal ≥ 0\.8<\/tspan> <tspan fill="#d94701" font-weight="600">not met</);
    expect(barOf(svg, 'drop-in ping-pong / node:net').color).toBe('#d94701');
    expect(barOf(svg, 'drop-in bulk / node:net').color).toBe('#238b45');
    expect(svg).toContain('--runtime=wine8-node22');
  });

  it('inverts a goal of the form ≤: a figure under the target is past the goal line', () => {
    const svg = goalsChart(withSelector(0.9), 'wine10-node22');
    const memory = barOf(svg, 'memory per idle registered socket (bytes)');
    const perEvent = barOf(svg, 'per-event cost, 10,000 / 10 idle registered sockets');
    // 2048 / 1024 = 2: the full bar; 1.2 / 6 = 0.2: a tenth of it.
    expect(memory).toEqual({ width: 420, color: '#238b45' });
    expect(perEvent.color).toBe('#d94701');
    expect(perEvent.width).toBeCloseTo(42, 1);
  });

  it('leaves a goal whose benchmark did not run grey, "not measured"', () => {
    const svg = goalsChart(withSelector(0.9), 'wine10-node22');
    expect(barOf(svg, 'relay, TCP -> TCP, 8 streams / the same relay on node:net')).toEqual({ width: 0, color: '#bbbbbb' });
    expect(svg).toMatch(/>not measured <tspan fill="#555">goal ≥ 1</);
  });
});
