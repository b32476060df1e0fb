import type {
  CompactSubscribeView,
  PreferencesPageView,
  SubscribePageView,
  SubscriptionFormValues,
  SubscriptionMessageView,
  TopicOptionView,
  TopicPickerView,
} from './page-model';
import { attr, link, text } from './html';
import { renderLayout } from './layout';

/**
 * The subscription pages: the form, preferences, and the short pages of the flow. Forms post to
 * relative paths so they work whatever host name the reader used; every value is escaped.
 */

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

const FREQUENCIES: [SubscriptionFormValues['frequency'], string, string][] = [
  ['weekly', 'Weekly', 'one email a week with the new posts'],
  ['daily', 'Daily', 'one email a day when there are new posts'],
  ['instant', 'As they are published', 'an email soon after each new post'],
];

function selected(condition: boolean): string {
  return condition ? ' selected' : '';
}

function checked(condition: boolean): string {
  return condition ? ' checked' : '';
}

function frequencyField(values: SubscriptionFormValues, idPrefix: string): string {
  const choices = FREQUENCIES.map(
    ([value, label, hint]) =>
      `<li><label><input type="radio" name="frequency" value="${value}"${checked(values.frequency === value)}> ` +
      `<span class="name">${text(label)}</span> <span class="hint">${text(hint)}</span></label></li>`,
  );
  return [
    `<fieldset id="${idPrefix}frequency">`,
    '<legend>How often</legend>',
    `<ul class="choices">${choices.join('')}</ul>`,
    '</fieldset>',
  ].join('\n');
}

/** One topic's checkbox; `data-topic` is what the filter script matches (name and slug, lower case). */
function topicChoice(topic: TopicOptionView, chosen: ReadonlySet<string>): string {
  const count = topic.posts === undefined ? '' : ` <span class="count">${topic.posts}</span>`;
  const slug = topic.key.slice(topic.key.indexOf(':') + 1);
  return (
    `<li data-topic="${attr(`${topic.label} ${slug}`.toLowerCase())}"><label>` +
    `<input type="checkbox" name="topics" value="${attr(topic.key)}"${checked(chosen.has(topic.key))}> ` +
    `<span>${text(topic.label)}</span>${count}</label></li>`
  );
}

/**
 * Topics a reader can find in a long list: a filter box (hidden without JavaScript), the most
 * popular topics open at the top, and every other topic in a closed <details> group (opened when
 * it holds a chosen topic). Each topic appears once, so a box ticked is the one value sent.
 */
