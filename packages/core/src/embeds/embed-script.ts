import { createHash } from 'node:crypto';

/**
 * /embed.js: defines `<careerfeed-posts>`, the element campus sites paste into their pages.
 * Written by hand rather than bundled: it must stay dependency-free and small (a test holds it
 * under 10 KB gzipped), and it runs on pages we do not control, so it touches nothing outside its
 * own shadow root. Every string from an attribute or from the JSON is set with `textContent` or
 * as a property (href/src only after URL parsing allows http(s)); nothing is ever parsed as HTML.
 * The JSON comes from the origin the script itself was loaded from, so one snippet works on any
 * site; `/embed/posts.json` answers with `Access-Control-Allow-Origin: *`.
 *
 * Styling: CSS custom properties set on the element (or any ancestor) reach into the shadow DOM;
 * docs/api.md lists them. Parts (`::part(item)` etc.) allow more.
 */
export const EMBED_SCRIPT = String.raw`/* careerfeed <careerfeed-posts> element. Docs: /docs and docs/api.md */
(function () {
  'use strict';
  if (typeof customElements === 'undefined' || typeof fetch === 'undefined' || customElements.get('careerfeed-posts')) return;
  var script = document.currentScript;
  var ORIGIN = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  var CSS = [
    ':host{display:block;font:var(--careerfeed-font,inherit);color:var(--careerfeed-text-color,inherit);background:var(--careerfeed-background,transparent);border-radius:var(--careerfeed-radius,0)}',
    ':host([hidden]){display:none}',
    '.heading{font-size:var(--careerfeed-heading-size,1.25em);line-height:1.25;margin:0 0 .5em}',
    'ol{list-style:none;margin:0;padding:0}',
    'li{padding:var(--careerfeed-gap,.75em) 0;border-bottom:1px solid var(--careerfeed-border-color,#d9d9d9);overflow-wrap:break-word}',
    'li:last-child{border-bottom:0}',
    'a{color:var(--careerfeed-link-color,#0b57d0)}',
    '.title{font-weight:600;font-size:var(--careerfeed-title-size,1em)}',
    '.meta{color:var(--careerfeed-muted-color,#595959);font-size:.875em;margin:.25em 0 0}',
    '.excerpt{margin:.25em 0 0}',
    'img{display:block;max-width:100%;max-height:var(--careerfeed-image-height,10em);height:auto;margin:.5em 0 0;border-radius:var(--careerfeed-radius,0)}',
    '.status{color:var(--careerfeed-muted-color,#595959);margin:0}',
    '.more{margin:.5em 0 0}'
  ].join('\n');

  function el(tag, part, text) {
    var node = document.createElement(tag);
    if (part) { node.className = part; node.setAttribute('part', part); }
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function httpUrl(value) {
    if (typeof value !== 'string') return null;
    try {
      var url = new URL(value);
      return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
    } catch (e) { return null; }
  }
  function anchor(url, text, part) {
    var safe = httpUrl(url);
    var node = el(safe ? 'a' : 'span', part, text);
    if (safe) node.href = safe;
    return node;
  }
  function str(value) { return typeof value === 'string' ? value : ''; }
  function limitOf(value) {
    var n = parseInt(value || '', 10);
    return n >= 1 && n <= 20 ? n : 5;
  }
  function formatDate(value, lang) {
    var at = new Date(str(value));
    if (isNaN(at.getTime())) return str(value);
    try { return new Intl.DateTimeFormat(lang || undefined, { dateStyle: 'medium' }).format(at); }
    catch (e) { return at.toDateString(); }
  }

  class CareerfeedPosts extends HTMLElement {
    static get observedAttributes() { return ['topic', 'author', 'limit', 'heading', 'no-images']; }
    constructor() {
      super();
      this._root = this.attachShadow({ mode: 'open' });
      this._request = 0;
    }
    // An upgrade calls attributeChangedCallback once per attribute before connectedCallback, and
    // a script may set several attributes in a row: one fetch per turn of the event loop.
    connectedCallback() { this._connected = true; this._schedule(); }
    disconnectedCallback() { this._connected = false; }
    attributeChangedCallback() { if (this._connected) this._schedule(); }
    _schedule() {
      var self = this;
      if (this._scheduled) return;
      this._scheduled = true;
      Promise.resolve().then(function () { self._scheduled = false; if (self._connected) self._load(); });
    }
    _status(message) {
      var node = el('p', 'status', message);
      node.setAttribute('role', 'status');
      this._show([node]);
    }
    _show(nodes) {
      var style = document.createElement('style');
      style.textContent = CSS;
      this._root.replaceChildren.apply(this._root, [style].concat(nodes));
    }
    _load() {
      var self = this;
      var request = ++this._request;
      var topic = this.getAttribute('topic') || '';
      var author = this.getAttribute('author') || '';
      var params = new URLSearchParams();
      if (topic) params.set('topic', topic);
      if (author) params.set('author', author);
      params.set('limit', String(limitOf(this.getAttribute('limit'))));
      this._status('Loading posts…');
      fetch(ORIGIN + '/embed/posts.json?' + params.toString(), { mode: 'cors', credentials: 'omit' })
        .then(function (response) {
          if (response.status === 404) return { missing: true };
          if (!response.ok) throw new Error('HTTP ' + response.status);
          return response.json();
        })
        .then(function (feed) {
          if (request !== self._request) return;
          if (feed.missing) {
            self._status('Nothing found for ' + [topic && 'topic “' + topic + '”', author && 'author “' + author + '”'].filter(Boolean).join(' and ') + '.');
            return;
          }
          self._render(feed, topic);
        })
        .catch(function () {
          if (request === self._request) self._status('The posts could not be loaded right now.');
        });
    }
    _render(feed, topic) {
      var lang = str(feed.language) || document.documentElement.lang;
      var withImages = !this.hasAttribute('no-images');
      var nodes = [];
      var heading = this.getAttribute('heading');
      if (heading === null) heading = str(feed.title);
      if (heading) nodes.push(el('h2', 'heading', heading));
      var items = Array.isArray(feed.items) ? feed.items : [];
      if (items.length === 0) {
        nodes.push(el('p', 'status', topic ? 'No posts about “' + topic + '” yet.' : 'No posts yet.'));
      } else {
        var list = el('ol', 'list');
        items.forEach(function (item) {
          if (!item || typeof item !== 'object') return;
          var li = el('li', 'item');
          if (item.language) li.lang = str(item.language);
          li.appendChild(anchor(item.url, str(item.title), 'title'));
          var meta = [formatDate(item.date_published, lang)];
          if (item.author && item.author.name) meta.push(str(item.author.name));
          if (Array.isArray(item.topics) && item.topics.length) meta.push(item.topics.map(function (t) { return str(t && t.name); }).join(', '));
          li.appendChild(el('p', 'meta', meta.filter(Boolean).join(' · ')));
          var image = withImages && httpUrl(item.image);
          if (image) {
            var img = el('img', 'image');
            img.alt = '';
            img.loading = 'lazy';
            img.src = image;
            li.appendChild(img);
          }
          if (item.summary) li.appendChild(el('p', 'excerpt', str(item.summary)));
          list.appendChild(li);
        });
        nodes.push(list);
      }
      if (httpUrl(feed.home_page_url)) {
        var more = el('p', 'more');
        more.appendChild(anchor(feed.home_page_url, 'More posts' + (feed.site_name ? ' on ' + str(feed.site_name) : ''), 'more-link'));
        nodes.push(more);
      }
      this._show(nodes);
    }
  }
  customElements.define('careerfeed-posts', CareerfeedPosts);
})();
`;

/** Strong validator of the script's bytes: changes exactly when a deploy changes the script. */
export const EMBED_SCRIPT_ETAG = `"${createHash('sha256').update(EMBED_SCRIPT, 'utf8').digest('base64url').slice(0, 22)}"`;
