#!/usr/bin/env node
// The related-posts engine's own constants as a grid (issue 16, part 1), chosen on one labelled
// corpus and reported on the other, both ways.
//
//   node scripts/related-engine-grid.js   # 96 configurations, 5–12 s each (one build of core each)
//
// The constants are module constants of packages/core/src/related (vectors.ts, ranking.ts), read
// by RelatedIndex and by the database-backed store alike, so the grid rewrites them in the
// source, rebuilds core and measures the real engine (`rankAll` and `RelatedIndex` itself), then
// puts both files back with `git checkout` and rebuilds. It refuses to start when either file has
// uncommitted changes. bench:related-quality's grid (BENCH_RELATED_QUALITY_GRID=1) is over the
// quadratic reference methods instead; this one is the engine.
//
// Per configuration and corpus (fixtures/sample-blog.json "sample", fixtures/related-eval-b.json
// "eval_b", fixtures/related-eval-c.json "eval_c", held out: never chosen on), one JSON line: `full`, precision@3 of a full recompute; `never`, [agreement with the
// full recompute, precision@3] of lists built post by post with no recompute at all (the
// incremental worst case of tests/related/incremental.test.ts); `last_recompute_at_80pct`, the
// same when the last recompute was at 80% of the posts. Then, for each corpus, the configuration
// best on it (full precision@3; `guarded`: among those whose `never` figures on that corpus are
// no worse than the engine's before this grid) and its figures on the other.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const VECTORS = 'packages/core/src/related/vectors.ts';
const RANKING = 'packages/core/src/related/ranking.ts';

// `--structure`: the field shares and tag weighting (after eval_c showed the constants grid
// could not fix what the sample's tag and title weights do to other blogs), chosen on the
// three development corpora by the worst of the three and reported on eval_d (held out).
const STRUCTURE = process.argv.includes('--structure');
const GRID = STRUCTURE
  ? {
      TAG_SHARE: ['0', '0.05', '0.1'],
      TITLE_SHARE: ['0.2', '0.35', '0.5'],
      MAX_TAG_WEIGHT: ['Infinity', '1'],
      RESIDUAL_IDF_WEIGHT: ['0.5', '1'],
      TAG_TERM_COUNT: ['1', '2'],
    }
  : {
      MAX_TAG_WEIGHT: ['Infinity', '1'],
      MAX_TITLE_TERM_CONTRIBUTION: ['0.005', '0.01'],
      FEEDBACK_POSTS: ['5', '7', '10'],
      ROCCHIO_BETA: ['0.75', '1'],
      FEEDBACK_QUERY_FEATURES: ['32', '64'],
      RESIDUAL_IDF_WEIGHT: ['0.5', '1'],
    };
const FILE_OF = { FEEDBACK_POSTS: RANKING, FEEDBACK_QUERY_FEATURES: RANKING, TAG_TERM_COUNT: RANKING };
// The engine before issue 16, part 1 (RANKING_VERSION 3): the reference of the guard. Since
// version 5 the shares this grid does not vary are version 5's, so that row is version 3's
// constants on version 5's shares, no longer version 3 itself.
const BEFORE = {
  MAX_TAG_WEIGHT: 'Infinity',
  MAX_TITLE_TERM_CONTRIBUTION: '0.01',
  FEEDBACK_POSTS: '5',
  ROCCHIO_BETA: '0.75',
  FEEDBACK_QUERY_FEATURES: '32',
  RESIDUAL_IDF_WEIGHT: '0.5',
};

// The engine's configuration now (RANKING_VERSION 5, chosen by the structure grid's rule).
const ENGINE = {
  MAX_TAG_WEIGHT: '1',
  MAX_TITLE_TERM_CONTRIBUTION: '0.005',
  FEEDBACK_POSTS: '7',
  ROCCHIO_BETA: '1',
  FEEDBACK_QUERY_FEATURES: '32',
  RESIDUAL_IDF_WEIGHT: '1',
  TAG_SHARE: '0.05',
  TITLE_SHARE: '0.2',
  TAG_TERM_COUNT: '1',
};
/** The grid's row with the engine's values of the constants the grid varies. */
const engineRow = () =>
  rows.find(({ config }) => Object.entries(config).every(([name, value]) => ENGINE[name] === value));

