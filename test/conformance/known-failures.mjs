// Files of Node's test-net suite that fail, with the reason, per mode ('stock': node.exe itself,
// 'drop-in': with mio-ts/net preloaded), optionally per runtime id (scripts/runtimes.mjs) and per
// corpus, the Node version the file comes from (scripts/node-tests.mjs).
// A drop-in failure listed here is reported as skipped with its reason; one not listed fails
// `npm test`. Stock failures are listed so the README can say why each one fails.
export const knownFailures = [
  {
    file: 'test-net-autoselectfamily.js',
    mode: 'stock',
    reason: "Wine reports no IPv6 interface, so the harness's common.hasIPv6 is false and the test expects EADDRNOTAVAIL, but Wine connects to ::1 and gets ECONNREFUSED",
  },
  {
    file: 'test-net-autoselectfamilydefault.js',
    mode: 'stock',
    reason: "Wine reports no IPv6 interface, so the harness's common.hasIPv6 is false and the test expects EADDRNOTAVAIL, but Wine connects to ::1 and gets ECONNREFUSED",
  },
  {
    file: 'test-net-autoselectfamily-default.js',
    mode: 'stock',
    versions: ['20.19.2'],
    reason: "Wine reports no IPv6 interface, so the harness's common.hasIPv6 is false and the test expects EADDRNOTAVAIL, but Wine connects to ::1 and gets ECONNREFUSED",
  },
  {
    file: 'test-net-autoselectfamily-commandline-option.js',
    mode: 'stock',
    versions: ['20.19.2'],
    reason: "Wine reports no IPv6 interface, so the harness's common.hasIPv6 is false and the test expects EADDRNOTAVAIL, but Wine connects to ::1 and gets ECONNREFUSED",
  },
  {
    file: 'test-net-pipe-connect-errors.js',
    mode: 'stock',
    reason: 'connecting a pipe client to a regular file: Wine answers EBADF where Windows answers ENOTSOCK or ECONNREFUSED',
  },
  {
    file: 'test-net-server-listen-path.js',
    mode: 'stock',
    reason: 'a second server listening on a pipe name in use: Wine creates the instance instead of failing with EADDRINUSE (it does not enforce FILE_FLAG_FIRST_PIPE_INSTANCE)',
  },
  {
    file: 'test-net-server-reset.js',
    mode: 'stock',
    runtimes: ['wine8-node22'],
    reason: "a connection the server resets right after accepting: under Wine 8.0 node:net's client reads it as an orderly end (the drop-in's client, which checks a zero-byte read, sees ECONNRESET)",
  },
  {
    file: 'test-net-deprecated-setsimultaneousaccepts.js',
    mode: 'stock',
    runtimes: ['wine10-node24'],
    reason: "Node 24 removed net._setSimultaneousAccepts (deprecated as DEP0121), which this test of Node 18 and 20 calls",
  },
  {
    file: 'test-net-server-simultaneous-accepts-produce-warning-once.js',
    mode: 'stock',
    runtimes: ['wine10-node24'],
    reason: 'Node 24 removed net._setSimultaneousAccepts (deprecated as DEP0121), which this test of Node 18 and 20 calls',
  },
  {
    file: 'test-net-write-arguments.js',
    mode: 'stock',
    versions: ['18.20.4'],
    reason: "Node 22 words the ERR_INVALID_ARG_TYPE message of write() differently from Node 18's test ('Buffer, TypedArray, or DataView')",
  },
  {
    file: 'test-net-perf_hooks.js',
    mode: 'drop-in',
    reason:
      "expects a PerformanceEntry of type 'net' per TCP connect; only node's internal perf module can queue one (public perf_hooks makes 'mark', 'measure', 'function' and 'resource' entries, and PerformanceEntry cannot be constructed), so a drop-in outside node cannot produce it",
  },
];

/** The entry for `file` failing in `mode` under `runtimeId` in the corpus of Node `version`, if listed. */
export function knownFailure(file, mode, runtimeId, version) {
  return knownFailures.find(
    (entry) =>
      entry.file === file && entry.mode === mode && (entry.runtimes === undefined || entry.runtimes.includes(runtimeId)) && (entry.versions === undefined || entry.versions.includes(version)),
  );
}
