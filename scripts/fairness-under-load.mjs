// The fairness test under the load CI puts on it: test/cli/fairness.win.test.ts runs `runs` times
// on one runtime while another runtime runs the load files beside it, as the two Windows suites
// do in CI on two cores. A read-path change that is fair on a quiet machine can let one link run
// away here (docs/architecture.md, the way of a byte). Prints each run's per-link figures.
//   node scripts/fairness-under-load.mjs [runs=4] [fair runtime=wine10-node22] [load runtime=wine8-node22]
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { cacheDir, root } from './wine.mjs';

const [runs = '4', fairRuntime = 'wine10-node22', loadRuntime = 'wine8-node22'] = process.argv.slice(2);
const LOAD_FILES = ['test/cli/relay.win.test.ts', 'test/core/churn.win.test.ts', 'test/cli/relay-load.win.test.ts', 'test/core/registration-fuzz.win.test.ts'];

/** The Windows suite on `runtime` with `files`; its output goes to `logPath`. Resolves with its exit code. */
function suite(runtime, files, logPath) {
  const log = openSync(logPath, 'w');
  const child = spawn(process.execPath, [join(root, 'scripts', 'windows-suite.mjs'), ...files], {
    cwd: root,
    env: { ...process.env, MIO_TS_RUNTIME: runtime },
    stdio: ['ignore', log, log],
  });
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      closeSync(log);
      resolve(code ?? 1);
    }),
  );
}

mkdirSync(cacheDir, { recursive: true });
const load = suite(loadRuntime, LOAD_FILES, join(cacheDir, 'fairness-load.log'));
let red = 0;
for (let run = 1; run <= Number(runs); run++) {
  const logPath = join(cacheDir, `fairness-run-${run}.log`);
  const code = await suite(fairRuntime, ['test/cli/fairness.win.test.ts'], logPath);
  if (code !== 0) red++;
  const figures = readFileSync(logPath, 'utf8')
    .split('\n')
    .filter((line) => /per-link MB: \d/.test(line))
    .map((line) => line.slice(line.indexOf('per-link MB')));
  process.stdout.write(`run ${run}: ${code === 0 ? 'fair' : 'UNFAIR'}\n  ${figures.join('\n  ')}\n`);
}
const loadCode = await load;
process.stdout.write(`${red} of ${runs} runs unfair; the load beside them (${loadRuntime}) exited ${loadCode}\n`);
process.exit(red === 0 ? 0 : 1);
