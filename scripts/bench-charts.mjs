// Renders bench/results.json as SVG bar charts into docs/ (hand-written SVG, no dependencies):
//
//   docs/bench-<name>.svg   one per side-by-side benchmark (results.comparisons): mio-ts against
//                           node:net, unpinned and pinned, values with units and ratios; where
//                           the C AFD loop was measured, its row and each ratio to it as well
//   docs/bench-ratios.svg   every higher-is-better ratio mio-ts / node:net at a glance, and
//                           every ratio to the C AFD loop (the physical limit)
//   docs/bench-selector.svg the selector figures (round trip against idle sockets, waker
//                           latency, events per second, event-loop delay)
//   docs/bench-goals-<runtime>.svg
//                           issue 13's goals, each pinned figure as a share of its target, one
//                           chart per runtime (from bench/results.json or results-<runtime>.json)
//
//   node scripts/bench-charts.mjs            render the above from bench/results.json, and the
//                                            goals of every results file
//   node scripts/bench-charts.mjs --table    also print the side-by-side table (Markdown)
//
// scripts/bench.mjs calls renderCharts() and renderGoalsChart() after every run.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { figureText, goalRows, targetText, verdictText } from './bench-goals.mjs';
import { defaultRuntimeId } from './runtimes.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MODES = ['unpinned', 'pinned'];

// Short chart titles; a benchmark without one uses its description.
const TITLES = {
  'tcp-bulk': 'TCP bulk throughput on 127.0.0.1: mio-ts vs node:net',
  'tcp-ping-pong': 'TCP 64-byte ping-pong on 127.0.0.1: mio-ts vs node:net',
  'pipe-throughput': 'Named-pipe throughput: mio-ts vs node:net',
  'accept-rate': 'Connections accepted per second: mio-ts drop-in Server vs node:net Server',
  'http-rps': 'HTTP requests per second from the Linux host: http.Server over mio-ts vs node:net',
  'relay-throughput': 'Relay throughput, 8 parallel TCP streams: mio-ts relay vs the same relay on node:net',
};

const COLORS = {
  mio: { unpinned: '#9ecae1', pinned: '#2171b5' },
  node: { unpinned: '#fdbe85', pinned: '#d94701' },
  limit: { unpinned: '#a1d99b', pinned: '#238b45' },
};

const WIDTH = 980;
const LEFT = 16;
const LABEL_WIDTH = 300;
const BAR_X = LEFT + LABEL_WIDTH;
const BAR_MAX = 420;
const BAR_HEIGHT = 14;
const BAR_GAP = 3;
const FONT = "'Segoe UI', Helvetica, Arial, sans-serif";

/** Rough text width in pixels (no font metrics in a script): average glyph widths of sans-serif. */
function textWidth(text, size, bold = false) {
  return String(text).length * size * (bold ? 0.6 : 0.54);
}

/** Splits `text` into lines of at most `maxWidth` pixels, at spaces. */
function wrap(text, maxWidth, size, bold = false) {
  const lines = [];
  let line = '';
  for (const word of String(text).split(' ')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (line !== '' && textWidth(candidate, size, bold) > maxWidth) {
      lines.push(line);
      line = word;
    } else line = candidate;
  }
  if (line !== '') lines.push(line);
  return lines;
}

const CONTENT_WIDTH = WIDTH - 2 * LEFT;

function esc(text) {
  return String(text).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** A figure for display: thousands separators, decimals only where they mean something. */
export function formatValue(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: digits });
}

export function formatRatio(ratio) {
  return ratio === null || ratio === undefined || !Number.isFinite(ratio) ? 'n/a' : `×${ratio.toFixed(2)}`;
}

/** The modes a benchmark has results for, in display order. */
function modesOf(entry) {
  return MODES.filter((mode) => entry?.runs?.[mode]?.results !== undefined);
}

