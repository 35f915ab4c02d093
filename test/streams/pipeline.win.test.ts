// stream.pipeline from a TCP socket into a named pipe and back: 64 MiB intact.
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import * as mioNet from '../../src/adapters/net.js';
import { PipeListener } from '../../src/streams/pipe-listener.js';
import { PipeSocket } from '../../src/streams/pipe-socket.js';
import { TcpSocket } from '../../src/streams/tcp-socket.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0).reverse()) close();
});

describe('pipeline across TCP and a named pipe', () => {
  it('TCP -> pipe echo -> TCP with stream.pipeline, 64 MiB intact', async () => {
    const path = `\\\\.\\pipe\\mio-ts-pipeline-${process.pid}`;
    const echo = new PipeListener(path, {}, (socket) => socket.pipe(socket));
    closers.push(() => echo.close());
    // A TCP server whose every connection is piped into the pipe and back with stream.pipeline.
    const server = mioNet.createServer((tcp) => {
      const pipe = PipeSocket.connect(path);
      void pipeline(tcp, pipe, tcp).catch(() => undefined);
    });
    closers.push(() => server.close());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const size = 64 * 1024 * 1024;
    const payload = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4) payload.writeUInt32LE((i * 3266489917) >>> 0, i);
    const client = TcpSocket.connect({ port });
    closers.push(() => client.destroy());
    const hash = createHash('sha256');
    let received = 0;
    const done = new Promise<void>((resolve, reject) => {
      client.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        received += chunk.length;
        if (received >= size) resolve();
      });
      client.on('error', reject);
    });
    client.write(payload);
    await done;
    expect(received).toBe(size);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'));
  }, 180_000);
});
