import {
  type RelatedDocument,
  type RelatedEntry,
  rankAll,
  tagsOnlyBaseline,
  tfidfBaseline,
} from '../../packages/core/src/related';
import {
  FIFTH_FIXTURE_PATHS,
  SIXTH_FIXTURE_PATHS,
  FOURTH_FIXTURE_PATHS,
  loadLabelledPosts,
  precision,
  SECOND_FIXTURE_PATH,
  THIRD_FIXTURE_PATH,
} from './fixture-posts';

/**
 * Quality of the related-posts engine on the labelled sample, beside two baselines computed in
 * the same run: share of related links that point to a post of the same topic (precision@3).
 * The engine never sees the topic, nor the category (which equals the topic in that file).
 *
 * Nothing in the engine was tuned per post or per topic; its constants are defaults argued in
 * their comments. A figure on the whole file says little about posts the engine has never seen
 * (48 posts, 144 links: one link is 0.007), so the same measurement is repeated on resampled
 * corpora, each ranked as a corpus of its own with its own statistics: random halves (3 posts of
 * each topic's 6, both halves of 20 seeded splits), random two-thirds (4 of 6 per topic, 20
 * seeds) and every way of leaving two of the 8 topics out (28 corpora of 36 posts). A change to
 * the engine is kept only if these means improve too.
 */

type Ranker = (docs: readonly RelatedDocument[], k: number) => Map<string, RelatedEntry[]>;

const RANKERS: Record<'engine' | 'tags_only' | 'tfidf', Ranker> = {
  engine: (docs, k) => rankAll(docs, k),
  tags_only: tagsOnlyBaseline,
  tfidf: tfidfBaseline,
};

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** mulberry32, so that the resamplings are the same on every run and machine. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Corpora drawn from the sample: random halves, random two-thirds, two topics left out. */
function resamplings(
  docs: readonly RelatedDocument[],
  topicOf: Map<string, string>,
): Record<'halves' | 'two_thirds' | 'two_topics_out', RelatedDocument[][]> {
  const topics = [...new Set(docs.map((doc) => topicOf.get(doc.id)!))].sort();
  const byTopic = topics.map((topic) => docs.filter((doc) => topicOf.get(doc.id) === topic));
  const halves: RelatedDocument[][] = [];
  const twoThirds: RelatedDocument[][] = [];
  for (let seed = 1; seed <= 20; seed++) {
    const random = seededRandom(seed * 7919);
    const split: [RelatedDocument[], RelatedDocument[]] = [[], []];
    for (const posts of byTopic) {
      const order = shuffled(posts, random);
      const cut = Math.floor(order.length / 2);
      split[0].push(...order.slice(0, cut));
      split[1].push(...order.slice(cut));
    }
    halves.push(...split);
    const pick = seededRandom(seed * 104_729);
    twoThirds.push(byTopic.flatMap((posts) => shuffled(posts, pick).slice(0, Math.round((posts.length * 2) / 3))));
  }
  const twoTopicsOut: RelatedDocument[][] = [];
  for (let a = 0; a < topics.length; a++) {
    for (let b = a + 1; b < topics.length; b++) {
      twoTopicsOut.push(docs.filter((doc) => ![topics[a], topics[b]].includes(topicOf.get(doc.id))));
    }
  }
  return { halves, two_thirds: twoThirds, two_topics_out: twoTopicsOut };
}

// Measured on fixtures/sample-blog.json (the repository's own sample, 250–350 words a post, a tag
// naming its topic on most posts), RANKING_VERSION 5: the whole sample 0.674 (tags-only 0.618,
// TF-IDF 0.410); resampled means 0.498 / 0.632 / 0.751 (tags-only 0.552 / 0.610 / 0.696, TF-IDF
// 0.324 / 0.382 / 0.492). Version 4, chosen on this sample, had 0.868 and 0.574 / 0.775 / 0.879,
// and 0.458 on eval_c, below plain TF-IDF there: half its vector was the title and its tags were
// weighed as this sample uses them. Version 5 was chosen by its worst figure over three corpora
// (docs/decisions.md), so this sample is no longer the one it fits best. On random halves (three
// posts a topic) tags that name the topic are near-labels and tags-only leads; that comparison is
// printed, not asserted. The floors sit just below today's figures (deterministic) and catch
// regressions.
const ENGINE_FLOOR = 0.65;
// Means over the resampled corpora (halves can reach at most 0.667: 2 of 3 links per post).
const RESAMPLED_FLOORS = { halves: 0.48, two_thirds: 0.61, two_topics_out: 0.73 } as const;