// --- Panels: the one layout every chart uses ---------------------------------------------------
//
// A panel is { title, unit, higherIsBetter, reference?, rows: [{ label, kind: 'mio' | 'node',
// values: { unpinned, pinned }, ratios?: { unpinned, pinned }, limitRatios?: { unpinned, pinned } }] }.
// kind 'limit' is the C AFD loop; limitRatios are a row's value / the loop's. A panel whose unit is
// 'ratio' shows its values as ×0.52; `reference` draws a dashed line at that value (parity).

const LABEL_SIZE = 12.5;
const LINE_HEIGHT = 15;

function rowLabelLines(row) {
  return wrap(row.label, LABEL_WIDTH - 10, LABEL_SIZE);
}

function rowHeight(row, modes) {
  const bars = modes.length * (BAR_HEIGHT + BAR_GAP) - BAR_GAP;
  return Math.max(bars, rowLabelLines(row).length * LINE_HEIGHT);
}

function formatWithUnit(value, unit) {
  return unit === 'ratio' ? formatRatio(value) : `${formatValue(value)} ${unit}`;
}

/** The panel's heading: its title, then (unit, direction) on the same line if it fits. */
function panelHeading(panel) {
  const direction = panel.higherIsBetter ? 'higher is better' : 'lower is better';
  const detail = `(${panel.unit}, ${direction})`;
  const lines = wrap(panel.title, CONTENT_WIDTH, 14, true).map((text) => ({ text, detail: '' }));
  const last = lines[lines.length - 1];
  if (textWidth(last.text, 14, true) + textWidth(` ${detail}`, 14) <= CONTENT_WIDTH) last.detail = detail;
  else lines.push({ text: '', detail });
  return lines;
}

function panelHeight(panel, modes) {
  const reference = panel.reference === undefined ? 0 : 10;
  return 12 + panelHeading(panel).length * 18 + panel.rows.reduce((sum, row) => sum + rowHeight(row, modes) + BAR_GAP + 10, 0) + reference + 8;
}

function renderPanel(panel, modes, y) {
  const parts = [];
  const heading = panelHeading(panel);
  heading.forEach(({ text, detail }, index) => {
    const detailSpan = detail === '' ? '' : `${text === '' ? '' : ' '}<tspan font-weight="400" fill="#555">${esc(detail)}</tspan>`;
    parts.push(`<text x="${LEFT}" y="${y + 18 + index * 18}" font-size="14" font-weight="600">${esc(text)}${detailSpan}</text>`);
  });
  const values = panel.rows.flatMap((row) => modes.map((mode) => row.values[mode] ?? 0)).filter(Number.isFinite);
  const max = Math.max(0, ...values, ...(panel.reference === undefined ? [] : [panel.reference * 1.1]));
  const top = y + 12 + heading.length * 18;
  let rowY = top;
  if (panel.reference !== undefined && max > 0) {
    // Drawn first, so that bars and labels lie on top of it.
    const x = BAR_X + (panel.reference / max) * BAR_MAX;
    const bottom = top + panel.rows.reduce((sum, row) => sum + rowHeight(row, modes) + BAR_GAP + 10, 0);
    parts.push(`<line x1="${x.toFixed(1)}" y1="${top - 4}" x2="${x.toFixed(1)}" y2="${bottom - 8}" stroke="#333" stroke-dasharray="4 3"/>`);
    parts.push(`<text x="${(x + 4).toFixed(1)}" y="${bottom + 2}" font-size="11" fill="#333">${esc(panel.referenceLabel ?? String(panel.reference))}</text>`);
  }
  for (const row of panel.rows) {
    const height = rowHeight(row, modes);
    const lines = rowLabelLines(row);
    const firstBaseline = rowY + (height - lines.length * LINE_HEIGHT) / 2 + LINE_HEIGHT - 4;
    lines.forEach((line, index) => parts.push(`<text x="${LEFT}" y="${(firstBaseline + index * LINE_HEIGHT).toFixed(1)}" font-size="${LABEL_SIZE}">${esc(line)}</text>`));
    const barsTop = rowY + (height - (modes.length * (BAR_HEIGHT + BAR_GAP) - BAR_GAP)) / 2;
    modes.forEach((mode, index) => {
      const value = row.values[mode];
      const barY = barsTop + index * (BAR_HEIGHT + BAR_GAP);
      const width = value === null || value === undefined || max === 0 ? 0 : Math.max(1, (value / max) * BAR_MAX);
      const color = COLORS[row.kind][mode];
      parts.push(`<rect x="${BAR_X}" y="${barY.toFixed(1)}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${color}"><title>${esc(`${row.label}, ${mode}: ${formatWithUnit(value, panel.unit)}`)}</title></rect>`);
      const ratio = row.ratios?.[mode];
      const ratioText = row.ratios === undefined ? '' : ` <tspan fill="#555">${esc(formatRatio(ratio))}</tspan>`;
      const limitRatio = row.limitRatios?.[mode];
      const limitText = limitRatio === undefined ? '' : ` <tspan fill="${COLORS.limit.pinned}">${esc(`${formatRatio(limitRatio)} of C`)}</tspan>`;
      parts.push(`<text x="${(BAR_X + width + 6).toFixed(1)}" y="${(barY + BAR_HEIGHT - 3).toFixed(1)}" font-size="11.5">${esc(formatWithUnit(value, panel.unit))}${ratioText}${limitText}</text>`);
    });
    rowY += height + BAR_GAP + 10;
  }
  return parts.join('\n');
}

