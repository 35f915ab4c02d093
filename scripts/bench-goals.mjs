// The README's table of issue 13's performance goals, from a results file: each goal, the pinned
// figure that answers it, whether it is met and, where it is not, what stands in the way, with
// the figures that show it taken from the same file. bench-readme.mjs writes it between
// `<!-- bench-goals:<runtime> begin -->` and its end marker.
const fixed = (value, digits = 2) => (typeof value === 'number' ? value.toFixed(digits) : '-');

/** The pinned run's results of `benchmark`, or undefined. */
const pinned = (results, benchmark) => results.benchmarks?.[benchmark]?.runs?.pinned?.results;

/** A comparison's ratio of `variant` to the baseline (`ratios`) or to the C loop (`limitRatios`). */
function ratio(results, benchmark, metric, variant, against = 'ratios') {
  const comparison = pinned(results, benchmark)?.comparisons?.find((entry) => entry.metric === metric);
  return comparison?.[against]?.[variant];
}

/** Requests per ping-pong round trip of a traced variant, and its remove_completion share. */
function traced(results, variant) {
  const entry = pinned(results, 'server-round-trips')?.perRoundTrip?.[variant];
  return entry === undefined ? undefined : { requests: entry.requests, removes: entry.byRequest?.remove_completion ?? 0 };
}

/** The C loop run inside node.exe against the same loop as its own process, as the goals table words it. */
function inNodeEvidence(results, benchmark, metric) {
  const inNode = ratio(results, benchmark, metric, 'C AFD loop in node.exe', 'limitRatios');
  return inNode === undefined ? "nor, measured before, node.exe's process" : `nor node.exe's process: the C loop built as a DLL and run on node.exe's main thread reaches ${fixed(inNode)}x the same loop as its own process in this run`;
}

function pingPongObstacle(results) {
  const dropIn = traced(results, 'drop-in');
  const raw = traced(results, 'raw-poll');
  const node = traced(results, 'node-net');
  if (dropIn === undefined || raw === undefined || node === undefined) return 'server-round-trips has not run: no breakdown';
  const overRaw = dropIn.requests - raw.requests;
  // The drop-in saves the WouldBlock recv on request/response streams; the raw loop reads on to it.
  const versusRaw =
    overRaw >= 0
      ? `of the drop-in's ${fixed(overRaw, 1)} over the raw loop, ${fixed(dropIn.removes - raw.removes, 1)} are remove_completion, `
      : `the drop-in makes ${fixed(-overRaw, 1)} fewer than the raw loop (it skips the recv that only says WouldBlock) though ${fixed(dropIn.removes - raw.removes, 1)} more are remove_completion, `;
  return (
    `wineserver requests per round trip: drop-in ${fixed(dropIn.requests, 1)}, raw Poll ${fixed(raw.requests, 1)}, node:net ${fixed(node.requests, 1)} (trace table); ` +
    versusRaw +
    "libuv's look at its own port in the turn of the event loop that pollAsync() lets happen before it dequeues at least once a millisecond, so that a Poll that always has events cannot starve timers and other I/O. " +
    'Over node:net the AFD design itself costs the rest: an ioctl per poll and its result through the port, where libuv answers an overlapped WSARecv in place. What remains beyond the requests is JavaScript per event'
  );
}

