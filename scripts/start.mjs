// `npm start`: builds, then runs the main example with a Windows Node.js (under Wine on Linux).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from './wine.mjs';
import { runOnWindowsNode } from './windows-node.mjs';

const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
const [example = 'afd-trace', ...rest] = process.argv.slice(2);
process.exit(await runOnWindowsNode([`dist/examples/${example}.js`, ...rest], { name: example }));