/** The colour key; it wraps onto more lines when it does not fit. Returns { svg, lines }. */
function legend(modes, kinds, y, pinLabel) {
  const parts = [];
  let x = LEFT;
  let lines = 1;
  const names = { mio: 'mio-ts', node: 'node:net', limit: 'C AFD loop' };
  for (const kind of kinds) {
    for (const mode of modes) {
      const label = `${names[kind]}, ${mode === 'pinned' ? `pinned (${pinLabel})` : 'unpinned'}`;
      const width = 17 + label.length * 6.6 + 18;
      if (x > LEFT && x + width - 18 > WIDTH - LEFT) {
        x = LEFT;
        lines++;
      }
      const top = y + (lines - 1) * 20;
      parts.push(`<rect x="${x}" y="${top}" width="12" height="12" fill="${COLORS[kind][mode]}"/>`);
      parts.push(`<text x="${x + 17}" y="${top + 10.5}" font-size="12">${esc(label)}</text>`);
      x += width;
    }
  }
  return { svg: parts.join('\n'), lines };
}

/** Where and on what the figures were measured, one line per fact. */
function captionLines(entries, modes, command) {
  const lines = [];
  const first = entries.map((entry) => modes.map((mode) => entry?.runs?.[mode]).find(Boolean)).find(Boolean);
  if (first !== undefined) {
    const m = first.machine ?? {};
    const runtime = first.runtime ?? {};
    const under = m.wine ? `under Wine (${m.wine}), not native Windows` : 'natively on Windows';
    lines.push(`Windows Node.js ${runtime.node ?? '?'} ${under}; ${m.cpu ?? '?'}, ${m.cores ?? '?'} cores, ${m.memoryGiB ?? '?'} GiB, ${m.os ?? '?'}.`);
  }
  const runs = [];
  for (const mode of modes) {
    const dates = entries.map((entry) => entry?.runs?.[mode]).filter(Boolean);
    if (dates.length === 0) continue;
    const latest = dates.map((run) => run.date).sort().at(-1);
    const commits = [...new Set(dates.map((run) => `${run.source?.commit ?? '?'}${run.source?.srcModified ? ' + local changes' : ''}`))].join(', ');
    runs.push(`${mode} ${latest?.slice(0, 16).replace('T', ' ')} UTC (commit ${commits})`);
  }
  if (runs.length > 0) lines.push(`Runs: ${runs.join('; ')}.`);
  lines.push(`Command: ${command}.`);
  return lines;
}