describe('related posts quality on the labelled sample (categories withheld)', () => {
  const { docs, topicOf } = loadLabelledPosts();

  it('when the whole sample and resamplings of it are ranked, then the engine beats tags-only and plain TF-IDF and stays above its floors', () => {
    const whole = Object.fromEntries(
      Object.entries(RANKERS).map(([name, rank]) => [name, round3(precision(rank(docs, 3), topicOf))]),
    ) as Record<keyof typeof RANKERS, number>;
    const resampled = Object.fromEntries(
      Object.entries(resamplings(docs, topicOf)).map(([name, corpora]) => [
        name,
        {
          corpora: corpora.length,
          ...(Object.fromEntries(
            Object.entries(RANKERS).map(([ranker, rank]) => [
              ranker,
              round3(corpora.reduce((sum, corpus) => sum + precision(rank(corpus, 3), topicOf), 0) / corpora.length),
            ]),
          ) as Record<keyof typeof RANKERS, number>),
        },
      ]),
    ) as Record<keyof typeof RESAMPLED_FLOORS, { corpora: number } & Record<keyof typeof RANKERS, number>>;
    console.log(
      JSON.stringify({
        precision_at_3: whole.engine,
        tags_only_baseline: whole.tags_only,
        tfidf_baseline: whole.tfidf,
        resampled_means: resampled,
      }),
    );

    expect(whole.engine).toBeGreaterThanOrEqual(ENGINE_FLOOR);
    expect(whole.engine).toBeGreaterThan(whole.tags_only);
    expect(whole.engine).toBeGreaterThan(whole.tfidf);
    for (const [name, figures] of Object.entries(resampled)) {
      expect(figures.engine).toBeGreaterThanOrEqual(RESAMPLED_FLOORS[name as keyof typeof RESAMPLED_FLOORS]);
      if (name !== 'halves') expect(figures.engine).toBeGreaterThan(figures.tags_only);
      expect(figures.engine).toBeGreaterThan(figures.tfidf);
    }
  });
});

describe('related posts quality on a second labelled corpus nothing was chosen on (issue 16)', () => {
  // fixtures/related-eval-b.json: 64 posts in 8 topics none of which the first sample has
  // (employer relations, campus jobs, international students, alumni mentoring, health careers,
  // diversity recruiting, public service, career exploration), other writers, tags as bloggers
  // set them (three posts untagged, some tags pointing at another topic). The engine's constants
  // were chosen on the first sample; this is where a constant that only fits it would show.
  const { docs, topicOf } = loadLabelledPosts(SECOND_FIXTURE_PATH);

  it('when the second corpus is ranked, then the engine beats tags-only and stays above its floor', () => {
    const whole = Object.fromEntries(
      Object.entries(RANKERS).map(([name, rank]) => [name, round3(precision(rank(docs, 3), topicOf))]),
    ) as Record<keyof typeof RANKERS, number>;
    const resampled = Object.fromEntries(
      Object.entries(resamplings(docs, topicOf)).map(([name, corpora]) => [
        name,
        Object.fromEntries(
          Object.entries(RANKERS).map(([ranker, rank]) => [
            ranker,
            round3(corpora.reduce((sum, corpus) => sum + precision(rank(corpus, 3), topicOf), 0) / corpora.length),
          ]),
        ) as Record<keyof typeof RANKERS, number>,
      ]),
    );
    console.log(JSON.stringify({ second_corpus_precision_at_3: whole, resampled_means: resampled }));

    // Measured 0.766 with RANKING_VERSION 5 (tags-only 0.600 of the links it shows, 0.422 counting
    // the links it cannot show as wrong; TF-IDF 0.755); 0.724 with version 4, 0.688 with version 3.
    // Printed, not asserted: the resampled means (version 5: 0.594 / 0.643 / 0.804, TF-IDF 0.579 /
    // 0.640 / 0.778; version 4 trailed TF-IDF on all three). The floor catches a regression.
    expect(whole.engine).toBeGreaterThanOrEqual(0.75);
    expect(whole.engine).toBeGreaterThan(whole.tags_only);
    expect(whole.engine).toBeGreaterThan(whole.tfidf);
  });
});

