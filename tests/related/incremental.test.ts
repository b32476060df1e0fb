import { type RelatedEntry, RelatedIndex, rankAll } from '../../packages/core/src/related';
import { loadLabelledPosts, precision } from './fixture-posts';

/**
 * The index is kept current post by post; a full recompute is the reference. Both use the same
 * similarity, so the only difference is IDF drift: a post's weights are fixed with the document
 * frequencies of when it was last weighted (see RelatedIndex).
 */

/** Share of the reference's related links that the incremental lists also have. */
function overlap(incremental: Map<string, RelatedEntry[]>, reference: Map<string, RelatedEntry[]>): number {
  let links = 0;
  let kept = 0;
  for (const [id, list] of reference) {
    const ids = new Set((incremental.get(id) ?? []).map((entry) => entry.id));
    for (const entry of list) {
      links++;
      if (ids.has(entry.id)) kept++;
    }
  }
  return kept / links;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function publishOneByOne(options: { rebuildWhileBelow: number }): Map<string, RelatedEntry[]> {
  const { docs } = loadLabelledPosts();
  const index = new RelatedIndex({ k: 3, ...options });
  for (const doc of docs) index.upsert(doc);
  return index.lists();
}

describe('related lists kept current incrementally, against a full recompute', () => {
  const { topicOf } = loadLabelledPosts();
  const reference = rankAll(loadLabelledPosts().docs, 3);

  it('when the 48 sample posts are published one by one with default options, then the lists equal a full recompute', () => {
    // By default a small index recomputes fully each time it has grown by a quarter (48 is such
    // a point); the next test covers what happens between two such points.
    expect(publishOneByOne({ rebuildWhileBelow: 1000 })).toEqual(reference);
  });

  // Agreement with the recompute is one measure of drift; the precision@3 of the drifted lists
  // is the one readers see, so both are asserted. Figures below are on fixtures/sample-blog.json;
  // those marked "previous sample" were on the corpus once kept outside the repository, where
  // the title cap (MAX_TITLE_TERM_CONTRIBUTION) lowered the agreement (0.882 → 0.854 and 0.757 →
  // 0.722: capped scores are closer together, so small weight changes reorder more of them) while
  // the drifted lists' precision rose or held (0.715 → 0.736 and 0.646 → 0.646).

  it('when the last full recompute was at 38 posts and 10 more came incrementally, then at least 79% of the links match and precision holds', () => {
    // Measured 0.854, precision@3 0.653 (the recompute: 0.674), RANKING_VERSION 5; version 4
    // 0.819 and 0.847 (recompute 0.868); version 3
    // 0.813 and 0.75 (recompute 0.715); before tags became a field of their own 0.799 and 0.674
    // (recompute 0.611). Previous sample: 0.854 and 0.736 (recompute 0.764). Besides IDF, a post's
    // feedback expansion is fixed when it is weighted: the 38 earlier posts do not take the 10 new
    // ones as feedback until the next recompute.
    const lists = publishOneByOne({ rebuildWhileBelow: 40 });
    const result = overlap(lists, reference);
    console.log(
      JSON.stringify({
        incremental_overlap_after_recompute_at_38: round3(result),
        precision_at_3: round3(precision(lists, topicOf)),
      }),
    );
    expect(result).toBeGreaterThanOrEqual(0.83);
    expect(precision(lists, topicOf)).toBeGreaterThanOrEqual(0.64);
  });

  it('when automatic recomputes are off and all 48 posts come one by one from an empty index, then most links still match', () => {
    // The worst case for drift: the first posts were weighted when the corpus had one to a few
    // posts, so every word looked equally rare and they had few or no feedback posts. Measured
    // 0.639, precision@3 0.604 against the recompute's 0.674 (RANKING_VERSION 5, chosen by its
    // worst full figure over three corpora, not by this one; the rolling re-weigh repairs such
    // lists within RELATED_REBUILD_INTERVAL_HOURS). Version 4: 0.688 and 0.792. Version 3: 0.625 and 0.757; before tags became
    // a field of their own 0.653 and 0.632: the floor on agreement went from 0.64 to 0.61 with
    // that change, because a tag's IDF moves more than a word's while the index is small (a tag on
    // one of the first posts looks rare until the others carry it). Version 4 gives every tag on
    // fewer than ~37% of the posts the same weight (MAX_TAG_WEIGHT), so a tag's weight moves only
    // while it is on more of the posts than that, and the floors went up again. Issue 16, part 1 chose its configuration among those that keep these two
    // figures at least as good as version 3's (β 1 with 5 feedback posts gave 0.715 here).
    // Previous sample: 0.722 and 0.646 (before the title cap 0.757 and 0.646; before feedback
    // expansion 0.83).
    const lists = publishOneByOne({ rebuildWhileBelow: 0 });
    const result = overlap(lists, reference);
    console.log(
      JSON.stringify({
        incremental_overlap_without_recompute: round3(result),
        precision_at_3: round3(precision(lists, topicOf)),
      }),
    );
    expect(result).toBeGreaterThanOrEqual(0.62);
    expect(precision(lists, topicOf)).toBeGreaterThanOrEqual(0.59);
  });
});
