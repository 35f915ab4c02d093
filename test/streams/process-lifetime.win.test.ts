// An idle process with nothing ref'd exits; a ref'd server keeps it alive (like node:net).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const loader = new URL('../fixtures/ts-hooks.mjs', import.meta.url).href;
const script = fileURLToPath(new URL('./fixtures/listen-then-idle.ts', import.meta.url));

/** Runs the fixture; resolves with its exit code, or 'running' if it is still alive after `ms`. */
function run(mode: string, ms: number): Promise<number | 'running'> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--experimental-transform-types', '--disable-warning=ExperimentalWarning', '--import', loader, script, mode], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const timer = setTimeout(() => {
      child.kill();
      resolve('running');
    }, ms);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code ?? -1);
    });
  });
}

describe('process lifetime', () => {
  it('exits when the only server is unref()d', async () => {
    expect(await run('unref', 20_000)).toBe(0);
  }, 30_000);

  it('exits once the server is closed', async () => {
    expect(await run('close', 20_000)).toBe(0);
  }, 30_000);

  it('stays alive while a ref()d server listens', async () => {
    expect(await run('ref', 4_000)).toBe('running');
  }, 30_000);

  it('a UdpDuplex keeps the process alive while it reads, and not once unref()d, as dgram', async () => {
    expect(await run('udp-ref', 4_000)).toBe('running');
    expect(await run('udp-unref', 20_000)).toBe(0);
  }, 40_000);
});
