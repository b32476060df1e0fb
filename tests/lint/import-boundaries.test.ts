import path from 'node:path';
import { ESLint } from 'eslint';

/**
 * The arrows of the architecture are enforced by `npm run lint`: services -> packages, never
 * services -> services, never packages or benches -> services. Each case lints a one-line file
 * placed (virtually) where the import would be written.
 */
const ROOT = path.join(__dirname, '../..');
// The project's own flat config, loaded with require: ESLint's loader uses a dynamic import, which
// jest's module system does not support.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const config = require(path.join(ROOT, 'eslint.config.js')) as ESLint.Options['baseConfig'];
const eslint = new ESLint({ cwd: ROOT, overrideConfigFile: true, baseConfig: config });

async function restrictedImportErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, filePath) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import boundaries', () => {
  it.each([
    ['services/cli/src/probe.ts', "import { createIngestApp } from '@careerfeed/ingest';\nexport const x = createIngestApp;\n"],
    ['services/worker/src/probe.ts', "import { createFeedApp } from '@careerfeed/feed';\nexport const x = createFeedApp;\n"],
    ['services/feed/src/probe.ts', "import * as x from '../../worker/src/worker';\nexport { x };\n"],
    ['services/ingest/src/posts/probe.routes.ts', "import { createWorker } from '@careerfeed/worker';\nexport const x = createWorker;\n"],
    ['packages/posts/src/probe.ts', "import { createIngestApp } from '@careerfeed/ingest';\nexport const x = createIngestApp;\n"],
    ['bench/src/probe.ts', "import * as x from '../../services/feed/src/app';\nexport { x };\n"],
  ])('when %s imports a service, then lint refuses it', async (filePath, code) => {
    expect(await restrictedImportErrors(filePath, code)).not.toEqual([]);
  });

  it.each([
    ['services/cli/src/probe.ts', "import { createPost } from '@careerfeed/posts';\nexport const x = createPost;\n"],
    ['services/worker/src/probe.ts', "import { createWorkerApp } from './app';\nexport const x = createWorkerApp;\n"],
    ['bench/src/probe.ts', "import { renderFeed } from '@careerfeed/feeds';\nexport const x = renderFeed;\n"],
  ])('when %s imports a package or its own module, then lint allows it', async (filePath, code) => {
    expect(await restrictedImportErrors(filePath, code)).toEqual([]);
  });
});