function topicsField(picker: TopicPickerView, chosen: string[]): string {
  const all = [...picker.popular, ...picker.groups.flatMap((g) => g.topics)];
  if (all.length === 0) return '';
  const set = new Set(chosen);
  const groups = picker.groups
    .filter((group) => group.topics.length > 0)
    .map((group) => {
      const open = group.topics.some((t) => set.has(t.key));
      return [
        `<details class="topics" data-topic-group${open ? ' open data-open' : ''}>`,
        `<summary>${text(group.label)} <span class="count">${group.topics.length} ${group.topics.length === 1 ? 'topic' : 'topics'}</span></summary>`,
        `<ul class="choices">${group.topics.map((t) => topicChoice(t, set)).join('')}</ul>`,
        '</details>',
      ].join('\n');
    });
  return [
    '<fieldset>',
    '<legend>Topics</legend>',
    '<p class="hint">Choose none to get <strong>every</strong> new post. Numbers are posts so far.</p>',
    '<div class="field" id="topic-filter" hidden>',
    '<label for="topic-filter-input">Find a topic</label>',
    '<input id="topic-filter-input" type="search" autocomplete="off" enterkeyhint="search">',
    '<p class="hint" id="topic-filter-status" role="status" aria-live="polite"></p>',
    '</div>',
    picker.popular.length > 0
      ? `<div data-topic-group><p class="hint">Popular topics</p><ul class="choices">${picker.popular.map((t) => topicChoice(t, set)).join('')}</ul></div>`
      : '',
    ...groups,
    '</fieldset>',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

function timeZoneOptions(zones: string[], current: string): string {
  // The current value is always offered, even an alias the list does not carry.
  const all = zones.includes(current) ? zones : [current, ...zones];
  return all
    .map((zone) => `<option value="${attr(zone)}"${selected(zone === current)}>${text(zone)}</option>`)
    .join('');
}

function scheduleFields(
  values: SubscriptionFormValues,
  zones: string[],
  idPrefix: string,
  guessTimeZone: boolean,
): string {
  const hours = Array.from(
    { length: 24 },
    (_, h) => `<option value="${h}"${selected(values.deliveryHour === h)}>${String(h).padStart(2, '0')}:00</option>`,
  ).join('');
  const weekdays = WEEKDAYS.map(
    (name, i) => `<option value="${i + 1}"${selected(values.deliveryWeekday === i + 1)}>${name}</option>`,
  ).join('');
  return [
    '<div class="field">',
    `<label for="${idPrefix}timezone">Your time zone</label>`,
    `<select id="${idPrefix}timezone" name="timezone"${guessTimeZone ? ' data-guess-time-zone' : ''}>${timeZoneOptions(zones, values.timeZone)}</select>`,
    '</div>',
    '<div class="field">',
    `<label for="${idPrefix}hour">Delivery time (daily and weekly emails)</label>`,
    `<select id="${idPrefix}hour" name="hour">${hours}</select>`,
    '</div>',
    '<div class="field">',
    `<label for="${idPrefix}weekday">Day of the weekly email</label>`,
    `<select id="${idPrefix}weekday" name="weekday">${weekdays}</select>`,
    '</div>',
  ].join('\n');
}

export function renderSubscribePage(view: SubscribePageView): string {
  const { site } = view;
  const main = [
    `<h1>Get ${text(site.title)} by email</h1>`,
    '<p>Leave your address and choose how often. We send you a link to confirm; nothing is sent ' +
      'until you click it, and every email has a link to change your choices or unsubscribe.</p>',
    '<form method="post" action="/subscribe" class="subscribe">',
    '<div class="field">',
    '<label for="email">Email address</label>',
    '<input id="email" type="email" name="email" required maxlength="254" autocomplete="email" inputmode="email">',
    '</div>',
    frequencyField(view.values, ''),
    topicsField(view.topics, view.values.topics),
    scheduleFields(view.values, view.timeZones, '', true),
    '<p><button type="submit">Subscribe</button></p>',
    '</form>',
  ];
  return renderLayout({
    site,
    title: `Subscribe by email · ${site.title}`,
    // A form page with one task: its submit button is the only one on the page.
    searchBox: false,
    description: `New posts of ${site.title} in your inbox, daily or weekly.`,
    canonicalUrl: `${site.homeUrl}subscribe`,
    main: main.filter((line) => line !== '').join('\n'),
    guessTimeZone: true,
    filterTopics: true,
  });
}

/**
 * The short form of the home, post and topic pages: address, frequency (weekly unless changed) and,
 * on a post or topic page, that topic ticked; the time zone is guessed, the rest takes the
 * defaults. Works without JavaScript (the zone then stays UTC until the reader changes it).
 */
export function renderCompactSubscribeForm(view: CompactSubscribeView): string {
  const choices = FREQUENCIES.slice(0, 2).map(
    ([value, label]) =>
      `<li><label><input type="radio" name="frequency" value="${value}"${checked(value === 'weekly')}> <span class="name">${text(label)}</span></label></li>`,
  );
  const topics = view.topics.map(
    (topic) =>
      `<li><label><input type="checkbox" name="topics" value="${attr(topic.key)}" checked> ` +
      `<span>Only posts about ${text(topic.label)}</span></label></li>`,
  );
  return [
    '<form method="post" action="/subscribe" class="subscribe">',
    '<div class="field">',
    '<label for="subscribe-email">Your email address</label>',
    '<input id="subscribe-email" type="email" name="email" required maxlength="254" autocomplete="email" inputmode="email">',
    '</div>',
    '<fieldset>',
    '<legend>How often</legend>',
    `<ul class="choices">${choices.join('')}</ul>`,
    '</fieldset>',
    topics.length > 0
      ? `<ul class="choices">${topics.join('')}</ul><p class="hint">Untick to get every new post.</p>`
      : '',
    '<input type="hidden" name="timezone" value="UTC" data-guess-time-zone>',
    `<p><button type="submit">Subscribe</button> ${link(view.subscribeUrl, 'More choices: topics, delivery time')}</p>`,
    '</form>',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

/** The compact form in a box of its own, for the foot of a post or topic page. */
export function renderSubscribeBox(view: CompactSubscribeView, heading: string): string {
  return [
    '<section class="box" aria-labelledby="subscribe-heading">',
    `<h2 id="subscribe-heading">${text(heading)}</h2>`,
    renderCompactSubscribeForm(view),
    '</section>',
  ].join('\n');
}

const STATUS_NOTES: Record<PreferencesPageView['status'], string> = {
  active: '',
  pending: 'Your subscription is not confirmed yet: open the link in the confirmation email to start receiving emails.',
  unsubscribed: 'You are unsubscribed and receive no emails. To receive them again, subscribe again.',
  suspended: 'Emails to this address kept bouncing, so we stopped sending them.',
};

export function renderPreferencesPage(view: PreferencesPageView): string {
  const { site, values } = view;
  const editable = view.status === 'active' || view.status === 'pending';
  const note = STATUS_NOTES[view.status];
  const main = [
    '<h1>Your email preferences</h1>',
    `<p>For <strong>${text(view.email)}</strong>.</p>`,
    view.saved ? '<p class="notice" role="status">Your preferences are saved.</p>' : '',
    note ? `<p class="notice">${text(note)}</p>` : '',
    view.status === 'unsubscribed' ? `<p>${link(`${site.homeUrl}subscribe`, 'Subscribe again')}</p>` : '',
    ...(editable
      ? [
          '<form method="post" action="/preferences">',
          `<input type="hidden" name="token" value="${attr(view.token)}">`,
          frequencyField(values, ''),
          topicsField(view.topics, values.topics),
          scheduleFields(values, view.timeZones, '', false),
          '<div class="field">',
          `<label><input type="checkbox" name="paused" value="true"${checked(values.paused)}> Pause emails for now</label>`,
          '<p class="hint">While paused you get nothing; when you resume, the next email starts from then.</p>',
          '</div>',
          '<p><button type="submit">Save preferences</button></p>',
          '</form>',
          `<p>No longer interested? ${link(view.unsubscribeUrl, 'Unsubscribe')}.</p>`,
        ]
      : []),
  ];
  return renderLayout({
    site,
    title: `Email preferences · ${site.title}`,
    noindex: true,
    filterTopics: editable,
    // Pages opened from an email link carry one task (and a token in their address): no search box.
    searchBox: false,
    main: main.filter((line) => line !== '').join('\n'),
  });
}

export function renderSubscriptionMessagePage(view: SubscriptionMessageView): string {
  const { site } = view;
  const main = [
    `<h1>${text(view.heading)}</h1>`,
    ...view.paragraphs.map((p) => `<p>${text(p)}</p>`),
    view.errors && view.errors.length > 0
      ? `<ul class="errors">${view.errors
          .map((e) => `<li>${e.path ? `<strong>${text(e.path)}</strong>: ` : ''}${text(e.message)}</li>`)
          .join('')}</ul>`
      : '',
    view.form
      ? `<form method="post" action="${attr(view.form.action)}"><p><button type="submit">${text(view.form.button)}</button></p></form>`
      : '',
    ...(view.links ?? []).map((l) => `<p>${link(l.url, l.title)}</p>`),
  ];
  return renderLayout({
    site,
    title: `${view.heading} · ${site.title}`,
    noindex: true,
    // Pages opened from an email link carry one task (and a token in their address): no search box.
    searchBox: false,
    main: main.filter((line) => line !== '').join('\n'),
  });
}