const GOALS = [
  {
    measure: 'raw TcpStream + Poll, ping-pong, / C AFD loop',
    benchmark: 'tcp-ping-pong',
    goal: 0.9,
    value: (r) => ratio(r, 'tcp-ping-pong', 'roundTripsPerSecond', 'mio-ts TcpStream + Poll', 'limitRatios'),
    obstacle: (r) => {
      const raw = traced(r, 'raw-poll');
      const c = traced(r, 'c-loop');
      const requests = raw === undefined || c === undefined ? 'not traced' : `${fixed(raw.requests, 1)} wineserver requests per round trip against the C loop's ${fixed(c.requests, 1)}`;
      return `not JavaScript and not a request more: ${requests} (trace table), and a CPU profile of the raw loop puts JavaScript under 1% of the main thread and WSASend, recv, GetQueuedCompletionStatusEx and the AFD ioctl at about 90% (docs/architecture.md). The same calls take longer between JavaScript than in the C loop, and not through koffi, whose own cost is under 0.1 µs a call, ${inNodeEvidence(r, 'tcp-ping-pong', 'roundTripsPerSecond')}; not traced further`;
    },
  },
  {
    measure: 'raw TcpStream + Poll, bulk, / C AFD loop',
    benchmark: 'tcp-bulk',
    goal: 0.9,
    value: (r) => ratio(r, 'tcp-bulk', 'throughput', 'mio-ts TcpStream + Poll', 'limitRatios'),
    obstacle: (r) =>
      "the calls themselves: bulk makes the same calls as the C loop (256 KiB reads to WouldBlock, 64 KiB writes) and the same wineserver requests per send, and 91-94% of the raw loop's time is inside them, timed around each call; together they take about 1.3x the C loop's whole transfer, " +
      `${inNodeEvidence(r, 'tcp-bulk', 'throughput')}. ` +
      'Gone or small: a native block allocated, zeroed and freed per 64 KiB send held the raw loop at 0.49x until sends shared their blocks; the overlapped send costs about 8% against a plain send of the same Buffer (docs/architecture.md, "A block per large send")',
  },
  { measure: 'drop-in ping-pong / C AFD loop', benchmark: 'tcp-ping-pong', goal: 0.85, value: (r) => ratio(r, 'tcp-ping-pong', 'roundTripsPerSecond', 'mio-ts drop-in Socket', 'limitRatios'), obstacle: pingPongObstacle },
  { measure: 'drop-in ping-pong / node:net', benchmark: 'tcp-ping-pong', goal: 0.8, value: (r) => ratio(r, 'tcp-ping-pong', 'roundTripsPerSecond', 'mio-ts drop-in Socket'), obstacle: pingPongObstacle },
  {
    measure: 'drop-in bulk / node:net',
    benchmark: 'tcp-bulk',
    goal: 1.2,
    value: (r) => ratio(r, 'tcp-bulk', 'throughput', 'mio-ts drop-in Socket'),
    obstacle: (r) => {
      const uncapped = ratio(r, 'tcp-bulk', 'throughput', 'mio-ts TcpSocket, reads to WouldBlock');
      if (uncapped === undefined) return 'the per-turn read cap (32 reads, 2 MiB): this run has no figure without it';
      return (
        `the read size and the per-turn read cap, both kept for fairness between parallel links. The cap (32 reads, 2 MiB, then setImmediate): the same stream reading on to WouldBlock makes ${fixed(uncapped)}x node:net in this run; without the cap the relay fairness harness went unfair once in 6 runs. ` +
        'The size: a stream reads 64 KiB per recv where the raw loop reads 256 KiB, four times the calls; 256 KiB reads into the thread\'s shared buffer made 1.05-1.08x node:net in 1 GiB transfers (Wine 10.0 pinned, 2026-12-06) and split the relay test\'s links into lanes on Wine 8.0 under load (slowest at 0.54 of the mean). docs/architecture.md, the way of a byte'
      );
    },
  },
  { measure: 'HTTP requests/s, http.Server over the drop-in / over node:net', benchmark: 'http-rps', goal: 1.0, value: (r) => ratio(r, 'http-rps', 'requestsPerSecond', 'http.Server over mio-ts drop-in') },
  { measure: 'accepts/s, drop-in Server / node:net Server', benchmark: 'accept-rate', goal: 1.0, value: (r) => ratio(r, 'accept-rate', 'acceptedPerSecond', 'mio-ts drop-in Server') },
  {
    measure: 'PipeSocket / node:net pipes',
    benchmark: 'pipe-throughput',
    goal: 1.5,
    value: (r) => ratio(r, 'pipe-throughput', 'throughput', 'mio-ts PipeSocket / PipeListener'),
    obstacle: (r) => {
      const waits = pinned(r, 'pipe-throughput')?.pipeSocketWaits;
      const counted =
        waits === undefined || waits === null
          ? 'this run did not count its waits'
          : `per 64 KiB chunk pollAsync() dequeued ${fixed(waits.dequeuesPerChunk)} times, let the event loop turn before ${fixed(waits.eventLoopTurnsPerChunk)} of them and waited on its thread ${fixed(waits.pumpWaitsPerChunk)} times`;
      return (
        `not the turn of the event loop (${counted}), nor JavaScript: raw NamedPipe + Poll, blocking in GetQueuedCompletionStatusEx, reaches ${fixed(ratio(r, 'pipe-throughput', 'throughput', 'mio-ts NamedPipe + Poll'))}x over the same pipes with the same calls per chunk (a WriteFile, a ReadFile, a dequeue), ` +
        'counted, and a CPU profile of a PipeSocket transfer puts those three calls at about 83% of the main thread, JavaScript at about 1% (docs/architecture.md). The same calls take longer under the streams: the fresh 64 KiB Buffer each chunk is handed over in accounts for about 7%. Not the completion packets: with the handle skipping the port on success two thirds of the calls brought none and the rate stayed (324-336 against 326-335 MiB/s, Wine 10.0 + Node 22 pinned, 2026-12-06; docs/architecture.md). The rest is not traced'
      );
    },
  },
  {
    measure: 'relay, TCP -> TCP, 8 streams / the same relay on node:net',
    benchmark: 'relay-throughput',
    goal: 1.0,
    value: (r) => ratio(r, 'relay-throughput', 'throughput', 'mio-ts relay (Relay, tcp-listen -> tcp)'),
    obstacle: () =>
      "not traced in this run. The relay was held at 0.57-0.69x by the wineserver, which spun on bytes that came after a short read while the poll asked for DISCONNECT alone; with RECEIVE polled beside it the pinned runs of 2026-12-06 measured 1.10-1.30x on both Wines (docs/architecture.md, Wine: \"a poll that data cannot complete\"). Before that, each 64 KiB send allocated, zeroed and freed a native block of its own (\"A block per large send\")",
  },
  {
    measure: 'per-event cost, 10,000 / 10 idle registered sockets',
    benchmark: 'selector-idle-sockets',
    goal: 1.2,
    atMost: true,
    value: (r) => pinned(r, 'selector-idle-sockets')?.ratios?.dataPoll,
    obstacle: (r) =>
      `Wine's wineserver walks every pending AFD poll of all processes on each socket event: the same socket calls on a pair no Poll knows slow down ${fixed(pinned(r, 'selector-idle-sockets')?.ratios?.socketCallsOnly)}x too (detail table), while a Waker round trip stays at ${fixed(pinned(r, 'selector-idle-sockets')?.ratios?.wakerPoll)}x`,
  },
  {
    measure: 'memory per idle registered socket (bytes)',
    benchmark: 'selector-idle-sockets',
    goal: 2048,
    atMost: true,
    digits: 0,
    value: (r) => pinned(r, 'selector-idle-sockets')?.setup?.registeredBytesPerSocket,
  },
  { measure: 'event-loop delay p99 while a pollAsync() waits (ms)', benchmark: 'event-loop-delay', goal: 5, atMost: true, value: (r) => pinned(r, 'event-loop-delay')?.idlePollAsync?.p99 },
];

