// The command line's usage errors: one line on stderr and exit code 2, before anything opens.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';

function capture(): { io: Parameters<typeof runCli>[1]; stderr: () => string; code: () => number | undefined } {
  let text = '';
  let exitCode: number | undefined;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  return {
    io: { stdout: sink, stderr: sink, exit: (c) => (exitCode ??= c), onSignal: () => undefined },
    stderr: () => text,
    code: () => exitCode,
  };
}

describe('mio-ts relay usage errors', () => {
  it.each([
    [['relay', 'bogus', 'tcp:127.0.0.1:1']],
    [['relay', 'tcp-listen:1', 'tcp:no_where:80']],
    [['relay', 'tcp-listen:1']],
    [['relay', 'tcp-listen:1', 'tcp-listen:2']],
    [['relay', '--fast', 'tcp-listen:1', 'tcp:127.0.0.1:2']],
    [['relay', '--max-udp-sessions=0', 'udp-listen:1', 'udp:127.0.0.1:2']],
    [['relay', '--max-udp-sessions=lots', 'udp-listen:1', 'udp:127.0.0.1:2']],
    [['serve']],
    [[]],
  ])('%j: one line, exit code 2', async (argv) => {
    const { io, stderr, code } = capture();
    expect(await runCli(argv, io)).toBeUndefined();
    expect(code()).toBe(2);
    expect(stderr().trimEnd().split('\n')).toHaveLength(1);
    expect(stderr()).toMatch(/^mio-ts: /);
  });
});
