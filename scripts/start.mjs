// `npm start`: builds, then runs with a Windows Node.js (under Wine on Linux).
//   npm start                      the self-contained relay demo (examples/relay-demo.ts)
//   npm start -- relay <from> <to> the relay CLI
//   npm start -- <example>         another file of examples/
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startStdioBridge, usesStdio } from './stdio-bridge.mjs';
import { root } from './wine.mjs';
import { runOnWindowsNode } from './windows-node.mjs';

const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
const [first = 'relay-demo', ...rest] = process.argv.slice(2);
if (first === 'relay' && process.platform !== 'win32' && usesStdio(rest)) {
  // Under Wine the launcher stands in for the relay's stdin and stdout (scripts/stdio-bridge.mjs);
  // the relay's own reports go to stderr, so stdout carries the relayed bytes alone.
  const bridge = await startStdioBridge(rest);
  const code = await runOnWindowsNode(['dist/src/cli/main.js', 'relay', ...bridge.args], { name: first, stdout: process.stderr });
  bridge.close();
  await Promise.race([bridge.done, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
  process.exit(code);
}
const script = first === 'relay' ? ['dist/src/cli/main.js', 'relay', ...rest] : [`dist/examples/${first}.js`, ...rest];
process.exit(await runOnWindowsNode(script, { name: first }));
