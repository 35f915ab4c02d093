// The `stdio` endpoint of `mio-ts relay` when the relay runs under Wine: a Windows process there
// cannot write to a Linux pipe (EBADF) and gets no stdin from the launcher. So the launcher
// stands in for its stdio: it listens on a loopback port, hands the relay `tcp:127.0.0.1:<port>`
// instead of `stdio`, and joins the one connection that comes to its own stdin and stdout. End of
// input half-closes the connection; the connection's end ends stdout.
import { createServer } from 'node:net';

/** True when `args` (relay arguments) name the stdio endpoint. */
export function usesStdio(args) {
  return args.includes('stdio');
}

/**
 * Starts the bridge; resolves with the relay arguments to use instead (`stdio` replaced) and a
 * `done` promise that settles once the bridged connection has closed.
 */
export async function startStdioBridge(args, { stdin = process.stdin, stdout = process.stdout } = {}) {
  let finished;
  const done = new Promise((resolve) => (finished = resolve));
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    // One relay, one connection: nobody else is let in.
    server.close();
    stdin.pipe(socket);
    socket.pipe(stdout, { end: false });
    socket.on('end', () => stdout.write('', () => finished()));
    socket.on('error', (error) => {
      process.stderr.write(`stdio bridge: ${error.message}\n`);
      finished();
    });
    socket.on('close', () => {
      stdin.unpipe(socket);
      stdin.destroy();
      finished();
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return { args: args.map((arg) => (arg === 'stdio' ? `tcp:127.0.0.1:${port}` : arg)), done, close: () => server.close() };
}
