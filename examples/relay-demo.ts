// The self-contained demo of `npm start`: a named-pipe echo server, the mio-ts relay in front
// of it on TCP, and a client pushing 64 MiB through and back, checksummed.
import { createHash } from 'node:crypto';
import { parseEndpoint } from '../src/cli/endpoint.js';
import { Relay } from '../src/cli/relay.js';
import { Driver } from '../src/streams/driver.js';
import { PipeListener } from '../src/streams/pipe-listener.js';
import { TcpSocket } from '../src/streams/tcp-socket.js';

const SIZE = 64 * 1024 * 1024;
const pipePath = `\\\\.\\pipe\\mio-ts-demo-${process.pid}`;

// 1. The echo server on a named pipe.
const echo = new PipeListener(pipePath, {}, (socket) => socket.pipe(socket));
console.log(`echo server on ${pipePath}`);

// 2. The relay: TCP in front of the pipe.
const relay = new Relay(parseEndpoint('tcp-listen:127.0.0.1:0'), parseEndpoint(`pipe:${pipePath}`));
const listening = new Promise<string>((resolve) => relay.once('listening', resolve));
await relay.start();
const address = await listening;
console.log(`relay listening on ${address} -> ${pipePath}`);
const port = Number(address.slice(address.lastIndexOf(':') + 1));

// 3. The client: 64 MiB out, 64 MiB back.
const payload = Buffer.alloc(SIZE);
for (let i = 0; i < SIZE; i += 4) payload.writeUInt32LE((i * 2654435761) >>> 0, i);
const expected = createHash('sha256').update(payload).digest('hex');
const started = performance.now();
const client = TcpSocket.connect({ port });
const received = createHash('sha256');
let receivedBytes = 0;
await new Promise<void>((resolve, reject) => {
  client.on('error', reject);
  client.on('data', (chunk: Buffer) => {
    received.update(chunk);
    receivedBytes += chunk.length;
    if (receivedBytes >= SIZE) resolve();
  });
  client.once('connect', () => {
    let offset = 0;
    const writeMore = (): void => {
      while (offset < SIZE) {
        const chunk = payload.subarray(offset, offset + 256 * 1024);
        offset += chunk.length;
        if (!client.write(chunk)) {
          client.once('drain', writeMore);
          return;
        }
      }
    };
    writeMore();
  });
});
const seconds = (performance.now() - started) / 1000;
const intact = received.digest('hex') === expected;
client.destroy();
await relay.stop(2000);
echo.close();
const mib = SIZE / 1024 / 1024;
console.log(`pushed ${mib} MiB through tcp -> relay -> pipe echo -> relay -> tcp in ${seconds.toFixed(2)} s`);
console.log(`throughput ${((2 * mib) / seconds).toFixed(1)} MiB/s both ways together; data ${intact ? 'intact (sha256 matches)' : 'CORRUPTED'}`);
console.log(`readiness events dispatched: ${Driver.shared().eventsDispatched}; relay links: ${relay.stats.total}; bytes -> ${relay.stats.forward}, <- ${relay.stats.backward}`);
Driver.shared().close();
process.exitCode = intact ? 0 : 1;
