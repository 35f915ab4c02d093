// Node's own tests, from Debian's nodejs source packages: the conformance suite of the drop-in
// (test/conformance/) runs their test/parallel/test-net-*.js files. Two corpora: Node 18 from
// Debian 12 and Node 20 from Debian 13, the newest Node whose sources Debian ships (the runtimes
// are Node 22 and 24). Each is fetched once into .cache/ with apt-get lists of its own under
// .cache/apt-src-<release>, so the system's apt sources stay as they are.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './wine.mjs';

const KEYRING = 'signed-by=/usr/share/keyrings/debian-archive-keyring.gpg';

/**
 * The corpora, oldest first. The source package is pinned (the newest security revision may be
 * missing on a mirror that lags), and its upstream tarball checked by sha256.
 */
export const nodeTestCorpora = [
  {
    version: '18.20.4',
    release: 'bookworm',
    sourcePackage: 'nodejs=18.20.4+dfsg-1~deb12u2',
    origTarball: 'nodejs_18.20.4+dfsg.orig.tar.xz',
    origSha256: '6ce58062c71eae37d9c5ac31eeaeff9c2d48561d21c2849179d056c9c1bd9ebc',
    sources: [`deb-src [${KEYRING}] http://deb.debian.org/debian bookworm main`, `deb-src [${KEYRING}] http://deb.debian.org/debian-security bookworm-security main`],
  },
  {
    version: '20.19.2',
    release: 'trixie',
    sourcePackage: 'nodejs=20.19.2+dfsg-1+deb13u3',
    origTarball: 'nodejs_20.19.2+dfsg.orig.tar.xz',
    origSha256: '5e5559381ad031d245a8efa403458abbb73755f74c3e6380f185a4dd342b7949',
    sources: [`deb-src [${KEYRING}] http://deb.debian.org/debian trixie main`, `deb-src [${KEYRING}] http://deb.debian.org/debian-security trixie-security main`],
  },
];

function corpusRoot(corpus) {
  return join(cacheDir, `node-tests-${corpus.version}`);
}

/** The corpus's test/ directory (common/, parallel/test-net-*.js, fixtures/). */
export function nodeTestDirOf(corpus) {
  return join(corpusRoot(corpus), `node-v${corpus.version}`, 'test');
}

function sha256(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Makes sure the corpus's test sources are unpacked under .cache/; returns their test/ directory. */
export function ensureNodeTests(corpus, log = (line) => process.stderr.write(`${line}\n`)) {
  const root = corpusRoot(corpus);
  const ready = join(root, '.ready');
  if (existsSync(ready)) return nodeTestDirOf(corpus);
  log(`fetching Node ${corpus.version}'s test sources (Debian ${corpus.release} source package ${corpus.sourcePackage}, once)...`);
  const aptDir = join(cacheDir, `apt-src-${corpus.release}`);
  const download = join(aptDir, 'download');
  for (const dir of [join(aptDir, 'lists', 'partial'), join(aptDir, 'cache', 'archives', 'partial'), download]) mkdirSync(dir, { recursive: true });
  writeFileSync(join(aptDir, 'sources.list'), `${corpus.sources.join('\n')}\n`);
  const options = [
    `Dir::Etc::SourceList=${join(aptDir, 'sources.list')}`,
    'Dir::Etc::SourceParts=/dev/null',
    // The download lands in .cache, which apt's unprivileged _apt user may not be able to write.
    'APT::Sandbox::User=root',
    `Dir::State::Lists=${join(aptDir, 'lists')}`,
    `Dir::Cache=${join(aptDir, 'cache')}`,
  ].flatMap((option) => ['-o', option]);
  const tarball = join(download, corpus.origTarball);
  if (!existsSync(tarball) || sha256(tarball) !== corpus.origSha256) {
    execFileSync('apt-get', [...options, 'update'], { stdio: ['ignore', 'ignore', 'inherit'] });
    try {
      execFileSync('apt-get', [...options, 'source', '--download-only', corpus.sourcePackage], { cwd: download, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      // Only the upstream tarball is needed: a mirror that lacks the Debian parts (.dsc,
      // .debian.tar) fails the command after fetching it.
      if (!existsSync(tarball)) throw error;
      log(`apt-get source: this mirror lacks parts of ${corpus.sourcePackage} other than ${corpus.origTarball}, which came (its sha256 is checked)`);
    }
  }
  const actual = sha256(tarball);
  if (actual !== corpus.origSha256) throw new Error(`${corpus.origTarball}: sha256 ${actual}, expected ${corpus.origSha256}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const top = `node-v${corpus.version}`;
  execFileSync('tar', ['-xJf', tarball, '-C', root, '--wildcards', `${top}/test/common`, `${top}/test/fixtures`, `${top}/test/parallel/test-net-*`], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // The project's package.json says "type": "module"; Node's tests are CommonJS.
  writeFileSync(join(root, 'package.json'), '{ "type": "commonjs" }\n');
  writeFileSync(ready, `${new Date().toISOString()}\n`);
  return nodeTestDirOf(corpus);
}

if (import.meta.url === `file://${process.argv[1]}`) for (const corpus of nodeTestCorpora) process.stdout.write(`${ensureNodeTests(corpus)}\n`);