/**
 * Each goal against its pinned figure: { measure, benchmark (the one that answers it), goal,
 * atMost, digits, value (undefined when not measured), met, obstacle ('' when met or not
 * explained) }. The table, the chart and the bench's printout all read it.
 */
export function goalRows(results) {
  return GOALS.map((goal) => {
    const figure = goal.value(results);
    const value = Number.isFinite(figure) ? figure : undefined;
    const met = value !== undefined && (goal.atMost ? value <= goal.goal : value >= goal.goal);
    const obstacle = value === undefined || met || goal.obstacle === undefined ? '' : goal.obstacle(results);
    return { measure: goal.measure, benchmark: goal.benchmark, goal: goal.goal, atMost: goal.atMost === true, digits: goal.digits ?? 2, value, met, obstacle };
  });
}

/** The goal as written in the issue: `≥ 0.9`, `≤ 2048`. */
export function targetText(row) {
  return `${row.atMost ? '≤' : '≥'} ${row.goal}`;
}

/** The pinned figure as the table shows it, or 'not measured'. */
export function figureText(row) {
  return row.value === undefined ? 'not measured' : row.value.toFixed(row.digits);
}

/** 'met', 'not met', or '' for a goal not measured. */
export function verdictText(row) {
  return row.value === undefined ? '' : row.met ? 'met' : 'not met';
}

export function goalsTable(results) {
  const rows = ['| Goal (issue 13) | Target | Pinned figure | Met | What stands in the way |', '| --- | ---: | ---: | --- | --- |'];
  for (const row of goalRows(results)) {
    if (row.value === undefined) {
      rows.push(`| ${row.measure} | ${targetText(row)} | - | not measured | |`);
      continue;
    }
    rows.push(`| ${row.measure} | ${targetText(row)} | ${figureText(row)} | ${row.met ? 'yes' : '**no**'} | ${row.obstacle} |`);
  }
  return rows.join('\n');
}
