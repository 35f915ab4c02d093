// The Windows runtimes the project is tested on under Wine: one Wine per Debian release (the
// host's own when the release matches, a debootstrap'd chroot otherwise) and a Windows Node.js.
// docs/architecture.md (Wine) says why there are three.

export const runtimes = [
  { id: 'wine8-node22', debian: 'bookworm', wine: '8.0', node: '22.22.2' },
  { id: 'wine10-node22', debian: 'trixie', wine: '10.0', node: '22.22.2' },
  // Node 24 aborts at start under Wine 8.0 (V8 "SegmentedTable"); it runs under Wine 10.0.
  { id: 'wine10-node24', debian: 'trixie', wine: '10.0', node: '24.21.0' },
];

/** The runtime benchmarks and `npm start` use unless MIO_TS_RUNTIME names another. */
export const defaultRuntimeId = 'wine10-node22';

/**
 * Runtimes named in `list` (comma-separated ids, or 'all'); every one when empty. An unknown id
 * is an error, never silently dropped.
 */
export function selectRuntimes(list) {
  if (list === undefined || list.trim() === '' || list.trim() === 'all') return runtimes;
  const chosen = [];
  for (const id of list.split(',').map((part) => part.trim()).filter(Boolean)) {
    const runtime = runtimes.find((candidate) => candidate.id === id);
    if (runtime === undefined) throw new Error(`unknown runtime '${id}': choose from ${runtimes.map((r) => r.id).join(', ')}`);
    chosen.push(runtime);
  }
  return chosen;
}

/** The one runtime MIO_TS_RUNTIME names, or the default one. */
export function selectRuntime(id = process.env.MIO_TS_RUNTIME) {
  const [runtime] = selectRuntimes(id === undefined || id === '' ? defaultRuntimeId : id);
  if (runtime === undefined) throw new Error('no runtime selected');
  return runtime;
}
