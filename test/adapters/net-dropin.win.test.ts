// The node:net drop-in, side by side with node:net itself: same scenarios, same event order,
// same error codes.
import * as http from 'node:http';
import * as nodeNet from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import * as mioNet from '../../src/adapters/net.js';

type NetLike = Pick<typeof nodeNet, 'createServer' | 'connect'>;
const implementations: [string, NetLike][] = [
  ['node:net', nodeNet],
  ['mio-ts', mioNet as unknown as NetLike],
];

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0).reverse()) close();
});

/** Records the events of a client socket until 'close'. */
function record(socket: nodeNet.Socket): Promise<string[]> {
  const events: string[] = [];
  for (const name of ['connect', 'ready', 'end', 'timeout', 'finish']) socket.on(name, () => events.push(name));
  socket.on('data', () => {
    if (events[events.length - 1] !== 'data') events.push('data');
  });
  socket.on('error', (error: NodeJS.ErrnoException) => events.push(`error:${error.code ?? '?'}`));
  return new Promise((resolve) => socket.on('close', () => resolve([...events, 'close'])));
}

async function listen(net: NetLike, onConnection: (socket: nodeNet.Socket) => void): Promise<number> {
  const server = net.createServer(onConnection);
  closers.push(() => server.close());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as nodeNet.AddressInfo).port;
}

async function scenario(run: (net: NetLike) => Promise<string[]>): Promise<Record<string, string[]>> {
  const results: Record<string, string[]> = {};
  for (const [name, net] of implementations) results[name] = await run(net);
  return results;
}

