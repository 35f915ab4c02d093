#!/usr/bin/env node
// mio-ts command line: `mio-ts relay <from> <to> [--json]`.
import { EndpointError, parseEndpoint } from './endpoint.js';
import { Relay } from './relay.js';
import { reportStatus } from './status.js';

const USAGE = `usage: mio-ts relay <from> <to> [--json]
endpoints: tcp-listen:[host:]port  tcp:host:port  pipe-listen:\\\\.\\pipe\\name  pipe:\\\\.\\pipe\\name
           udp-listen:[host:]port  udp:host:port  stdio`;

function fail(message: string): never {
  process.stderr.write(`mio-ts: ${message}\n`);
  process.exit(2);
}

async function relayCommand(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const positional = args.filter((a) => a !== '--json');
  const unknown = positional.find((a) => a.startsWith('--'));
  if (unknown !== undefined) fail(`unknown option ${unknown}\n${USAGE}`);
  if (positional.length !== 2) fail(`relay needs two endpoints\n${USAGE}`);
  let from, to;
  try {
    from = parseEndpoint(positional[0] ?? '');
    to = parseEndpoint(positional[1] ?? '');
  } catch (error) {
    if (error instanceof EndpointError) fail(error.message);
    throw error;
  }
  if (to.kind.endsWith('-listen')) fail(`the second endpoint must be one to connect to, not ${to.kind}`);
  const usesStdout = from.kind === 'stdio' || to.kind === 'stdio';
  const relay = new Relay(from, to);
  const stopReporting = reportStatus(relay, { json, out: usesStdout ? process.stderr : process.stdout });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void relay.stop().then(() => {
      stopReporting();
      process.exit(0);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Windows consoles deliver Ctrl+Break this way.
  process.on('SIGBREAK', stop);
  try {
    await relay.start();
  } catch (error) {
    fail(`cannot open ${positional[0]}: ${(error as Error).message}`);
  }
  // A single-connection relay ends with its connection.
  if (!from.kind.endsWith('-listen')) relay.once('close', stop);
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'relay') await relayCommand(rest);
else fail(command === undefined ? USAGE : `unknown command ${JSON.stringify(command)}\n${USAGE}`);
