// Debian's socat, curl and wrk through `npm start -- relay tcp-listen:... tcp:...` (the relay
// under Wine, every peer a Linux process): socat's half-close comes back as the echo's end and
// socat exits on it, curl's keep-alive download and 16 MiB upload arrive whole, and wrk's
// connections see no socket error. The server behind the relay is this test's: an HTTP server
// for requests, an echo (half-close passed on) for anything else.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectRuntimes } from '../../scripts/runtimes.mjs';
import { startRelay, type RelayProcess } from './fixtures/relay-process.js';

const BIG = 16 * 1024 * 1024;
/** Bytes that differ at every offset of a 16 MiB body, so a lost or repeated chunk shows. */
function body(size: number, seed: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i += 4) bytes.writeUInt32LE((i * 2654435761 + seed) >>> 0, i);
  return bytes;
}
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Echo for anything but a request (the half-close passed on); a request goes on to an HTTP server
 * (GET /small, GET /big, POST /sha256) through a connection of its own, since Node's http takes
 * a socket's handle and would miss the bytes read to tell the two apart.
 */
async function targetServer(big: Buffer): Promise<{ server: Server; close(): void }> {
  const http = createHttpServer((request, response) => {
    if (request.method === 'GET' && request.url === '/small') return void response.end('hello through the relay\n');
    if (request.method === 'GET' && request.url === '/big') return void response.end(big);
    if (request.method === 'POST' && request.url === '/sha256') {
      const hash = createHash('sha256');
      request.on('data', (chunk: Buffer) => hash.update(chunk));
      request.on('end', () => response.end(hash.digest('hex')));
      return;
    }
    response.statusCode = 404;
    response.end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const httpPort = (http.address() as AddressInfo).port;
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      if (!/^(GET|POST) /.test(first.toString('latin1', 0, 5))) {
        // pipe() ends the echo's write side once the client's end came through and all is echoed.
        socket.pipe(socket);
        return;
      }
      const upstream = connect({ port: httpPort, host: '127.0.0.1' });
      socket.pipe(upstream).pipe(socket);
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
  });
  return { server, close: () => (server.close(), http.close()) };
}

/** Runs a Debian client; asynchronously, since the server behind the relay is in this process. */
async function run(command: string, args: string[], input?: Buffer): Promise<{ status: number | null; stdout: Buffer; stderr: string; ms: number }> {
  const started = performance.now();
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.on('error', () => undefined);
  child.stdin.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const status = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  return { status, stdout: Buffer.concat(stdout), stderr, ms: performance.now() - started };
}

const runtimeIds = (selectRuntimes(process.env.MIO_TS_RUNTIMES) as { id: string }[]).map((runtime) => runtime.id);

describe.each(runtimeIds)('Debian socat, curl and wrk through the relay launched on Linux, %s', (runtimeId) => {
  const big = body(BIG, 1);
  let target: { server: Server; close(): void } | undefined;
  let relay: RelayProcess | undefined;
  let work = '';
  const url = (path: string): string => `http://127.0.0.1:${String(relay?.port)}${path}`;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'mio-ts-clients-'));
    target = await targetServer(big);
    const { server } = target;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    relay = await startRelay(runtimeId, (server.address() as AddressInfo).port);
  }, 180_000);

  afterAll(async () => {
    await relay?.stop();
    target?.close();
    rmSync(work, { recursive: true, force: true });
  }, 20_000);

  it('socat: 8 MiB echoed whole; its half-close comes back as the end and socat exits on it, not on its 30 s timeout', async () => {
    const sent = body(8 * 1024 * 1024, 2);
    sent[0] = 0; // not a request: the target echoes it
    // -t 30: after its stdin ends, socat shuts down its write side and waits up to 30 s for the
    // other direction to end.
    const { status, stdout, stderr, ms } = await run('socat', ['-t', '30', '-', `TCP:127.0.0.1:${String(relay?.port)}`], sent);
    console.log(`${runtimeId} socat: 8 MiB echoed through the relay in ${(ms / 1000).toFixed(2)} s`);
    expect(status, `${stderr}\n${relay?.output() ?? ''}`).toBe(0);
    expect(stdout.length).toBe(sent.length);
    expect(sha256(stdout)).toBe(sha256(sent));
    expect(ms).toBeLessThan(25_000);
  }, 90_000);

  it('curl: a small and a 16 MiB body on one keep-alive connection, and a 16 MiB upload, arrive whole', async () => {
    const downloaded = join(work, 'big');
    const small = join(work, 'small');
    const get = await run('curl', ['-sS', '--fail', '-w', '%{num_connects} ', url('/small'), '-o', small, url('/big'), '-o', downloaded]);
    expect(get.status, `${get.stderr}\n${relay?.output() ?? ''}`).toBe(0);
    // One connection for both requests: the second reused it (keep-alive through the relay).
    expect(get.stdout.toString().trim().split(/\s+/)).toEqual(['1', '0']);
    expect(readFileSync(small, 'utf8')).toBe('hello through the relay\n');
    expect(sha256(readFileSync(downloaded))).toBe(sha256(big));
    const upload = join(work, 'upload');
    const sent = body(BIG, 3);
    writeFileSync(upload, sent);
    const post = await run('curl', ['-sS', '--fail', '--data-binary', `@${upload}`, url('/sha256')]);
    expect(post.status, `${post.stderr}\n${relay?.output() ?? ''}`).toBe(0);
    expect(post.stdout.toString()).toBe(sha256(sent));
    console.log(`${runtimeId} curl: 16 MiB down in ${(get.ms / 1000).toFixed(2)} s, 16 MiB up in ${(post.ms / 1000).toFixed(2)} s`);
  }, 90_000);

  it('wrk: 16 keep-alive connections for 2 s, every request answered, no socket error', async () => {
    const { status, stdout, stderr } = await run('wrk', ['-t', '2', '-c', '16', '-d', '2s', url('/small')]);
    const report = stdout.toString();
    console.log(`${runtimeId} wrk -c 16 through the relay: ${/Requests\/sec:\s*([\d.]+)/.exec(report)?.[1] ?? '?'} requests/s`);
    expect(status, `${stderr}\n${report}`).toBe(0);
    expect(report).toMatch(/(\d+) requests in/);
    expect(Number(/(\d+) requests in/.exec(report)?.[1])).toBeGreaterThan(0);
    // wrk prints these lines only when something went wrong.
    expect(report).not.toMatch(/Socket errors|Non-2xx/);
  }, 90_000);
});
