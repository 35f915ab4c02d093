// Round trips through the drop-in that once never finished under Wine 10.0 (a cancelled AFD poll
// spun a CPU inside NtCancelIoFileEx): each runs in a child process that is killed if it hangs.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const loader = new URL('../fixtures/ts-hooks.mjs', import.meta.url).href;
const script = fileURLToPath(new URL('./fixtures/drop-in-round-trip.ts', import.meta.url));

interface RoundTrip {
  ms: number;
  bytes: number;
  sha256: string;
  sentSha256: string;
}

/** Runs the fixture; rejects if it does not exit by itself within `limitMs`. */
function roundTrip(args: string[], limitMs: number): Promise<RoundTrip> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--experimental-transform-types', '--disable-warning=ExperimentalWarning', '--import', loader, script, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`the round trip (${args.join(' ')}) was still running after ${limitMs} ms: ${out}`));
    }, limitMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`the round trip (${args.join(' ')}) exited with ${code}: ${out}`));
      else resolve(JSON.parse(out.trim()) as RoundTrip);
    });
  });
}

describe('drop-in round trips', () => {
  it('a half-close round trip ends both sides within a second, and the process exits', async () => {
    const result = await roundTrip(['half-close'], 20_000);
    expect(result.bytes).toBe(5);
    expect(result.sha256).toBe(result.sentSha256);
    expect(result.ms).toBeLessThan(1_000);
  }, 30_000);

  it('16 MiB echoed through a drop-in server comes back intact', async () => {
    const result = await roundTrip(['echo', String(16 * 1024 * 1024)], 40_000);
    expect(result.bytes).toBe(16 * 1024 * 1024);
    expect(result.sha256).toBe(result.sentSha256);
  }, 60_000);
});
