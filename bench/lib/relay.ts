// The relay benchmark's helpers: the baseline relay written on node:net, and the driver of the
// peers process (bench/lib/relay-peers.ts).
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * The baseline: a TCP -> TCP relay of the same shape as src/cli/relay.ts on node:net. Each
 * accepted socket is piped both ways to a fresh connection to `target`; pipe() passes a
 * half-close on (allowHalfOpen on both sides), and when one side closes the other is ended, then
 * destroyed once flushed, as Relay#link does.
 */
export class NodeNetRelay {
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();

  private constructor(targetPort: number) {
    this.#server = net.createServer({ allowHalfOpen: true }, (incoming) => this.#link(incoming, targetPort));
  }

  /** Listens on 127.0.0.1 (an ephemeral port) and relays to 127.0.0.1:targetPort. */
  static async start(targetPort: number): Promise<{ relay: NodeNetRelay; port: number }> {
    const relay = new NodeNetRelay(targetPort);
    const server = relay.#server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return { relay, port: (server.address() as net.AddressInfo).port };
  }

  #link(incoming: net.Socket, targetPort: number): void {
    const outgoing = net.connect({ port: targetPort, host: '127.0.0.1', allowHalfOpen: true });
    const pair = [incoming, outgoing];
    incoming.pipe(outgoing);
    outgoing.pipe(incoming);
    for (const socket of pair) {
      this.#sockets.add(socket);
      // The failing side destroys itself; the close handling below ends the other.
      socket.on('error', () => undefined);
      socket.once('close', () => {
        this.#sockets.delete(socket);
        const other = socket === incoming ? outgoing : incoming;
        if (other.destroyed) return;
        if (other.writableFinished || !other.writable) other.destroy();
        else {
          other.once('finish', () => other.destroy());
          other.end();
        }
      });
    }
  }

  /** Stops listening and destroys what is left (nothing, after a completed run). */
  stop(): Promise<void> {
    return new Promise((resolve) => {
      for (const socket of this.#sockets) socket.destroy();
      this.#server.close(() => resolve());
    });
  }
}

/** What the peers report: per link, bytes the clients wrote and bytes the sink read. */
export interface PeersResult {
  sent: number[];
  received: number[];
  /** From the common start of the senders to the last end seen by the sink. */
  seconds: number;
}

const PEERS_SCRIPT = fileURLToPath(new URL('./relay-peers.js', import.meta.url));

/**
 * Runs the peers in a Node.js process of their own (this runtime's: process.execPath), `links`
 * streams for `ms`. `startRelay(sinkPort)` starts the relay under test towards the peers' sink
 * and resolves with the port the clients connect to. Rejects when the peers fail or overrun.
 */
export function runPeers(links: number, ms: number, startRelay: (sinkPort: number) => Promise<number>): Promise<PeersResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PEERS_SCRIPT, String(links), String(ms)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let asked = false;
    const timer = setTimeout(() => child.kill(), ms + 30_000);
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (asked || !out.includes('\n')) return;
      asked = true;
      const { sink } = JSON.parse(out.split('\n')[0] as string) as { sink: number };
      startRelay(sink).then(
        (port) => child.stdin.end(`${port}\n`),
        (error: unknown) => {
          child.kill();
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) reject(new Error(`the peers exited with ${code ?? signal}: ${err.trim()}`));
      else resolve(JSON.parse(last) as PeersResult);
    });
  });
}

