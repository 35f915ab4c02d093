// Counts the wineserver requests of a +server trace between the markers that
// bench/lib/server-trace.ts leaves in it (opens of \\.\pipe\mio-trace-begin-<label> and
// ...-end-<label>): per window, the requests of the marker's process, on the marker's thread and
// on its other threads, and by request; other processes' requests (Wine's services) apart.
// A request line reads `<thread>: <request>( <fields> )`; its reply `<thread>: <request>() = ...`.
// Threads are tied to processes by the replies of init_first_thread (pid, tid) and new_thread
// (the new tid, in its creator's process), so the trace must cover the processes' start.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

const REQUEST = /^([0-9a-f]{4,}): (\w+)\( /;
const MARKER = /mio-trace-(begin|end)-([A-Za-z0-9-]+)/;
const FIRST_THREAD = /^([0-9a-f]{4,}): init_first_thread\(\) = 0 \{ pid=([0-9a-f]+), tid=([0-9a-f]+)/;
const NEW_THREAD = /^([0-9a-f]{4,}): new_thread\(\) = 0 \{ tid=([0-9a-f]+)/;

/**
 * Resolves with { [label]: { requests, markerThread, otherThreads, otherProcesses, byRequest } }
 * for every closed window.
 */
export async function countTraceWindows(path) {
  const windows = {};
  const processOf = new Map();
  let open;
  const lines = createInterface({ input: createReadStream(path, 'latin1'), crlfDelay: Infinity });
  for await (const line of lines) {
    const first = FIRST_THREAD.exec(line);
    if (first !== null) processOf.set(first[3], first[2]);
    const created = NEW_THREAD.exec(line);
    if (created !== null && processOf.has(created[1])) processOf.set(created[2], processOf.get(created[1]));
    const request = REQUEST.exec(line);
    if (request === null) continue;
    const [, thread, name] = request;
    const marker = MARKER.exec(line);
    if (marker !== null) {
      const [, what, label] = marker;
      if (what === 'begin') open = { label, thread, process: processOf.get(thread), counts: { requests: 0, markerThread: 0, otherThreads: 0, otherProcesses: 0, byRequest: {} } };
      else if (open?.label === label) {
        windows[label] = open.counts;
        open = undefined;
      }
      continue;
    }
    if (open === undefined) continue;
    const counts = open.counts;
    if (thread !== open.thread && (open.process === undefined || processOf.get(thread) !== open.process)) {
      counts.otherProcesses++;
      continue;
    }
    counts.requests++;
    if (thread === open.thread) counts.markerThread++;
    else counts.otherThreads++;
    counts.byRequest[name] = (counts.byRequest[name] ?? 0) + 1;
  }
  return windows;
}

/** The counts per round trip of each window the benchmark reported ({ [label]: { label, roundTrips } }). */
export function perRoundTrip(windows, counted) {
  const perTrip = {};
  for (const [id, { label, roundTrips }] of Object.entries(windows)) {
    const counts = counted[id];
    if (counts === undefined || roundTrips <= 0) {
      perTrip[id] = { label, roundTrips, missing: true };
      continue;
    }
    const per = (value) => Math.round((value / roundTrips) * 100) / 100;
    const byRequest = Object.entries(counts.byRequest)
      .map(([name, value]) => [name, per(value)])
      .filter(([, value]) => value >= 0.05)
      .sort((a, b) => b[1] - a[1]);
    perTrip[id] = {
      label,
      roundTrips,
      requests: per(counts.requests),
      markerThread: per(counts.markerThread),
      otherThreads: per(counts.otherThreads),
      otherProcesses: per(counts.otherProcesses),
      byRequest: Object.fromEntries(byRequest),
    };
  }
  return perTrip;
}
