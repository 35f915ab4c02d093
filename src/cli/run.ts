// The command line, as a function: `mio-ts relay <from> <to> [--json] [--max-udp-sessions=N]`. Returns once the relay
// listens (or fails); `exit` ends the process with a code (2 for bad usage).
import { EndpointError, parseEndpoint } from './endpoint.js';
import { Relay } from './relay.js';
import { reportStatus } from './status.js';

export const USAGE = `usage: mio-ts relay <from> <to> [--json] [--max-udp-sessions=N]
endpoints: tcp-listen:[host:]port  tcp:host:port  pipe-listen:\\\\.\\pipe\\name  pipe:\\\\.\\pipe\\name
           udp-listen:[host:]port  udp:host:port  stdio`;

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  exit: (code: number) => void;
  /** Registers what to do on SIGINT / SIGTERM. */
  onSignal: (handler: () => void) => void;
}

export async function runCli(argv: string[], io: CliIo): Promise<Relay | undefined> {
  const fail = (message: string): undefined => {
    io.stderr.write(`mio-ts: ${message.split('\n')[0] ?? message}\n`);
    io.exit(2);
    return undefined;
  };
  const [command, ...args] = argv;
  if (command !== 'relay') return fail(command === undefined ? USAGE : `unknown command ${JSON.stringify(command)} (try: mio-ts relay <from> <to>)`);
  const json = args.includes('--json');
  const sessionsOption = args.find((a) => a.startsWith('--max-udp-sessions='));
  let maxUdpSessions: number | undefined;
  if (sessionsOption !== undefined) {
    const text = sessionsOption.slice('--max-udp-sessions='.length);
    maxUdpSessions = Number(text);
    if (!/^\d+$/.test(text) || maxUdpSessions < 1) return fail(`--max-udp-sessions takes an integer >= 1, got ${JSON.stringify(text)}`);
  }
  const positional = args.filter((a) => a !== '--json' && a !== sessionsOption);
  const unknown = positional.find((a) => a.startsWith('--'));
  if (unknown !== undefined) return fail(`unknown option ${unknown}`);
  if (positional.length !== 2) return fail('relay needs two endpoints: mio-ts relay <from> <to>');
  let from, to;
  try {
    from = parseEndpoint(positional[0] ?? '');
    to = parseEndpoint(positional[1] ?? '');
  } catch (error) {
    if (error instanceof EndpointError) return fail(error.message);
    throw error;
  }
  if (to.kind.endsWith('-listen')) return fail(`the second endpoint must be one to connect to, not ${to.kind}`);
  const usesStdout = from.kind === 'stdio' || to.kind === 'stdio';
  const relay = new Relay(from, to, maxUdpSessions === undefined ? {} : { maxUdpSessions });
  const stopReporting = reportStatus(relay, { json, out: usesStdout ? io.stderr : io.stdout });
  let stopping = false;
  let exitCode = 0;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void relay.stop().then(() => {
      stopReporting();
      io.exit(exitCode);
    });
  };
  io.onSignal(() => {
    // A second Ctrl+C does not wait for the drain.
    if (stopping) io.exit(130);
    else stop();
  });
  try {
    await relay.start();
  } catch (error) {
    return fail(`cannot open ${positional[0] ?? ''}: ${(error as Error).message}`);
  }
  // A single-connection relay ends with its connection, and fails with it.
  if (!from.kind.endsWith('-listen')) {
    relay.once('close', (_id: number, failure?: Error) => {
      if (failure !== undefined) exitCode = 1;
      stop();
    });
    relay.once('link-error', () => {
      exitCode = 1;
      stop();
    });
  }
  return relay;
}
