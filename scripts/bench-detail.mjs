// The README's per-runtime detail tables, from a results file: the selector benchmarks (idle
// sockets, events per second, Waker latency, event-loop delay), one row per figure, unpinned and
// pinned side by side; and the wineserver requests per ping-pong round trip (server-round-trips).
// bench-readme.mjs writes them between `<!-- bench-detail:<runtime> ... -->` and
// `<!-- bench-trace:<runtime> ... -->`.
const MODES = ['unpinned', 'pinned'];

const number = (value, digits = 0) => (typeof value === 'number' ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-');
const micro = (value) => (typeof value === 'number' ? `${number(value)} µs` : '-');
const ms = (value) => (typeof value === 'number' ? `${number(value, value < 10 ? 2 : 1)} ms` : '-');

/** `read(results of a mode)` for each mode, or '-' where the benchmark did not run. */
function row(results, benchmark, label, read, goal = '') {
  const cells = MODES.map((mode) => {
    const run = results.benchmarks?.[benchmark]?.runs?.[mode]?.results;
    if (run === undefined) return '-';
    try {
      return read(run) ?? '-';
    } catch {
      return '-';
    }
  });
  return `| ${label} | ${cells.join(' | ')} | ${goal} |`;
}

const phase = (run, sockets) => run.phases.find((entry) => entry.idleSockets === sockets);

export function detailTable(results) {
  const largest = (run) => Math.max(...run.phases.map((entry) => entry.idleSockets));
  return [
    '| Benchmark | Unpinned | Pinned (`taskset -c 0`) | Goal |',
    '| --- | ---: | ---: | --- |',
    row(results, 'selector-idle-sockets', 'One event round trip, 10 idle sockets (send 1 byte → `poll()` → recv to WouldBlock), median', (run) => micro(phase(run, 10).dataPoll.median)),
    row(results, 'selector-idle-sockets', 'The same with the most idle sockets measured (10,000), median', (run) => micro(phase(run, largest(run)).dataPoll.median)),
    row(results, 'selector-idle-sockets', '**Ratio most / 10 idle sockets** (`poll()`)', (run) => `**${number(run.ratios.dataPoll, 2)}**`, '≤ 1.2'),
    row(results, 'selector-idle-sockets', 'Ratio most / 10, the round trip awaited with `pollAsync()`', (run) => number(run.ratios.dataPollAsync, 2)),
    row(results, 'selector-idle-sockets', 'Ratio most / 10, `Waker.wake()` → `poll()` (touches no socket)', (run) => number(run.ratios.wakerPoll, 2)),
    row(results, 'selector-idle-sockets', 'Ratio most / 10, control: the same socket calls on a pair no Poll knows', (run) => number(run.ratios.socketCallsOnly, 2)),
    row(results, 'selector-idle-sockets', 'Ratio 1,000 / 10 (`poll()`)', (run) => number(run.ratiosByIdleSockets['1000'].dataPoll, 2)),
    row(results, 'selector-idle-sockets', 'Setting up the idle listeners (create, register, first AFD poll)', (run) => `${number(run.setup.seconds, 1)} s`),
    row(results, 'selector-idle-sockets', 'Memory per idle registered socket (JS heap + external + native blocks, registering the last 9,000)', (run) => (typeof run.setup.registeredBytesPerSocket === 'number' ? `${number(run.setup.registeredBytesPerSocket)} B` : '-'), '≤ 2 KiB'),
    row(results, 'events-per-second', 'Events per second, 1,000 active sockets (500 pairs ping-ponging 64 bytes), `poll()`', (run) => number(run.poll.eventsPerSecond)),
    row(results, 'events-per-second', 'The same with `pollAsync()` on the main thread', (run) => number(run.pollAsync.eventsPerSecond)),
    row(results, 'waker-latency', 'Waker latency, worker thread → main thread awaiting `pollAsync()`, p50 / p99', (run) => `${number(run.pollAsync.p50)} / ${micro(run.pollAsync.p99)}`),
    row(results, 'waker-latency', 'Waker latency, worker thread → main thread blocked in `poll()`, p50 / p99', (run) => `${number(run.poll.p50)} / ${micro(run.poll.p99)}`),
    row(results, 'event-loop-delay', 'Event-loop delay p99, idle loop alone (the floor)', (run) => ms(run.baseline.p99)),
    row(results, 'event-loop-delay', 'Event-loop delay p99 while a `pollAsync()` waits', (run) => ms(run.idlePollAsync.p99), '≤ 5 ms'),
    row(results, 'event-loop-delay', 'Event-loop delay p50 / p99, `pollAsync()` loop serving 50 ping-ponging pairs', (run) => `${number(run.busyPollAsync.p50)} / ${ms(run.busyPollAsync.p99)}`),
    row(results, 'event-loop-delay', 'Event-loop delay p99, contrast: the blocking `poll()` in 50 ms slices', (run) => ms(run.blockingPollContrast.p99)),
  ].join('\n');
}

/** Wineserver requests per round trip, per variant: the pinned run's, else the unpinned one's. */
export function traceTable(results) {
  const runs = results.benchmarks?.['server-round-trips']?.runs ?? {};
  const mode = runs.pinned !== undefined ? 'pinned' : 'unpinned';
  const perTrip = runs[mode]?.results?.perRoundTrip;
  if (perTrip === undefined) return '(server-round-trips has not run for this runtime)';
  const lines = [
    `${mode === 'pinned' ? `Pinned (\`${runs.pinned.taskset ?? 'taskset -c 0'}\`)` : 'Not pinned'}, commit ${runs[mode].source?.commit ?? '?'}, ${runs[mode].date?.slice(0, 10) ?? '?'}.`,
    '',
    '| Variant | Round trips traced | Requests per round trip | on the main thread | on other threads | The most frequent, per round trip |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const entry of Object.values(perTrip)) {
    if (entry.missing === true) {
      lines.push(`| ${entry.label} | ${number(entry.roundTrips)} | - | - | - | (no trace window) |`);
      continue;
    }
    const top = Object.entries(entry.byRequest)
      .slice(0, 6)
      .map(([name, value]) => `${name} ${number(value, 1)}`)
      .join(', ');
    lines.push(`| ${entry.label} | ${number(entry.roundTrips)} | ${number(entry.requests, 1)} | ${number(entry.markerThread, 1)} | ${number(entry.otherThreads, 1)} | ${top} |`);
  }
  return lines.join('\n');
}