function svgDocument(title, body, height) {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="${FONT}" fill="#1a1a1a">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    body,
    '</svg>',
    '',
  ].join('\n');
}

/** Draws a chart's title and subtitle (wrapped) into `parts`; returns the y below them. */
function heading(parts, title, subtitle) {
  let y = 28;
  for (const line of wrap(title, CONTENT_WIDTH, 18, true)) {
    parts.push(`<text x="${LEFT}" y="${y}" font-size="18" font-weight="700">${esc(line)}</text>`);
    y += 22;
  }
  if (subtitle !== undefined) {
    for (const line of wrap(subtitle, CONTENT_WIDTH, 12)) {
      parts.push(`<text x="${LEFT}" y="${y - 2}" font-size="12" fill="#555">${esc(line)}</text>`);
      y += 16;
    }
  }
  return y + 2;
}

/** A whole chart: the title, a legend, the panels stacked, the caption below. */
function chart({ title, subtitle, panels, modes, kinds, caption, pinLabel }) {
  const parts = [];
  let y = heading(parts, title, subtitle);
  const key = legend(modes, kinds, y, pinLabel);
  parts.push(key.svg);
  y += 4 + key.lines * 20;
  for (const panel of panels) {
    parts.push(renderPanel(panel, modes, y));
    y += panelHeight(panel, modes) + 6;
  }
  y += 4;
  parts.push(`<line x1="${LEFT}" y1="${y}" x2="${WIDTH - LEFT}" y2="${y}" stroke="#ccc"/>`);
  y += 16;
  for (const line of caption.flatMap((text) => wrap(text, CONTENT_WIDTH, 11))) {
    parts.push(`<text x="${LEFT}" y="${y}" font-size="11" fill="#555">${esc(line)}</text>`);
    y += 15;
  }
  return svgDocument(title, parts.join('\n'), y + 6);
}

function pinLabelOf(entries) {
  for (const entry of entries) {
    const taskset = entry?.runs?.pinned?.taskset;
    if (taskset) return taskset;
  }
  return 'taskset';
}

// --- The side-by-side charts -------------------------------------------------------------------

/** The comparisons of a benchmark, merged over its modes: metric -> { comparison, byMode }. */
function comparisonsOf(entry, modes) {
  const merged = new Map();
  for (const mode of modes) {
    for (const comparison of entry.runs[mode].results.comparisons ?? []) {
      const slot = merged.get(comparison.metric) ?? { comparison, byMode: {} };
      slot.byMode[mode] = comparison;
      merged.set(comparison.metric, slot);
    }
  }
  return [...merged.values()];
}

/** The C AFD loop's rows (its own process, or inside node.exe) are drawn as the limit, not as mio-ts. */
function isCLoop(label) {
  return label.startsWith('C AFD loop');
}

/** A row's kind: node:net (the baseline), the C AFD loop (the limit), or a mio-ts variant. */
function kindOf(label, comparison) {
  return label === comparison.baseline ? 'node' : label === comparison.limit || isCLoop(label) ? 'limit' : 'mio';
}

function hasLimit(byMode) {
  return Object.values(byMode).some((c) => c.limit !== undefined);
}

function comparisonPanel({ comparison, byMode }) {
  const labels = [...new Set(Object.values(byMode).flatMap((c) => Object.keys(c.values)))];
  const limit = Object.values(byMode).find((c) => c.limit !== undefined)?.limit;
  return {
    title: comparison.title,
    unit: comparison.unit,
    higherIsBetter: comparison.higherIsBetter,
    rows: labels.map((label) => ({
      label,
      kind: kindOf(label, { baseline: comparison.baseline, limit }),
      values: Object.fromEntries(Object.entries(byMode).map(([mode, c]) => [mode, c.values[label] ?? null])),
      ...(label === comparison.baseline ? {} : { ratios: Object.fromEntries(Object.entries(byMode).map(([mode, c]) => [mode, c.ratios[label] ?? null])) }),
      ...(limit === undefined || label === limit ? {} : { limitRatios: Object.fromEntries(Object.entries(byMode).filter(([, c]) => c.limit !== undefined).map(([mode, c]) => [mode, c.limitRatios?.[label] ?? null])) }),
    })),
  };
}

