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
