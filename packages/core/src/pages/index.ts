export * from './page-model';
export { describeAuthorLinks, type AuthorLink } from './author-links';
export { attr, displayDate, httpUrl, jsonForScript, link, paragraphs, text, time } from './html';
export {
  FORM_PAGE_CONTENT_SECURITY_POLICY,
  PAGE_CONTENT_SECURITY_POLICY,
  PAGE_CSS,
  PAGE_STYLE_HASH,
  TIME_ZONE_GUESS_SCRIPT,
  TIME_ZONE_GUESS_SCRIPT_HASH,
  TOPIC_FILTER_SCRIPT,
  TOPIC_FILTER_SCRIPT_HASH,
} from './layout';
export { renderTopicPage, renderTopicsIndexPage } from './topics.page';
export {
  renderCompactSubscribeForm,
  renderSubscribeBox,
  renderPreferencesPage,
  renderSubscribePage,
  renderSubscriptionMessagePage,
} from './subscription.pages';
export { renderIndexPage } from './index.page';
export { type SiteTheme, renderThemeCss, themeUrl } from './theme';
export { renderListPage } from './list.page';
export { renderPostPage } from './post.page';
export { renderErrorPage, renderNotFoundPage } from './error.page';
export { renderJsonFeedExtensionPage, type JsonFeedExtensionPageView } from './json-feed-extension.page';
export { renderSearchPage, type SearchPageView, type SearchResultView } from './search.page';
export { OPENSEARCH_MEDIA_TYPE, openSearchUrl, renderOpenSearchDescription } from './opensearch';