function sideBySideChart(name, entry) {
  const modes = modesOf(entry);
  const comparisons = comparisonsOf(entry, modes);
  const panels = comparisons.map(comparisonPanel);
  const withLimit = comparisons.some(({ byMode }) => hasLimit(byMode));
  return chart({
    title: TITLES[name] ?? entry.description ?? name,
    subtitle: `Ratios (×) are each variant / node:net of the same figure, in the same Windows Node.js runtime${withLimit ? '; "of C" is each variant / the C AFD loop (bench/c/afd-loop.c: the same AFD selector in C, the physical limit), measured in the same run and pinning' : ''}.`,
    panels,
    modes,
    kinds: withLimit ? ['mio', 'node', 'limit'] : ['mio', 'node'],
    caption: captionLines([entry], modes, `npm run bench -- ${name}`),
    pinLabel: pinLabelOf([entry]),
  });
}

function ratiosChart(benchmarks) {
  const names = Object.keys(benchmarks).filter((name) => modesOf(benchmarks[name]).some((mode) => benchmarks[name].runs[mode].results.comparisons));
  const entries = names.map((name) => benchmarks[name]);
  const modes = MODES.filter((mode) => entries.some((entry) => entry.runs[mode]?.results?.comparisons));
  const rows = [];
  for (const name of names) {
    for (const { comparison, byMode } of comparisonsOf(benchmarks[name], modesOf(benchmarks[name]))) {
      if (!comparison.higherIsBetter) continue;
      for (const label of Object.keys(comparison.ratios)) {
        rows.push({
          label: `${name}: ${label}`,
          kind: Object.values(byMode).some((c) => c.limit === label) || isCLoop(label) ? 'limit' : 'mio',
          values: Object.fromEntries(modes.map((mode) => [mode, byMode[mode]?.ratios[label] ?? null])),
        });
      }
    }
  }
  const panel = {
    title: 'Each variant / node:net, figures where higher is better',
    unit: 'ratio',
    higherIsBetter: true,
    reference: 1,
    referenceLabel: '×1: as fast as node:net',
    rows,
  };
  // The same figures against the C AFD loop, where a benchmark measured it.
  const limitRows = [];
  for (const name of names) {
    for (const { comparison, byMode } of comparisonsOf(benchmarks[name], modesOf(benchmarks[name]))) {
      if (!comparison.higherIsBetter || !hasLimit(byMode)) continue;
      const labels = [...new Set(Object.values(byMode).flatMap((c) => Object.keys(c.limitRatios ?? {})))];
      for (const label of labels) {
        limitRows.push({
          label: `${name}: ${label}`,
          kind: label === comparison.baseline ? 'node' : isCLoop(label) ? 'limit' : 'mio',
          values: Object.fromEntries(modes.map((mode) => [mode, byMode[mode]?.limitRatios?.[label] ?? null])),
        });
      }
    }
  }
  const limitPanel = {
    title: 'Each variant / the C AFD loop (bench/c/afd-loop.c), figures where higher is better',
    unit: 'ratio',
    higherIsBetter: true,
    reference: 1,
    referenceLabel: '×1: as fast as the C AFD loop',
    rows: limitRows,
  };
  return chart({
    title: 'mio-ts relative to node:net, every side-by-side scenario',
    subtitle: `Throughput, round trips, accepted connections and HTTP requests per second of mio-ts divided by node:net\u2019s${limitRows.length > 0 ? ', and (second panel) mio-ts\u2019s and node:net\u2019s divided by the C AFD loop\u2019s, the physical limit of the same run' : ''}.`,
    panels: limitRows.length > 0 ? [panel, limitPanel] : [panel],
    modes,
    kinds: limitRows.length > 0 ? ['mio', 'node', 'limit'] : ['mio'],
    caption: captionLines(entries, modes, `npm run bench -- ${names.join(' ')}`),
    pinLabel: pinLabelOf(entries),
  });
}

