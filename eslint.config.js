import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// The import direction of docs/architecture.md (Layers): koffi only under src/sys/, rxjs only under src/adapters/.
const koffiOnlyInSys = { name: 'koffi', message: 'koffi is imported only under src/sys/.' };
const rxjsOnlyInAdapters = { name: 'rxjs', message: 'rxjs is imported only under src/adapters/.' };
const rxjsPatterns = { group: ['rxjs/*'], message: 'rxjs is imported only under src/adapters/.' };
// net, streams, adapters and cli reach Winsock through the operation modules of src/sys/windows/.
const noFfiAboveSys = { group: ['**/sys/windows/ffi', '**/sys/windows/ffi/**'], message: 'only src/sys/ calls the FFI; use its operation modules (tcp, udp, socket, net).' };

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.cache/', 'docs/', 'coverage/'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/sys/**', 'src/adapters/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [koffiOnlyInSys, rxjsOnlyInAdapters], patterns: [rxjsPatterns, noFfiAboveSys] }],
    },
  },
  {
    files: ['src/sys/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [rxjsOnlyInAdapters], patterns: [rxjsPatterns] }],
    },
  },
  {
    files: ['src/adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [koffiOnlyInSys], patterns: [noFfiAboveSys] }],
    },
  },
  {
    // Lower layers must not reach up (docs/architecture.md, Layers).
    files: ['src/sys/**/*.ts'],
    ignores: ['src/sys/index.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [rxjsOnlyInAdapters],
          patterns: [rxjsPatterns, { group: ['**/poll/*', '**/net/*', '**/streams/*', '**/adapters/*', '**/cli/*'], message: 'sys must not import from higher layers.' }],
        },
      ],
    },
  },
  {
    // core is the vocabulary every layer speaks; it depends on none of them.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [koffiOnlyInSys, rxjsOnlyInAdapters],
          patterns: [rxjsPatterns, { group: ['**/sys/**', '**/poll/*', '**/net/*', '**/streams/*', '**/adapters/*', '**/cli/*'], message: 'core imports nothing outside src/core/.' }],
        },
      ],
    },
  },
  {
    // The Poll facade sits on sys and under the source types.
    files: ['src/poll/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [koffiOnlyInSys, rxjsOnlyInAdapters],
          patterns: [rxjsPatterns, { group: ['**/sys/windows/**', '**/net/*', '**/streams/*', '**/adapters/*', '**/cli/*'], message: 'poll reaches sys only through src/sys/index.ts and never imports higher layers.' }],
        },
      ],
    },
  },
);
