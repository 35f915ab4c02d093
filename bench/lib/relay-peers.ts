// The peers of the relay benchmark, in a Windows Node.js process of their own (plain node:net),
// so that the measured process runs the relay only: the bench copy of
// test/cli/fixtures/bulk-peers.mjs (forward direction), adapted to time the transfer.
//   node relay-peers.js <links> <ms>
// Starts a sink server and prints {"sink": port}; reads from stdin the port its clients connect
// to (the relay's) and opens <links> connections. Once all are up, every client writes
// CHUNK_BYTES chunks as fast as backpressure allows for <ms> ms, then ends (iperf3 -P style: all
// start and stop together). Once every connection on both sides has closed, prints
// {"sent": [...], "received": [...], "seconds": s}: per connection, what the clients wrote and
// what the sink read; seconds from the common start to the last end seen by the sink. Any
// socket error exits 1.
import net from 'node:net';

// iperf3's default TCP write length.
const CHUNK_BYTES = 128 * 1024;

const [links, ms] = process.argv.slice(2, 4).map(Number) as [number, number];
if (!Number.isInteger(links) || links < 1 || !(ms > 0)) {
  process.stderr.write('usage: relay-peers.js <links> <ms>\n');
  process.exit(2);
}
const chunk = Buffer.alloc(CHUNK_BYTES, 0x61);
const sent: number[] = new Array<number>(links).fill(0);
const received: number[] = [];
let clientsOpen = links;
let sinkOpen = 0;
let sinkEnded = 0;
let started = 0;
let lastEnd = 0;

function fail(what: string, error: Error): void {
  process.stderr.write(`${what}: ${error.message}\n`);
  process.exitCode = 1;
}

function finish(): void {
  if (clientsOpen > 0 || sinkOpen > 0) return;
  process.stdout.write(`${JSON.stringify({ sent, received, seconds: (lastEnd - started) / 1000 })}\n`);
  sink.close();
}

const sink = net.createServer({ allowHalfOpen: true }, (socket) => {
  sinkOpen++;
  const index = received.push(0) - 1;
  socket.on('error', (error) => fail(`sink ${index}`, error));
  socket.on('data', (data: Buffer) => (received[index] = (received[index] ?? 0) + data.length));
  socket.on('end', () => {
    // The last byte of the last link has arrived: the transfer's end.
    if (++sinkEnded === links) lastEnd = performance.now();
    socket.end();
  });
  socket.on('close', () => {
    sinkOpen--;
    finish();
  });
});
sink.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ sink: (sink.address() as net.AddressInfo).port })}\n`));

/** Writes as fast as backpressure allows until `until`, then ends. */
function pump(socket: net.Socket, index: number, until: number): void {
  const go = (): void => {
    while (performance.now() < until) {
      sent[index] = (sent[index] ?? 0) + chunk.length;
      if (!socket.write(chunk)) {
        socket.once('drain', go);
        return;
      }
    }
    socket.end();
  };
  go();
}

process.stdin.once('data', (line) => {
  process.stdin.pause();
  const port = Number(String(line).trim());
  const sockets: net.Socket[] = [];
  // Like iperf3, the senders start once every connection is up: a link that connected late is
  // not measured as a slow one.
  const connected = (): void => {
    if (sockets.filter((s) => !s.connecting).length < links) return;
    started = performance.now();
    sockets.forEach((socket, index) => pump(socket, index, started + ms));
  };
  for (let i = 0; i < links; i++) {
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, connected);
    sockets.push(socket);
    socket.on('error', (error) => fail(`link ${i}`, error));
    // The clients only send: once the sink's end comes back, the link is done.
    socket.on('end', () => socket.end());
    socket.on('close', () => {
      clientsOpen--;
      finish();
    });
  }
});
