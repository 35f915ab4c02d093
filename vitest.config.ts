import { defineConfig } from 'vitest/config';

// Two suites: `portable` runs on any OS; `windows` (*.win.test.ts) needs the
// real Windows APIs, so on Linux it runs under Wine (scripts/windows-suite.mjs).
// The load tests run after the rest and one at a time; read-side-poll measures the wineserver's
// CPU, which other test files of the same runtime would add to.
const LOAD_TESTS = ['test/cli/relay-load.win.test.ts', 'test/core/churn.win.test.ts', 'test/core/registration-fuzz.win.test.ts', 'test/net/read-side-poll.win.test.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'portable',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.win.test.ts', 'test/**/*.launcher.test.ts'],
        },
      },
      {
        test: {
          name: 'windows',
          include: ['test/**/*.win.test.ts'],
          exclude: [...LOAD_TESTS],
          // Wine's wineserver round trips make every syscall slower than native.
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks',
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          // The load tests, after the rest and one at a time: beside other Wine processes on two
          // CPUs, 1,000 relay links went from 23 s alone to past 4 minutes.
          name: 'windows-load',
          include: [...LOAD_TESTS],
          testTimeout: 240_000,
          hookTimeout: 60_000,
          pool: 'forks',
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          // The Linux launcher end to end (host Node driving Windows processes under Wine).
          name: 'launcher',
          include: ['test/**/*.launcher.test.ts'],
          testTimeout: 180_000,
        },
      },
    ],
  },
});
