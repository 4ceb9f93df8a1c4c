// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '.data/**',
      'models/**',
      'training/**/*.py',
      'examples/**',
      'packages/client/src/generated/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      curly: ['error', 'multi-line'],
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['describe', 'it', 'test', 'suite'], package: 'node:test' },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Services never import each other: shared code lives in packages/ (see docs/architecture.md).
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/subgraphs/*',
                '@cityassist/zones',
                '@cityassist/reports',
                '@cityassist/predictions',
                '@cityassist/gateway',
              ],
              message: 'Services never import each other; move shared code to packages/.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests and benchmarks read GraphQL JSON whose shape the assertions themselves check.
    files: [
      '**/*.test.ts',
      '**/*.integration.ts',
      '**/*.e2e.ts',
      'bench/**/*.ts',
      'packages/service-kit/src/testing.ts',
    ],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Repository-level tests and tools (the docs check, the e2e suites, the benchmarks) look at every
    // service from outside; the rule keeps services from importing each other, not them.
    files: ['test/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
);
