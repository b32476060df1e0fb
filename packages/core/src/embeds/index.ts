export { EMBED_SCRIPT, EMBED_SCRIPT_ETAG } from './embed-script';
export {
  EMBED_PAGE_CONTENT_SECURITY_POLICY,
  type EmbedListPageView,
  type EmbedPostPageView,
  type EmbedPostView,
  type OEmbedInput,
  buildOEmbedResponse,
  embedSnippet,
  renderEmbedListPage,
  renderEmbedPostPage,
} from './embed-pages';
