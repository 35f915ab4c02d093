// Node's own tests, from Debian 12's nodejs source package: the conformance suite of the drop-in
// (test/conformance/) runs their test/parallel/test-net-*.js files. Fetched once into .cache/
// with apt-get's own lists in .cache/apt-src, so the system's apt sources stay as they are.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './wine.mjs';

const VERSION = '18.20.4';
// Pinned: the newest bookworm-security revision may be missing on a mirror that lags.
const SOURCE_PACKAGE = 'nodejs=18.20.4+dfsg-1~deb12u2';
const ORIG_TARBALL = 'nodejs_18.20.4+dfsg.orig.tar.xz';
const ORIG_SHA256 = '6ce58062c71eae37d9c5ac31eeaeff9c2d48561d21c2849179d056c9c1bd9ebc';
const SOURCES = [
  'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main',
  'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main',
];

export const nodeTestsRoot = join(cacheDir, `node-tests-${VERSION}`);
/** Node's test/ directory (common/, parallel/test-net-*.js, fixtures/). */
export const nodeTestDir = join(nodeTestsRoot, `node-v${VERSION}`, 'test');

function sha256(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Makes sure Node's test sources are unpacked under .cache/; returns their test/ directory. */
export function ensureNodeTests(log = (line) => process.stderr.write(`${line}\n`)) {
  const ready = join(nodeTestsRoot, '.ready');
  if (existsSync(ready)) return nodeTestDir;
  log(`fetching Node ${VERSION}'s test sources (Debian source package ${SOURCE_PACKAGE}, once)...`);
  const aptDir = join(cacheDir, 'apt-src');
  const download = join(aptDir, 'download');
  for (const dir of [join(aptDir, 'lists', 'partial'), join(aptDir, 'cache', 'archives', 'partial'), download]) mkdirSync(dir, { recursive: true });
  writeFileSync(join(aptDir, 'sources.list'), `${SOURCES.join('\n')}\n`);
  const options = [
    `Dir::Etc::SourceList=${join(aptDir, 'sources.list')}`,
    'Dir::Etc::SourceParts=/dev/null',
    // The download lands in .cache, which apt's unprivileged _apt user may not be able to write.
    'APT::Sandbox::User=root',
    `Dir::State::Lists=${join(aptDir, 'lists')}`,
    `Dir::Cache=${join(aptDir, 'cache')}`,
  ].flatMap((option) => ['-o', option]);
  const tarball = join(download, ORIG_TARBALL);
  if (!existsSync(tarball) || sha256(tarball) !== ORIG_SHA256) {
    execFileSync('apt-get', [...options, 'update'], { stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('apt-get', [...options, 'source', '--download-only', SOURCE_PACKAGE], { cwd: download, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const actual = sha256(tarball);
  if (actual !== ORIG_SHA256) throw new Error(`${ORIG_TARBALL}: sha256 ${actual}, expected ${ORIG_SHA256}`);
  rmSync(nodeTestsRoot, { recursive: true, force: true });
  mkdirSync(nodeTestsRoot, { recursive: true });
  const top = `node-v${VERSION}`;
  execFileSync('tar', ['-xJf', tarball, '-C', nodeTestsRoot, '--wildcards', `${top}/test/common`, `${top}/test/fixtures`, `${top}/test/parallel/test-net-*`], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // The project's package.json says "type": "module"; Node's tests are CommonJS.
  writeFileSync(join(nodeTestsRoot, 'package.json'), '{ "type": "commonjs" }\n');
  writeFileSync(ready, `${new Date().toISOString()}\n`);
  return nodeTestDir;
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(`${ensureNodeTests()}\n`);
