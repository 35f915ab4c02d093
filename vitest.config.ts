import { defineConfig } from 'vitest/config';

// Two suites: `portable` runs on any OS; `windows` (*.win.test.ts) needs the
// real Windows APIs, so on Linux it runs under Wine (scripts/windows-suite.mjs).
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
          // Wine's wineserver round trips make every syscall slower than native.
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks',
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