const run = (command, args) => execFileSync(command, args, { cwd: root, encoding: 'utf8' });

function configurations() {
  let out = [{}];
  for (const [name, values] of Object.entries(GRID)) {
    out = out.flatMap((config) => values.map((value) => ({ ...config, [name]: value })));
  }
  return out;
}

function write(config) {
  const sources = { [VECTORS]: original[VECTORS], [RANKING]: original[RANKING] };
  for (const [name, value] of Object.entries(config)) {
    const file = FILE_OF[name] ?? VECTORS;
    const pattern = new RegExp(`^export const ${name} = [^;]+;`, 'm');
    if (!pattern.test(sources[file])) throw new Error(`${name} not found in ${file}`);
    sources[file] = sources[file].replace(pattern, `export const ${name} = ${value};`);
  }
  for (const [file, text] of Object.entries(sources)) fs.writeFileSync(path.join(root, file), text);
}

// Measured in a child process, so that each configuration loads the core it was built with.
const MEASURE = `
const fs = require('node:fs');
const path = require('node:path');
const core = require(path.join(process.cwd(), 'packages/core/dist/index.js'));
const { loadLabelledCorpus, precisionAtK } = require(path.join(process.cwd(), 'bench/dist/support/labelled-corpus.js'));
const r3 = (x) => Math.round(x * 1000) / 1000;
function agreement(lists, reference) {
  let links = 0, kept = 0;
  for (const [id, list] of reference) {
    const ids = new Set((lists.get(id) ?? []).map((e) => e.id));
    for (const e of list) { links++; if (ids.has(e.id)) kept++; }
  }
  return kept / links;
}
function builtOneByOne(docs, rebuildWhileBelow) {
  const index = new core.RelatedIndex({ k: 3, rebuildWhileBelow });
  for (const doc of docs) index.upsert(doc);
  return index.lists();
}
const out = {};
for (const [name, file] of [
  ['sample', 'fixtures/sample-blog.json'],
  ['eval_b', 'fixtures/related-eval-b.json'],
  ['eval_c', 'fixtures/related-eval-c.json'],
  ['eval_d_tidy', 'fixtures/related-eval-d-tidy.json'],
  ['eval_d_loose', 'fixtures/related-eval-d-loose.json'],
  ['eval_e_tidy', 'fixtures/related-eval-e-tidy.json'],
  ['eval_e_loose', 'fixtures/related-eval-e-loose.json'],
  ['eval_f_tidy', 'fixtures/related-eval-f-tidy.json'],
  ['eval_f_loose', 'fixtures/related-eval-f-loose.json'],
  ['eval_f_mixed', 'fixtures/related-eval-f-mixed.json'],
].filter(([, file]) => fs.existsSync(path.join(process.cwd(), file)))) {
  const { docs, topicOf } = loadLabelledCorpus(name, path.join(process.cwd(), file));
  const reference = core.rankAll(docs, 3);
  const figures = (lists) => [r3(agreement(lists, reference)), r3(precisionAtK(lists, topicOf, 3))];
  out[name] = {
    full: r3(precisionAtK(reference, topicOf, 3)),
    never: figures(builtOneByOne(docs, 0)),
    last_recompute_at_80pct: figures(builtOneByOne(docs, Math.floor(docs.length * 0.8) + 1)),
  };
}
process.stdout.write(JSON.stringify(out));
`;

const original = {};
for (const file of [VECTORS, RANKING]) {
  if (run('git', ['status', '--porcelain', '--', file]).trim() !== '') {
    process.stderr.write(`${file} has uncommitted changes: commit or stash them first\n`);
    process.exit(1);
  }
  original[file] = fs.readFileSync(path.join(root, file), 'utf8');
}
run('npx', ['tsc', '-b']);

