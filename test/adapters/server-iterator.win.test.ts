// `for await (const socket of server)` accepts only as the loop takes connections: while the loop
// body is busy, the backlog stays in the kernel instead of becoming sockets and handles here.
import { connect, type Socket as NodeSocket } from 'node:net';
import { describe, expect, it } from 'vitest';
import * as net from '../../src/adapters/net.js';

const CLIENTS = 10;

describe('for await over a drop-in server', () => {
  it('accepts as the loop pulls, and still yields every connection', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    let accepted = 0;
    server.on('connection', () => accepted++);
    const clients: NodeSocket[] = [];
    try {
      const served: net.Socket[] = [];
      let acceptedWhileBusy = -1;
      const loop = (async () => {
        for await (const socket of server) {
          served.push(socket);
          if (served.length === 1) {
            // A busy loop body: every client connects meanwhile.
            for (let i = 0; i < CLIENTS - 1; i++) clients.push(connect(port, '127.0.0.1'));
            await new Promise((resolve) => setTimeout(resolve, 1_500));
            acceptedWhileBusy = accepted;
          }
          if (served.length === CLIENTS) break;
        }
      })();
      clients.push(connect(port, '127.0.0.1'));
      await loop;
      expect(acceptedWhileBusy).toBeGreaterThanOrEqual(1);
      expect(acceptedWhileBusy).toBeLessThanOrEqual(3);
      expect(served).toHaveLength(CLIENTS);
      served.forEach((socket) => socket.destroy());
    } finally {
      clients.forEach((client) => client.destroy());
      server.close();
    }
  }, 60_000);
});