describe('related posts quality across ten labelled corpora from eleven writers (issue 16)', () => {
  // What generalizing means here: whatever a blog's titles and tags are like, the engine's worst
  // corpus is better than each baseline's worst, and it beats tags-only on every corpus. TF-IDF
  // alone is ahead on eval_c (0.651 against 0.625), eval_e_loose (0.823 against 0.75) and
  // eval_f_loose (0.865 against 0.802) and level on eval_d_loose (0.875), where titles are generic
  // and tags are genres that cross topics; tags-only is close on the tidy corpora (0.885–0.927
  // against 0.927–0.99), where every post carries its section's tag. Version 4 (chosen on the sample) had 0.868 / 0.724 / 0.458 / 0.906 / 0.604 on
  // the first five. eval_d and eval_e (32-post halves, 4 topics each: random links are right 23%
  // of the time there, 11% on 8 topics) were never chosen on; eval_e and eval_f each rejected a
  // version 6 (docs/decisions.md, "a tag share that follows how the blog tags").
  const corpora = {
    sample: loadLabelledPosts(),
    eval_b: loadLabelledPosts(SECOND_FIXTURE_PATH),
    eval_c: loadLabelledPosts(THIRD_FIXTURE_PATH),
    eval_d_tidy: loadLabelledPosts(FOURTH_FIXTURE_PATHS.eval_d_tidy),
    eval_d_loose: loadLabelledPosts(FOURTH_FIXTURE_PATHS.eval_d_loose),
    eval_e_tidy: loadLabelledPosts(FIFTH_FIXTURE_PATHS.eval_e_tidy),
    eval_e_loose: loadLabelledPosts(FIFTH_FIXTURE_PATHS.eval_e_loose),
    eval_f_tidy: loadLabelledPosts(SIXTH_FIXTURE_PATHS.eval_f_tidy),
    eval_f_loose: loadLabelledPosts(SIXTH_FIXTURE_PATHS.eval_f_loose),
    eval_f_mixed: loadLabelledPosts(SIXTH_FIXTURE_PATHS.eval_f_mixed),
  };
  // Just below the figures measured with RANKING_VERSION 5: 0.674, 0.766, 0.625, 0.927, 0.875,
  // 0.938, 0.75, 0.99, 0.802, 1.
  const FLOORS: Record<keyof typeof corpora, number> = {
    sample: 0.65,
    eval_b: 0.75,
    eval_c: 0.6,
    eval_d_tidy: 0.9,
    eval_d_loose: 0.85,
    eval_e_tidy: 0.9,
    eval_e_loose: 0.72,
    eval_f_tidy: 0.95,
    eval_f_loose: 0.77,
    eval_f_mixed: 0.95,
  };

  it("when every corpus is ranked, then the engine's worst corpus beats each baseline's worst and it beats tags-only on each", () => {
    const figures = Object.fromEntries(
      Object.entries(corpora).map(([corpus, { docs, topicOf }]) => [
        corpus,
        Object.fromEntries(
          Object.entries(RANKERS).map(([name, rank]) => [name, round3(precision(rank(docs, 3), topicOf))]),
        ) as Record<keyof typeof RANKERS, number>,
      ]),
    ) as Record<keyof typeof corpora, Record<keyof typeof RANKERS, number>>;
    const worst = (ranker: keyof typeof RANKERS): number =>
      Math.min(...Object.values(figures).map((row) => row[ranker]));
    console.log(JSON.stringify({ precision_at_3: figures }));

    for (const [corpus, row] of Object.entries(figures)) {
      expect(row.engine).toBeGreaterThanOrEqual(FLOORS[corpus as keyof typeof corpora]);
      expect(row.engine).toBeGreaterThan(row.tags_only);
    }
    expect(worst('engine')).toBeGreaterThan(worst('tfidf'));
    expect(worst('engine')).toBeGreaterThan(worst('tags_only'));
  });
});

