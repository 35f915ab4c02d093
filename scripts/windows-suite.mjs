// The Windows suite: vitest's `windows` project run by a Windows Node.js (under Wine on Linux).
import { runOnWindowsNode } from './windows-node.mjs';

const code = await runOnWindowsNode(['node_modules/vitest/vitest.mjs', 'run', '--project', 'windows', '--project', 'windows-load', ...process.argv.slice(2)], {
  name: 'windows-suite',
});
process.exit(code);