describe('node:net drop-in', () => {
  it('connect, echo, end: same events as node:net', async () => {
    const results = await scenario(async (net) => {
      const port = await listen(net, (socket) => socket.pipe(socket));
      const client = net.connect(port, '127.0.0.1');
      const events = record(client);
      // End once the echo is back: the order of 'finish' against in-flight data is a race.
      client.write('hello');
      client.once('data', () => client.end());
      client.resume();
      return events;
    });
    expect(results['mio-ts']).toEqual(results['node:net']);
    expect(results['mio-ts']).toEqual(['connect', 'ready', 'data', 'finish', 'end', 'close']);
  });

  it('refused: same error code and order', async () => {
    const free = nodeNet.createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const port = (free.address() as nodeNet.AddressInfo).port;
    await new Promise((resolve) => free.close(resolve));
    const results = await scenario((net) => record(net.connect(port, '127.0.0.1')));
    expect(results['mio-ts']).toEqual(results['node:net']);
    expect(results['mio-ts']).toEqual(['error:ECONNREFUSED', 'close']);
  });

  it('peer reset: ECONNRESET, like node:net', async () => {
    const results = await scenario(async (net) => {
      const port = await listen(nodeNet, (socket) => setTimeout(() => socket.resetAndDestroy(), 50));
      const client = net.connect(port, '127.0.0.1');
      return record(client);
    });
    expect(results['mio-ts']).toContain('error:ECONNRESET');
    expect(results['mio-ts']).toEqual(results['node:net']);
  });

  it('timeout: emitted after idleness, socket stays usable', async () => {
    const results = await scenario(async (net) => {
      const port = await listen(nodeNet, () => undefined);
      const client = net.connect(port, '127.0.0.1');
      const events = record(client);
      client.setTimeout(100, () => client.destroy());
      return events;
    });
    expect(results['mio-ts']).toEqual(results['node:net']);
    expect(results['mio-ts']).toEqual(['connect', 'ready', 'timeout', 'close']);
  });

  it('half-close with allowHalfOpen: the server still answers after our end', async () => {
    const results = await scenario(async (net) => {
      const port = await listen(nodeNet, (socket) => {
        socket.on('end', () => socket.end('bye'));
        socket.resume();
      });
      const client = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true } as nodeNet.NetConnectOpts);
      const events = record(client);
      let text = '';
      client.on('data', (d: Buffer) => (text += d.toString()));
      client.end('done');
      const all = await events;
      return [...all, text];
    });
    expect(results['mio-ts']).toEqual(results['node:net']);
  });

  it('destroy during a large write: close without error, like node:net', async () => {
    const results = await scenario(async (net) => {
      const port = await listen(nodeNet, () => undefined);
      const client = net.connect(port, '127.0.0.1');
      const events = record(client);
      client.once('connect', () => {
        client.write(Buffer.alloc(16 * 1024 * 1024));
        setTimeout(() => client.destroy(), 20);
      });
      return events;
    });
    expect(results['mio-ts']).toEqual(results['node:net']);
  });

  it('connect resolves host names like node:net (ENOTFOUND for unknown names)', async () => {
    const port = await listen(nodeNet, (socket) => socket.end('named'));
    const reply = await new Promise<string>((resolve, reject) => {
      const client = mioNet.connect({ port, host: 'LocalHost' });
      closers.push(() => client.destroy());
      let text = '';
      client.on('data', (d: Buffer) => (text += d.toString()));
      client.on('end', () => resolve(text));
      client.on('error', reject);
    });
    expect(reply).toBe('named');
    const results = await scenario((net) => record(net.connect(port, 'no-such-host.invalid')));
    expect(results['mio-ts']).toEqual(results['node:net']);
    expect(results['mio-ts']?.[0]).toMatch(/^error:(ENOTFOUND|EAI_AGAIN)$/);
    // listen() resolves names too.
    const named = mioNet.createServer((socket) => socket.end('listening by name'));
    closers.push(() => named.close());
    await new Promise<void>((resolve) => named.listen(0, 'LocalHost', resolve));
    expect((named.address() as nodeNet.AddressInfo).address).toBe('127.0.0.1');
  });

  it('server surface: address, getConnections, maxConnections, close after connections end', async () => {
    const server = mioNet.createServer();
    await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1' }, resolve));
    const address = server.address() as nodeNet.AddressInfo;
    expect(address).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    const port = address.port;
    const connected = new Promise<mioNet.Socket>((resolve) => server.once('connection', resolve));
    const client = nodeNet.connect(port, '127.0.0.1');
    const serverSide = await connected;
    expect(serverSide.remoteAddress).toBe('127.0.0.1');
    expect(serverSide.remotePort).toBe(client.localPort);
    expect(serverSide.remoteFamily).toBe('IPv4');
    expect(serverSide.localPort).toBe(port);
    const count = await new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n)));
    expect(count).toBe(1);
    // One connection is the most: a second one is dropped (closed, with a 'drop' event).
    server.maxConnections = 1;
    const dropped = new Promise<{ remotePort?: number }>((resolve) => server.once('drop', resolve));
    const extra = nodeNet.connect(port, '127.0.0.1');
    extra.on('error', () => undefined);
    const extraClosed = new Promise<void>((resolve) => extra.once('close', () => resolve()));
    expect((await dropped).remotePort).toBe(await new Promise<number | undefined>((resolve) => (extra.connecting ? extra.once('connect', () => resolve(extra.localPort)) : resolve(extra.localPort))));
    await extraClosed;
    expect(await new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n)))).toBe(1);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    client.end();
    serverSide.resume();
    await closed;
    expect(server.listening).toBe(false);
  });

  it('listening on a port in use emits error EADDRINUSE', async () => {
    const taken = nodeNet.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    closers.push(() => taken.close());
    const server = mioNet.createServer();
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
      server.once('error', resolve);
      server.listen((taken.address() as nodeNet.AddressInfo).port, '127.0.0.1');
    });
    expect(error.code).toBe('EADDRINUSE');
  });

  it('Symbol.asyncDispose closes a listening server once, as node:net', async () => {
    const server = mioNet.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    let closed = false;
    server.once('close', () => (closed = true));
    await server[Symbol.asyncDispose]();
    expect(closed).toBe(true);
    expect(server.listening).toBe(false);
    // A closed server has nothing left to dispose of.
    await server[Symbol.asyncDispose]();
  });

  it("Node's http.Server serves a real HTTP client over the drop-in", async () => {
    const httpServer = http.createServer((request, response) => {
      response.setHeader('content-type', 'text/plain');
      response.end(`hello ${request.method} ${request.url}`);
    });
    const server = mioNet.createServer((socket) => httpServer.emit('connection', socket));
    closers.push(() => server.close());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number } | null)?.port ?? 0;
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/mio', agent: false }, (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve(`${response.statusCode} ${text}`));
        })
        .on('error', reject);
    });
    expect(body).toBe('200 hello GET /mio');
  });

  it('listen({ path }) serves a named pipe; connect(path) reaches it; Node clients too', async () => {
    const path = `\\\\.\\pipe\\mio-ts-dropin-${process.pid}`;
    const server = mioNet.createServer((socket) => socket.pipe(socket));
    closers.push(() => server.close());
    await new Promise<void>((resolve) => server.listen({ path }, resolve));
    expect(server.address()).toBe(path);
    const ours = mioNet.connect(path);
    closers.push(() => ours.destroy());
    ours.write('ours');
    const oursReply = await new Promise<string>((resolve) => ours.once('data', (d: Buffer) => resolve(d.toString())));
    expect(oursReply).toBe('ours');
    const theirs = nodeNet.connect(path);
    closers.push(() => theirs.destroy());
    theirs.write('theirs');
    const theirsReply = await new Promise<string>((resolve) => theirs.once('data', (d: Buffer) => resolve(d.toString())));
    expect(theirsReply).toBe('theirs');
  });

  it("end() on a pipe client reaches the server as 'end' (the pipe closes once quiet, as libuv does)", async () => {
    const path = `\\\\.\\pipe\\mio-ts-dropin-end-${process.pid}`;
    const results = await scenario(async (net) => {
      let received: (text: string) => void = () => undefined;
      const ended = new Promise<string>((resolve) => (received = resolve));
      const server = nodeNet.createServer((socket) => {
        let text = '';
        socket.on('data', (d: Buffer) => (text += d.toString()));
        socket.on('end', () => received(`end after ${JSON.stringify(text)}`));
        socket.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => server.listen(`${path}-${net === nodeNet ? 'node' : 'mio'}`, resolve));
      closers.push(() => server.close());
      const client = net.connect(`${path}-${net === nodeNet ? 'node' : 'mio'}`);
      client.on('error', () => undefined);
      client.resume();
      client.end('hello');
      return [await ended];
    });
    expect(results['node:net']).toEqual(['end after "hello"']);
    expect(results['mio-ts']).toEqual(results['node:net']);
  });

  it('onread: reads land in the given buffers, false pauses, no data events; as node:net', async () => {
    const results = await scenario(async (net) => {
      const port = await listen(net, (socket) => socket.end('hello world'));
      const pool = [Buffer.alloc(4), Buffer.alloc(4)];
      let asked = 0;
      const seen: string[] = [];
      const client = net.connect({
        port,
        host: '127.0.0.1',
        onread: {
          buffer: () => pool[asked++ % pool.length] as Buffer,
          callback(this: nodeNet.Socket, bytes: number, buffer: Uint8Array) {
            seen.push(Buffer.from(buffer.subarray(0, bytes)).toString());
            setTimeout(() => this.resume(), 20);
            return false;
          },
        },
      });
      client.on('data', () => seen.push('data'));
      await new Promise((resolve) => client.on('close', resolve));
      // Reads may split anywhere: what arrived, and that each buffer was asked for once per read.
      return [seen.join(''), String(asked === seen.length + 1)];
    });
    expect(results['mio-ts']).toEqual(results['node:net']);
    expect(results['mio-ts']).toEqual(['hello world', 'true']);
  });

  it('for await over a server yields connections', async () => {
    const server = mioNet.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number } | null)?.port ?? 0;
    const clients = [nodeNet.connect(port, '127.0.0.1'), nodeNet.connect(port, '127.0.0.1')];
    closers.push(() => clients.forEach((c) => c.destroy()));
    let seen = 0;
    for await (const socket of server) {
      socket.destroy();
      if (++seen === 2) server.close();
    }
    expect(seen).toBe(2);
  });
});
