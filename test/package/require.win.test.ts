// CommonJS code can require() every entry point (Node 22.12+ and 24 load the ES modules), and
// the drop-in works from there. Runs the built package (npm test builds it first).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/require-entry-points.cjs', import.meta.url));
const built = fileURLToPath(new URL('../../dist/src/index.js', import.meta.url));

function runCommonJs(): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => child.kill(), 30_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

describe('CommonJS consumers', () => {
  it('require() loads mio-ts, mio-ts/net, mio-ts/streams and mio-ts/rxjs, and the drop-in echoes', async () => {
    expect(existsSync(built), 'dist/ is missing: npm test builds it before the Windows suites').toBe(true);
    const { code, out, err } = await runCommonJs();
    expect(err).not.toMatch(/ERR_/);
    expect(code).toBe(0);
    expect(JSON.parse(out.trim())).toEqual({ entryPoints: 4, echoed: 'from cjs' });
  }, 40_000);
});
