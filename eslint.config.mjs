// Lint rules. The strict part is for workflow code: it is replayed deterministically by
// Temporal, so it may not touch Node built-ins or I/O libraries (activities do that).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((name) => [name, `node:${name}`, `${name}/*`]);
const ioLibraries = [
  '@temporalio/activity',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/testing',
  '@aws-sdk/*',
  'axios',
  'kafkajs',
  'mysql2',
  'mysql2/*',
];

// The layers, bottom to top: `contracts/` (names and types every part shares) and `platform/`
// (configuration, service clients, seeded randomness); `activities/` and `workflows/`; the
// processes in `workers/`. An import points down, never up nor sideways across a layer's parts:
// the folders each one may not import, as import-path patterns.
const folder = (name) => [`**/${name}`, `**/${name}/**`];
const upwards = {
  contracts: ['platform', 'activities', 'workflows', 'workers', 'test', 'bench'],
  platform: ['contracts', 'activities', 'workflows', 'workers', 'test', 'bench'],
  activities: ['workflows', 'workers', 'test', 'bench'],
  workflows: ['activities', 'platform', 'workers', 'test', 'bench'],
  workers: ['test', 'bench'],
};
const layerMessage = (layer) =>
  `${layer}/ may not import a higher layer (contracts, platform < activities, workflows < workers): move the shared code down instead.`;
// Workflow code is replayed deterministically by Temporal: no Node built-ins, no I/O libraries.
const deterministic = {
  group: [...nodeBuiltins, ...ioLibraries],
  message:
    'Workflow code must be deterministic: no Node built-ins or I/O libraries. Call an activity instead (import its type only).',
  allowTypeImports: true,
};

function layerRules() {
  const rules = Object.entries(upwards).map(([layer, forbidden]) => ({
    files: [`${layer}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            // Workflows use activities' types (proxyActivities<…>), so a type import passes.
            {
              group: forbidden.flatMap(folder),
              message: layerMessage(layer),
              allowTypeImports: layer === 'workflows',
            },
            ...(layer === 'workflows' || layer === 'contracts' ? [deterministic] : []),
          ],
        },
      ],
    },
  }));
  return [
    ...rules,
    {
      files: ['test/fixtures/workflows/**/*.ts'],
      rules: { 'no-restricted-imports': ['error', { patterns: [deterministic] }] },
    },
    // A benchmark stands on the test kit, never on a test.
    {
      files: ['bench/**/*.ts'],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              {
                group: ['**/test/*', '!**/test/kit'],
                message: 'A benchmark imports the test kit (test/kit/), never a test or its fixtures.',
              },
            ],
          },
        ],
      },
    },
    {
      files: ['test/kit/**/*.ts'],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              { group: ['**/*.test', '**/*.test.ts'], message: 'The test kit never imports a test.' },
            ],
          },
        ],
      },
    },
  ];
}

export default tseslint.config(
  { ignores: ['node_modules/', 'spark-jobs/', 'airflow-bridge/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test tracks the promises its test() and describe() return.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: 'error',
    },
  },
  ...layerRules(),
  {
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  // The site's pages: plain browser modules, served as they are (no build step).
  {
    files: ['workers/site/public/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'module',
      globals: Object.fromEntries(
        [
          'document',
          'window',
          'fetch',
          'history',
          'location',
          'EventSource',
          'URLSearchParams',
          'crypto',
          'setTimeout',
          'console',
          'Chart',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
);
