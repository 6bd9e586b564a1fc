// The layer rule of eslint.config.mjs, tried on imports that point up and down: contracts and
// platform at the bottom, activities and workflows above them, the processes of workers/ on top,
// and benchmarks standing on the test kit only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

// The files below do not exist: they are linted as text, without the type-aware rules (which need
// a file the TypeScript project knows).
const eslint = new ESLint({
  overrideConfig: tseslint.configs.disableTypeChecked as ESLint.Options['overrideConfig'],
});

async function restrictedImport(file: string, source: string): Promise<string | undefined> {
  const [result] = await eslint.lintText(`${source}\nexport const used = value;\n`, { filePath: file });
  return result?.messages.find((message) => message.ruleId === 'no-restricted-imports')?.message;
}

const upwards: Array<[string, string]> = [
  ['platform/clients.ts', "import { value } from '../workers/cli/tables';"],
  ['platform/config.ts', "import { value } from '../activities/images';"],
  ['contracts/images.ts', "import { value } from '../platform/config';"],
  ['activities/images/store.ts', "import { value } from '../../workers/worker';"],
  ['activities/images/store.ts', "import { value } from '../../workflows';"],
  ['workflows/images/cycle.ts', "import { value } from '../../activities/images';"],
  ['workflows/images/cycle.ts', "import { value } from '../../platform/random';"],
  ['workers/cli/main.ts', "import { value } from '../../test/kit/platform';"],
  ['bench/image-pipeline.ts', "import { value } from '../test/integration/images.test';"],
  ['bench/image-pipeline.ts', "import { value } from '../test/fixtures/activities';"],
  ['test/kit/platform.ts', "import { value } from '../unit/config.test';"],
];

const downwards: Array<[string, string]> = [
  ['workers/cli/main.ts', "import { value } from '../../platform/config';"],
  ['workers/worker/index.ts', "import { value } from '../../activities/images';"],
  ['activities/images/store.ts', "import { value } from '../../platform/clients';"],
  ['activities/images/store.ts', "import { value } from '../../contracts/images';"],
  ['workflows/images/cycle.ts', "import type { value } from '../../activities/images';"],
  ['workflows/images/cycle.ts', "import { value } from '../../contracts/images';"],
  ['bench/image-pipeline.ts', "import { value } from '../test/kit/isolated';"],
  ['test/integration/images.test.ts', "import { value } from '../../workers/worker';"],
];

test('an import that points up a layer fails the lint, naming the rule', async () => {
  for (const [file, source] of upwards) {
    const message = await restrictedImport(file, source);
    assert.ok(message, `${file}: ${source} should be refused`);
    assert.match(
      message,
      /may not import a higher layer|never a test|Workflow code must be deterministic|never imports a test/,
    );
  }
});

test('an import that points down passes', async () => {
  for (const [file, source] of downwards) {
    assert.equal(await restrictedImport(file, source), undefined, `${file}: ${source}`);
  }
});