// --- The selector chart ------------------------------------------------------------------------

function pick(entry, mode, path) {
  let value = entry?.runs?.[mode]?.results;
  for (const key of path) value = value?.[key];
  return typeof value === 'number' ? value : null;
}

function selectorChart(benchmarks) {
  const idle = benchmarks['selector-idle-sockets'];
  const waker = benchmarks['waker-latency'];
  const eps = benchmarks['events-per-second'];
  const delay = benchmarks['event-loop-delay'];
  const entries = [idle, waker, eps, delay].filter(Boolean);
  if (entries.length === 0) return undefined;
  const modes = MODES.filter((mode) => entries.some((entry) => entry.runs?.[mode]));
  const row = (label, entry, path) => ({ label, kind: 'mio', values: Object.fromEntries(modes.map((mode) => [mode, pick(entry, mode, path)])) });
  const panels = [];
  if (idle !== undefined) {
    // The first phase of each size (the last one returns to 10).
    const phaseOf = (mode, size) => idle.runs?.[mode]?.results?.phases?.findIndex((p) => p.idleSockets === size) ?? -1;
    const sizes = [...new Set(modes.flatMap((mode) => (idle.runs?.[mode]?.results?.phases ?? []).map((p) => p.idleSockets)))];
    const phaseRow = (label, size, kind) => ({
      label,
      kind: 'mio',
      values: Object.fromEntries(modes.map((mode) => [mode, pick(idle, mode, ['phases', phaseOf(mode, size), kind, 'median'])])),
    });
    panels.push({
      title: 'One event round trip against registered idle sockets (median)',
      unit: 'µs',
      higherIsBetter: false,
      rows: [
        ...sizes.map((size) => phaseRow(`poll(): send 1 byte, event, recv; ${size.toLocaleString('en-US')} idle`, size, 'dataPoll')),
        ...[sizes[0], sizes.at(-1)].filter((s) => s !== undefined).map((size) => phaseRow(`control, same calls without a Poll; ${size.toLocaleString('en-US')} idle`, size, 'socketCallsOnly')),
      ],
    });
  }
  if (waker !== undefined) {
    panels.push({
      title: 'Waker latency, worker thread to main thread (p50)',
      unit: 'µs',
      higherIsBetter: false,
      rows: [row('main thread awaiting pollAsync()', waker, ['pollAsync', 'median']), row('main thread blocked in poll()', waker, ['poll', 'median'])],
    });
  }
  if (eps !== undefined) {
    panels.push({
      title: 'READABLE events per second, 1,000 active sockets',
      unit: 'events/s',
      higherIsBetter: true,
      rows: [row('poll()', eps, ['poll', 'eventsPerSecond']), row('pollAsync() on the main thread', eps, ['pollAsync', 'eventsPerSecond'])],
    });
  }
  if (delay !== undefined) {
    panels.push({
      title: 'Event-loop delay p99',
      unit: 'ms',
      higherIsBetter: false,
      rows: [
        row('idle loop, nothing else', delay, ['baseline', 'p99']),
        row('while a pollAsync() waits', delay, ['idlePollAsync', 'p99']),
        row('pollAsync() loop serving 50 pairs', delay, ['busyPollAsync', 'p99']),
        row('contrast: blocking poll() in 50 ms slices', delay, ['blockingPollContrast', 'p99']),
      ],
    });
  }
  return chart({
    title: 'mio-ts selector (IOCP + AFD) figures',
    subtitle: 'Raw Winsock sockets on 127.0.0.1 driven through IoSource and Poll; no node:net counterpart.',
    panels,
    modes,
    kinds: ['mio'],
    caption: captionLines(entries, modes, 'npm run bench -- selector-idle-sockets waker-latency events-per-second event-loop-delay'),
    pinLabel: pinLabelOf(entries),
  });
}

