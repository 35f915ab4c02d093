// How npm test judges Node's test-net results (scripts/conformance.mjs): a file stock node passes
// and the drop-in fails is a failure unless known-failures.mjs lists it; stock failures count for
// nothing. Portable: the results are written here, no Windows node runs.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgeConformance } from '../../scripts/conformance.mjs';

interface Judged {
  passed: number;
  failed: number;
  skipped: number;
  problems: string[];
  lines: string[];
}
const judge = judgeConformance as (path: string, runtimeId: string, label: string, version: string) => Judged;

function resultsFile(results: { mode: string; file: string; passed: boolean }[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'mio-ts-judge-')), 'node-net.json');
  writeFileSync(path, JSON.stringify({ node: 'v22.0.0', excluded: [], results: results.map((result) => ({ code: result.passed ? 0 : 1, timedOut: false, ms: 1, output: 'boom', ...result })) }));
  return path;
}

describe('judging the test-net files', () => {
  it('fails a file stock passes and the drop-in does not, and counts the ones both pass', () => {
    const path = resultsFile([
      { mode: 'stock', file: 'test-net-a.js', passed: true },
      { mode: 'stock', file: 'test-net-b.js', passed: true },
      { mode: 'drop-in', file: 'test-net-a.js', passed: true },
      { mode: 'drop-in', file: 'test-net-b.js', passed: false },
    ]);
    const judged = judge(path, 'wine8-node22', 'runtime', '18.20.4');
    expect([judged.passed, judged.failed, judged.skipped]).toEqual([1, 1, 0]);
    expect(judged.problems).toEqual(['runtime: test-net-b.js passes stock but fails with the drop-in (exit 1)']);
  });

  it('does not count a file stock node fails, and names the reason known-failures gives', () => {
    const path = resultsFile([
      { mode: 'stock', file: 'test-net-write-arguments.js', passed: false },
      { mode: 'drop-in', file: 'test-net-write-arguments.js', passed: false },
    ]);
    const judged = judge(path, 'wine8-node22', 'runtime', '18.20.4');
    expect([judged.passed, judged.failed, judged.skipped]).toEqual([0, 0, 0]);
    expect(judged.problems).toEqual([]);
    expect(judged.lines.join('\n')).toContain("Node 22 words the ERR_INVALID_ARG_TYPE message");
  });

  it("takes a listed reason only for the corpus it names: Node 20's test-net-write-arguments.js has none", () => {
    const path = resultsFile([{ mode: 'stock', file: 'test-net-write-arguments.js', passed: false }]);
    const judged = judge(path, 'wine8-node22', 'runtime', '20.19.2');
    expect(judged.lines.join('\n')).toContain('test-net-write-arguments.js: not listed in test/conformance/known-failures.mjs');
  });

  it('fails a runtime that wrote no results', () => {
    const judged = judge(join(tmpdir(), 'no-such-results.json'), 'wine8-node22', 'runtime', '18.20.4');
    expect(judged.problems).toEqual(['runtime: wrote no results']);
  });
});