const rows = [];
try {
  for (const config of configurations()) {
    write(config);
    run('npx', ['tsc', '-b', 'packages/core']);
    const figures = JSON.parse(run(process.execPath, ['-e', MEASURE]));
    rows.push({ config, figures });
    process.stdout.write(`${JSON.stringify({ bench: 'related-engine-grid', config, ...figures })}\n`);
  }
} finally {
  run('git', ['checkout', '--', VECTORS, RANKING]);
  run('npx', ['tsc', '-b', 'packages/core']);
}

if (STRUCTURE) reportStructure();
else reportConstants();

function reportConstants() {
  const before = rows.find(({ config }) => Object.entries(BEFORE).every(([name, value]) => config[name] === value));
  for (const [chosenOn, reportedOn] of [
    ['sample', 'eval_b'],
    ['eval_b', 'sample'],
  ]) {
    const noWorseDrift = ({ figures }) =>
      figures[chosenOn].never[0] >= before.figures[chosenOn].never[0] &&
      figures[chosenOn].never[1] >= before.figures[chosenOn].never[1];
    for (const [rule, candidates] of [
      ['best', rows],
      ['guarded', rows.filter(noWorseDrift)],
    ]) {
      // Ties on the corpus chosen on are all printed: picking among them would look at the other.
      const top = Math.max(...candidates.map(({ figures }) => figures[chosenOn].full));
      for (const { config, figures } of candidates.filter(({ figures }) => figures[chosenOn].full === top)) {
        process.stdout.write(
          `${JSON.stringify({
            bench: 'related-engine-cross',
            rule,
            chosen_on: chosenOn,
            config,
            chosen_side: figures[chosenOn],
            reported_on: reportedOn,
            reported: figures[reportedOn],
          })}\n`,
        );
      }
    }
  }

  // The rule of docs/decisions.md ("a third labelled corpus", fixed before eval_c existed): the
  // configuration whose worse full precision@3 of sample and eval_b is highest, among those whose
  // post-by-post lists are no worse than version 3's on both. eval_c is only reported: the line
  // `related-engine-held-out` puts the engine's configuration beside that candidate there.
  const guardedOnBoth = rows.filter(({ figures }) =>
    ['sample', 'eval_b'].every(
      (corpus) =>
        figures[corpus].never[0] >= before.figures[corpus].never[0] &&
        figures[corpus].never[1] >= before.figures[corpus].never[1],
    ),
  );
  const worseOfBoth = ({ figures }) => Math.min(figures.sample.full, figures.eval_b.full);
  const topWorse = Math.max(...guardedOnBoth.map(worseOfBoth));
  for (const { config, figures } of guardedOnBoth.filter((row) => worseOfBoth(row) === topWorse)) {
    process.stdout.write(
      `${JSON.stringify({ bench: 'related-engine-cross', rule: 'worse_of_both_guarded', config, ...figures })}\n`,
    );
  }
  const engine = engineRow();
  process.stdout.write(
    `${JSON.stringify({ bench: 'related-engine-held-out', engine: engine.figures.eval_c, candidates: guardedOnBoth.filter((row) => worseOfBoth(row) === topWorse).map(({ config, figures }) => ({ config, eval_c: figures.eval_c })) })}\n`,
  );
}

// The rule of docs/decisions.md ("a fourth labelled corpus", fixed before eval_d existed): the
// configuration with the highest worst full precision@3 of sample, eval_b and eval_c; ties go to
// the highest worst precision of lists built post by post. eval_d is only reported.
function reportStructure() {
  const DEVELOPMENT = ['sample', 'eval_b', 'eval_c'];
  const worst = (figures, pick) => Math.min(...DEVELOPMENT.map((corpus) => pick(figures[corpus])));
  const ranked = [...rows].sort(
    (a, b) =>
      worst(b.figures, (f) => f.full) - worst(a.figures, (f) => f.full) ||
      worst(b.figures, (f) => f.never[1]) - worst(a.figures, (f) => f.never[1]),
  );
  const engine = engineRow();
  for (const [rule, row] of [
    ['worst_of_three', ranked[0]],
    ['engine', engine],
  ]) {
    if (row)
      process.stdout.write(
        `${JSON.stringify({ bench: 'related-engine-structure', rule, config: row.config, ...row.figures })}\n`,
      );
  }
}