// --- Table -------------------------------------------------------------------------------------

/** The side-by-side figures as a Markdown table: value and ratio per mode. */
export function markdownTable(results) {
  const benchmarks = results.benchmarks ?? {};
  const lines = ['| Scenario | Variant | Unpinned | Pinned (`taskset -c 0`) |', '| --- | --- | ---: | ---: |'];
  for (const [name, entry] of Object.entries(benchmarks)) {
    const modes = modesOf(entry);
    for (const { comparison, byMode } of comparisonsOf(entry, modes)) {
      for (const label of Object.keys(comparison.ratios)) {
        const cell = (mode) => {
          const c = byMode[mode];
          if (c === undefined) return '';
          const limit = c.limit === undefined || label === c.limit ? '' : `; ${formatRatio(c.limitRatios?.[label])} of ${c.limit}`;
          return `${formatValue(c.values[label])} vs ${formatValue(c.values[c.baseline])} ${c.unit}: **${formatRatio(c.ratios[label])}**${limit}`;
        };
        lines.push(`| ${name}: ${comparison.title} | ${label} | ${cell('unpinned')} | ${cell('pinned')} |`);
      }
    }
  }
  return lines.join('\n');
}

// --- Issue 13's goals, one chart per runtime ------------------------------------------------------

/** A bar at this share of its goal or beyond is drawn full length (the figure is still written). */
const GOAL_SHARE_MAX = 2;
const GOAL_COLORS = { met: '#238b45', unmet: '#d94701', none: '#bbbbbb' };

/** How far a figure is toward its goal: 1 is the goal, above 1 is met (`≤` goals are inverted). */
function goalShare(row) {
  if (row.value === undefined) return undefined;
  if (!row.atMost) return row.value / row.goal;
  return row.value === 0 ? GOAL_SHARE_MAX : row.goal / row.value;
}

/** Issue 13's goals of one runtime: each pinned figure as a share of its target, met or not. */
export function goalsChart(results, runtimeId) {
  const rows = goalRows(results);
  const parts = [];
  const title = `Issue 13's performance goals, ${runtimeId}, pinned`;
  const subtitle =
    'Each bar is the pinned figure as a share of its goal: the dashed line is the goal, a bar past it is met. For a goal of the form ≤ (per-event cost, memory, delay) the share is the goal over the figure. Bars stop at ×2; the figure is written beside each.';
  let y = heading(parts, title, subtitle);
  y += 10;
  const goalX = BAR_X + BAR_MAX / GOAL_SHARE_MAX;
  const top = y;
  for (const row of rows) {
    const lines = wrap(row.measure, LABEL_WIDTH - 10, LABEL_SIZE);
    const height = Math.max(BAR_HEIGHT, lines.length * LINE_HEIGHT);
    const firstBaseline = y + (height - lines.length * LINE_HEIGHT) / 2 + LINE_HEIGHT - 4;
    lines.forEach((line, index) => parts.push(`<text x="${LEFT}" y="${(firstBaseline + index * LINE_HEIGHT).toFixed(1)}" font-size="${LABEL_SIZE}">${esc(line)}</text>`));
    const share = goalShare(row);
    const width = share === undefined ? 0 : Math.max(1, (Math.min(share, GOAL_SHARE_MAX) / GOAL_SHARE_MAX) * BAR_MAX);
    const barY = y + (height - BAR_HEIGHT) / 2;
    const color = row.value === undefined ? GOAL_COLORS.none : row.met ? GOAL_COLORS.met : GOAL_COLORS.unmet;
    const figure = figureText(row);
    const verdict = verdictText(row);
    parts.push(`<rect x="${BAR_X}" y="${barY.toFixed(1)}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${color}"><title>${esc(`${row.measure}: ${figure} (goal ${targetText(row)})`)}</title></rect>`);
    const textX = Math.max(BAR_X + width, goalX) + 6;
    parts.push(`<text x="${textX.toFixed(1)}" y="${(barY + BAR_HEIGHT - 3).toFixed(1)}" font-size="11.5">${esc(figure)} <tspan fill="#555">${esc(`goal ${targetText(row)}`)}</tspan> <tspan fill="${color}" font-weight="600">${esc(verdict)}</tspan></text>`);
    y += height + BAR_GAP + 10;
  }
  // The goal line, drawn last so that it stays visible across the bars.
  parts.push(`<line x1="${goalX.toFixed(1)}" y1="${top - 4}" x2="${goalX.toFixed(1)}" y2="${y - 8}" stroke="#333" stroke-dasharray="4 3"/>`);
  parts.push(`<text x="${(goalX + 4).toFixed(1)}" y="${y + 2}" font-size="11" fill="#333">the goal</text>`);
  y += 14;
  parts.push(`<line x1="${LEFT}" y1="${y}" x2="${WIDTH - LEFT}" y2="${y}" stroke="#ccc"/>`);
  y += 16;
  const entries = [...new Set(rows.map((row) => row.benchmark))].map((name) => results.benchmarks?.[name]).filter(Boolean);
  const command = `npm run bench -- --pin=on${runtimeId === defaultRuntimeId ? '' : ` --runtime=${runtimeId}`}`;
  for (const line of captionLines(entries, ['pinned'], command).flatMap((text) => wrap(text, CONTENT_WIDTH, 11))) {
    parts.push(`<text x="${LEFT}" y="${y}" font-size="11" fill="#555">${esc(line)}</text>`);
    y += 15;
  }
  return svgDocument(title, parts.join('\n'), y + 6);
}