describe('related posts quality on posts the engine was never developed on', () => {
  // Three topics far from careers, written for this test, four posts each; no tags in common
  // across topics and none within, so only the text can group them.
  const post = (id: string, title: string, text: string, tags: string[]): RelatedDocument => ({
    id,
    title,
    text,
    tags,
    category: null,
  });
  const docs = [
    post(
      'garden-1',
      'Planting tomatoes in spring',
      'Wait until the soil is warm, plant tomato seedlings deep, water them well and stake the stems before the plants grow heavy with fruit.',
      ['vegetables'],
    ),
    post(
      'garden-2',
      'Composting kitchen scraps',
      'A compost heap turns vegetable peelings and leaves into rich soil; keep it moist, turn it often and your garden plants will thank you.',
      ['compost'],
    ),
    post(
      'garden-3',
      'Watering a vegetable garden',
      'Water the soil rather than the leaves, early in the morning, so roots grow deep and plants like tomatoes resist dry weeks.',
      ['watering'],
    ),
    post(
      'garden-4',
      'Mulching garden beds',
      'A layer of straw or shredded leaves keeps soil moist and cool, stops weeds and feeds the plants as it rots into compost.',
      ['soil-care'],
    ),
    post(
      'chess-1',
      'Opening principles for beginners',
      'Control the center with pawns, develop knights and bishops early, castle the king to safety and do not move the queen too soon.',
      ['openings'],
    ),
    post(
      'chess-2',
      'Checkmate with king and rook',
      'Use the rook to cut the enemy king off, bring your own king closer and push the opponent to the edge of the board for checkmate.',
      ['endgames'],
    ),
    post(
      'chess-3',
      'Spotting forks and pins',
      'A knight fork attacks the king and the queen at once; a pin freezes a piece in front of its king. Look for both on every move.',
      ['tactics'],
    ),
    post(
      'chess-4',
      'Reviewing your chess games',
      'After each game, replay the moves, find where you lost a piece or missed a checkmate, and check the opening against principles.',
      ['study'],
    ),
    post(
      'sail-1',
      'Reefing the mainsail',
      'When the wind builds, reef early: ease the sheet, lower the halyard, tie in the reef and the boat sails flatter and safer.',
      ['sail-handling'],
    ),
    post(
      'sail-2',
      'Tacking a small sailboat',
      'Call ready about, push the tiller away, let the jib sheet go as the bow crosses the wind and trim the sails on the new tack.',
      ['manoeuvres'],
    ),
    post(
      'sail-3',
      'Reading the wind on the water',
      'Dark patches on the water mean gusts; watch them come so you can ease the mainsail sheet before the boat heels too far.',
      ['weather'],
    ),
    post(
      'sail-4',
      'Knots every sailor needs',
      'The bowline makes a loop that will not slip, the cleat hitch holds a sheet or halyard, and a figure eight stops a line running out of the boat.',
      ['knots'],
    ),
  ];
  const topicOf = new Map(docs.map((doc) => [doc.id, doc.id.split('-')[0]!]));

  it('when gardening, chess and sailing posts are ranked, then nearly every related link stays within its topic', () => {
    const lists = rankAll(docs, 3);
    const synthetic = precision(lists, topicOf);

    console.log(JSON.stringify({ synthetic_precision_at_3: round3(synthetic) }));
    for (const list of lists.values()) expect(list).toHaveLength(3);
    // Measured 32 of 36 links. What still crosses over is one locally rare shared word: "water"
    // in "Watering a vegetable garden" and "Reading the wind on the water" outweighs the
    // gardening words the first shares with its neighbours. Lexical similarity cannot tell the
    // two senses apart; in a corpus of 12 posts a word in 2 of them weighs a lot.
    expect(synthetic).toBeGreaterThanOrEqual(0.85);
    // Every post's best link is still within its topic at least for 10 of the 12 posts.
    const firstRight = [...lists].filter(([id, list]) => topicOf.get(list[0]!.id) === topicOf.get(id)).length;
    expect(firstRight).toBeGreaterThanOrEqual(10);
  });
});
