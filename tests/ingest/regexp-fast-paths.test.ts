/**
 * twitter-text requires core-js 2, whose feature tests turn off V8's fast paths for regexp
 * `split`/`replace` in the whole process (sanitizing and plain text then cost ~3× as much; see
 * packages/core/src/share/twitter-text.ts). The ingest service must not load it just by starting;
 * it is loaded when a share payload is first built.
 */
import type * as Core from '@careerfeed/core';

describe('twitter-text is loaded on first use only', () => {
  let loads: number;

  beforeEach(() => {
    loads = 0;
    jest.resetModules();
    jest.doMock('twitter-text', () => {
      loads++;
      return jest.requireActual('twitter-text');
    });
  });

  afterEach(() => {
    jest.dontMock('twitter-text');
  });

  test('when the ingest app and @careerfeed/core are imported, then twitter-text is not loaded', () => {
    jest.isolateModules(() => {
      // Loaded inside the isolated registry on purpose: an import at the top would load them once for all tests.
      /* eslint-disable @typescript-eslint/no-require-imports */
      require('@careerfeed/ingest');
      require('@careerfeed/core');
      /* eslint-enable @typescript-eslint/no-require-imports */
    });
    expect(loads).toBe(0);
  });

  test('when an X length is counted, then twitter-text is loaded once and counts as before', () => {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const core = require('@careerfeed/core') as typeof Core;
      expect(core.xLength('Career fair on https://example.edu/fair today')).toBe(15 + 23 + 6);
      expect(core.mastodonLength('see https://example.edu/a-very-long-path-that-counts-as-23')).toBe(4 + 23);
    });
    expect(loads).toBe(1);
  });
});
