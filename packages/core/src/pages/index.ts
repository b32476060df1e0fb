export * from './page-model';
export { describeAuthorLinks, type AuthorLink } from './author-links';
export { jsonForScript } from './html';
export { PAGE_CONTENT_SECURITY_POLICY, PAGE_CSS, PAGE_STYLE_HASH } from './layout';
export { renderIndexPage } from './index.page';
export { renderListPage } from './list.page';
export { renderPostPage } from './post.page';
export { renderErrorPage, renderNotFoundPage } from './error.page';
export { renderJsonFeedExtensionPage, type JsonFeedExtensionPageView } from './json-feed-extension.page';
