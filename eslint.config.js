import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test/bench/**/*.mjs', '.ci/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      'import-x/no-cycle': 'error',
      // Boundaries from DESIGN.md: dockerode and tar-fs stay inside src/docker; Ink stays inside src/ui;
      // policy and profile code is pure and never touches the engine or the terminal.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['dockerode', 'tar-fs', 'tar-stream'],
              message: 'Only src/docker speaks to the engine (and holds its wire types).',
            },
            { group: ['ink', 'react'], message: 'Only src/ui may import Ink.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/docker/**', 'test/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['src/ui/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['dockerode', 'tar-fs', 'tar-stream'], message: 'UI sees session events only.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/policy/**', 'src/profile/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['dockerode', 'tar-fs', 'tar-stream', 'ink', 'react'], message: 'Policy code is pure.' },
            {
              group: [
                '**/docker/**',
                '**/engine/**',
                '**/session/**',
                '**/image/**',
                '**/ui/**',
                '**/cli/**',
              ],
              message:
                'Imports flow one way: policy and profile are below the engine, session, image and UI.',
            },
          ],
        },
      ],
    },
  },
  {
    // Why: policy compiles profiles, so profile code never reaches up into policy; what both need
    // (canonical JSON, address parsing, credential-store paths, rule text) lives in src/common.
    files: ['src/profile/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['dockerode', 'tar-fs', 'tar-stream', 'ink', 'react'],
              message: 'Profile code is pure.',
            },
            {
              group: [
                '**/policy/**',
                '**/docker/**',
                '**/engine/**',
                '**/session/**',
                '**/image/**',
                '**/ui/**',
                '**/cli/**',
              ],
              message: 'Imports flow one way: policy → profile → common; shared pieces belong in src/common.',
            },
          ],
        },
      ],
    },
  },
  {
    // src/common is the floor: pure leaf modules every layer (and the gate) may read; they import nothing of ccbox.
    files: ['src/common/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^\\.\\./', message: 'src/common imports nothing above it (node built-ins only).' },
          ],
        },
      ],
    },
  },
  {
    // Images are built through the engine interface (src/engine); the session calls image code, never the reverse.
    files: ['src/image/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['dockerode', 'tar-fs', 'tar-stream', 'ink', 'react'],
              message: 'Image code speaks to the engine through src/engine.',
            },
            {
              group: ['**/docker/**', '**/session/**', '**/ui/**', '**/cli/**'],
              message: 'Imports flow one way: session → image → engine.',
            },
          ],
        },
      ],
    },
  },
  {
    // npm tarballs (the pinned Claude Code package) are read with tar-stream too; nothing else of the engine.
    files: ['src/image/npm-tar.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['dockerode', 'tar-fs'], message: 'Only src/docker speaks to the engine.' },
            {
              group: ['**/docker/**', '**/session/**', '**/ui/**', '**/cli/**'],
              message: 'Imports flow one way: session → image → engine.',
            },
            { group: ['ink', 'react'], message: 'Only src/ui may import Ink.' },
          ],
        },
      ],
    },
  },
  {
    // The session layer speaks to the engine through its Engine interface (src/engine/engine.ts), and to
    // the user through events; the CLI wires in the Docker client and the UI.
    files: ['src/session/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['dockerode', 'tar-fs', 'tar-stream', 'ink', 'react'],
              message: 'Session code never talks to the engine SDK or the terminal.',
            },
            {
              group: ['**/docker/**', '**/ui/**', '**/cli/**'],
              message: 'Imports flow one way: cli → session; the engine and the UI are wired in by the CLI.',
            },
          ],
        },
      ],
    },
  },
  {
    // The gate is built from egress/ alone (plus the pure policy types): nothing else of ccbox is in it.
    files: ['egress/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)src/(?!policy/|common/|audit/(?!host/))',
              message:
                'egress/ imports only src/policy, src/common and src/audit (not src/audit/host, the host side).',
            },
          ],
        },
      ],
    },
  },
  {
    // src/audit's top folder is copied into the gate image as it is (src/image/gate-image.ts): it may
    // import itself, Node and the OpenTelemetry SDK, nothing else of ccbox. The host side is in host/.
    files: ['src/audit/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../*', '!../audit/*'],
              message:
                'src/audit runs in the gate: it imports only ./ files (host code goes in src/audit/host).',
            },
          ],
        },
      ],
    },
  },
  {
    // The workspace boundary works on the host's files and git; it never speaks to the engine or the UI,
    // and the session layer (which owns the engine) calls it, not the other way round.
    files: ['src/workspace/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['dockerode', 'tar-fs', 'tar-stream', 'ink', 'react'],
              message: 'Workspace code never talks to the engine or the terminal.',
            },
            {
              group: ['**/docker/**', '**/session/**', '**/ui/**', '**/cli/**'],
              message: 'Imports flow one way: session → workspace.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
