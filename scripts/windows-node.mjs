// Runs a script with a Windows Node.js: this one on Windows, the Windows build under Wine elsewhere.
import { spawn } from 'node:child_process';
import { root, runWindowsNode, timeoutAfter } from './wine.mjs';

/** Resolves with the exit code of `node ...args` run on Windows (or under Wine). */
export function runOnWindowsNode(args, options = {}) {
  if (process.platform === 'win32') {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...options.env } });
      const deadline = timeoutAfter(child, options.timeoutMs, options.name);
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        deadline.clear();
        resolve(code ?? (signal ? 128 : 1));
      });
    });
  }
  return runWindowsNode(args, options);
}
