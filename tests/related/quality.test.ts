import { createHash } from 'node:crypto';
import {
  type RelatedDocument,
  type RelatedEntry,
  rankAll,
  tagsOnlyBaseline,
  tfidfBaseline,
} from '../../packages/core/src/related';
import { loadLabelledPosts } from './fixture-posts';

/**
 * Quality of the related-posts engine on the labelled sample, beside two baselines computed in
 * the same run: share of related links that point to a post of the same topic (precision@3).
 * The engine never sees the topic, nor the category (which equals the topic in that file).
 *
 * Nothing in the engine was tuned per post or per topic; its constants are defaults argued in
 * their comments. The held-out check ranks each half of the sample (split by a hash of the
 * slug) as a corpus of its own, so each half's figures come from statistics that never saw the
 * other half.
 */

function precision(lists: Map<string, RelatedEntry[]>, topicOf: Map<string, string>): number {
  let links = 0;
  let sameTopic = 0;
  for (const [id, list] of lists) {
    for (const entry of list) {
      links++;
      if (topicOf.get(entry.id) === topicOf.get(id)) sameTopic++;
    }
  }
  return links === 0 ? 0 : sameTopic / links;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const halfOf = (slug: string): 0 | 1 => (createHash('sha256').update(slug).digest()[0]! & 1) as 0 | 1;

// Measured 0.722 (tags-only 0.507, TF-IDF 0.556; 0.653 before pseudo-relevance feedback, 0.729
// when feedback posts were searched with all 64 features rather than the heaviest 32). The issue
// asks for 0.75; no method tried here reached it robustly on this sample (see the related README).
// This floor catches regressions, a few links below what the engine does today.
const ENGINE_FLOOR = 0.7;

describe('related posts quality on the labelled sample (categories withheld)', () => {
  const { docs, topicOf } = loadLabelledPosts();

  it('when the whole sample is ranked, then the engine beats tags-only and plain TF-IDF and stays above its floor', () => {
    const engine = precision(rankAll(docs, 3), topicOf);
    const tagsOnly = precision(tagsOnlyBaseline(docs, 3), topicOf);
    const tfidf = precision(tfidfBaseline(docs, 3), topicOf);

    const halves = ([0, 1] as const).map((half) => {
      const part = docs.filter((doc) => halfOf(doc.id) === half);
      return {
        posts: part.length,
        engine: round3(precision(rankAll(part, 3), topicOf)),
        tags_only: round3(precision(tagsOnlyBaseline(part, 3), topicOf)),
      };
    });
    console.log(
      JSON.stringify({
        precision_at_3: round3(engine),
        tags_only_baseline: round3(tagsOnly),
        tfidf_baseline: round3(tfidf),
        held_out_halves: halves,
      }),
    );

    expect(engine).toBeGreaterThanOrEqual(ENGINE_FLOOR);
    expect(engine).toBeGreaterThan(tagsOnly);
    expect(engine).toBeGreaterThan(tfidf);
    for (const half of halves) expect(half.engine).toBeGreaterThan(half.tags_only);
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