/** Writes docs/bench-goals-<runtime>.svg; returns its path from the repository's root. */
export function renderGoalsChart(results, runtimeId, outDir = join(root, 'docs')) {
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, `bench-goals-${runtimeId}.svg`);
  writeFileSync(path, goalsChart(results, runtimeId));
  return relative(root, path);
}

// --- Entry points ------------------------------------------------------------------------------

/** Writes every chart `results` has data for into `outDir`; returns the files written. */
export function renderCharts(results, outDir = join(root, 'docs')) {
  mkdirSync(outDir, { recursive: true });
  const written = [];
  const write = (file, svg) => {
    if (svg === undefined) return;
    const path = join(outDir, file);
    writeFileSync(path, svg);
    written.push(relative(root, path));
  };
  const benchmarks = results.benchmarks ?? {};
  let sideBySide = 0;
  for (const [name, entry] of Object.entries(benchmarks)) {
    const modes = modesOf(entry);
    if (!modes.some((mode) => Array.isArray(entry.runs[mode].results.comparisons))) continue;
    write(`bench-${name}.svg`, sideBySideChart(name, entry));
    sideBySide++;
  }
  if (sideBySide > 0) write('bench-ratios.svg', ratiosChart(benchmarks));
  write('bench-selector.svg', selectorChart(benchmarks));
  return written;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const results = JSON.parse(readFileSync(join(root, 'bench', 'results.json'), 'utf8'));
  for (const file of renderCharts(results)) process.stderr.write(`[bench-charts] ${file}\n`);
  // The goals of every runtime that has a results file.
  for (const file of readdirSync(join(root, 'bench')).filter((name) => /^results(-.+)?\.json$/.test(name))) {
    const runtimeId = /^results-(.+)\.json$/.exec(file)?.[1] ?? defaultRuntimeId;
    process.stderr.write(`[bench-charts] ${renderGoalsChart(JSON.parse(readFileSync(join(root, 'bench', file), 'utf8')), runtimeId)}\n`);
  }
  if (process.argv.includes('--table')) process.stdout.write(`${markdownTable(results)}\n`);
}
