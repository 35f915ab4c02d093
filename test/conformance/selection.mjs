// Which of Node's test-net-*.js files the conformance suite runs: those that use only the public
// API. A file that reaches into internals, file descriptors or other processes tests node:net's
// implementation or Node's process model, not the contract a drop-in promises.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const EXCLUSIONS = [
  { pattern: /internalBinding|process\.binding/, reason: "reads Node's internal bindings" },
  { pattern: /--expose[-_]internals|require\('internal\//, reason: "loads Node's internal modules" },
  { pattern: /\._handle\b/, reason: "inspects node:net's libuv handle (_handle)" },
  { pattern: /child_process/, reason: 'spawns child processes' },
  { pattern: /require\('cluster'\)/, reason: 'uses cluster' },
  { pattern: /\bfd\b/, reason: 'uses file descriptors' },
];

/** Every test-net-*.js of `parallelDir`, each `{ file, excluded?: reason }`, in name order. */
export function selectNetTests(parallelDir) {
  return readdirSync(parallelDir)
    .filter((file) => /^test-net-.*\.js$/.test(file))
    .sort()
    .map((file) => {
      const source = readFileSync(join(parallelDir, file), 'utf8');
      const hit = EXCLUSIONS.find(({ pattern }) => pattern.test(source));
      return hit === undefined ? { file, flags: testFlags(source) } : { file, excluded: hit.reason };
    });
}

/** The `// Flags: --a --b` line Node's harness would otherwise respawn the test for. */
function testFlags(source) {
  const match = /^\/\/ Flags:(.*)$/m.exec(source);
  return match === null ? [] : match[1].trim().split(/\s+/);
}
