// `npm start -- relay stdio <endpoint>` from the Linux launcher, with Linux processes on both
// sides: what is piped in reaches the endpoint, its replies come out on stdout, and end of input
// half-closes. Once, the launcher gave the Windows relay no stdin and it relayed nothing.
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('the relay launcher on Linux', () => {
  it('relays stdin to a Linux echo server and its replies to stdout; end of input half-closes', async () => {
    let sawEnd = false;
    const echo = createServer({ allowHalfOpen: true }, (socket) => {
      socket.on('end', () => (sawEnd = true));
      socket.pipe(socket);
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    try {
      const port = (echo.address() as AddressInfo).port;
      const child = spawn(process.execPath, ['scripts/start.mjs', 'relay', 'stdio', `tcp:127.0.0.1:${port}`], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      const payload = `hello-stdio ${'x'.repeat(100_000)}\n`;
      child.stdin.end(payload);
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
        child.on('exit', (exitCode) => {
          clearTimeout(timer);
          resolve(exitCode);
        });
      });
      expect(code, err).toBe(0);
      expect(out.length).toBe(payload.length);
      expect(out === payload).toBe(true);
      expect(sawEnd).toBe(true);
    } finally {
      echo.close();
    }
  }, 180_000);
});
