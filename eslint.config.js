import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// The import direction of docs/architecture.md (Layers): koffi only under src/sys/, rxjs only under src/adapters/.
const koffiOnlyInSys = { name: 'koffi', message: 'koffi is imported only under src/sys/.' };
const rxjsOnlyInAdapters = { name: 'rxjs', message: 'rxjs is imported only under src/adapters/.' };
const rxjsPatterns = { group: ['rxjs/*'], message: 'rxjs is imported only under src/adapters/.' };

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
      'no-restricted-imports': ['error', { paths: [koffiOnlyInSys, rxjsOnlyInAdapters], patterns: [rxjsPatterns] }],
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
      'no-restricted-imports': ['error', { paths: [koffiOnlyInSys] }],
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
          patterns: [rxjsPatterns, { group: ['**/net/*', '**/streams/*', '**/adapters/*'], message: 'sys must not import from higher layers.' }],
        },
      ],
    },
  },
);
