#!/usr/bin/env node
// mio-ts command line entry point.
import { runCli } from './run.js';

await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  exit: (code) => process.exit(code),
  onSignal: (handler) => {
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    // Ctrl+Break on a Windows console.
    process.on('SIGBREAK', handler);
  },
});
