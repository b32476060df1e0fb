export {
  DEFAULT_RELATED_COUNT,
  MAX_RELATED_COUNT,
  type RelatedDocument,
  type RelatedEntry,
  RelatedIndex,
  type RelatedIndexOptions,
  type RelatedUpdate,
  RANKING_VERSION,
} from './related-index';
export { rankAll, rankRelated, tagsOnlyBaseline, tfidfBaseline } from './rank';
export { TermAnalyzer } from './analyze';
export {
  analyzeDocument,
  bestOf,
  FEEDBACK_POSTS,
  FEEDBACK_QUERY_FEATURES,
  forEachDistinctTerm,
  insertRanked,
  listThreshold,
  offerToList,
  type PostingEntries,
  PostingList,
  PostingsWalk,
  type Ranked,
  SAME_CATEGORY_FACTOR,
  sameFields,
  toFieldCounts,
  validateCount,
  validateDocument,
} from './ranking';
export {
  expandWithFeedback,
  type FeatureVector,
  type FieldCounts,
  FIELDS,
  heaviestFeatures,
  MAX_TITLE_TERM_CONTRIBUTION,
  type PostFields,
  termSpecificity,
  weighFeatures,
} from './vectors';
