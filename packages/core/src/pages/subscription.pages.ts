import type {
  PreferencesPageView,
  SubscribePageView,
  SubscriptionFormValues,
  SubscriptionMessageView,
  TopicOptionView,
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
      `${text(label)} <span class="hint">(${text(hint)})</span></label></li>`,
  );
  return [
    `<fieldset id="${idPrefix}frequency">`,
    '<legend>How often</legend>',
    `<ul class="choices">${choices.join('')}</ul>`,
    '</fieldset>',
  ].join('\n');
}

function topicsField(topics: TopicOptionView[], chosen: string[]): string {
  if (topics.length === 0) return '';
  const set = new Set(chosen);
  const choices = topics.map(
    (topic) =>
      `<li><label><input type="checkbox" name="topics" value="${attr(topic.key)}"${checked(set.has(topic.key))}> ` +
      `${text(topic.label)}</label></li>`,
  );
  return [
    '<fieldset>',
    '<legend>Topics</legend>',
    '<p class="hint">Choose none to get every post.</p>',
    `<ul class="choices">${choices.join('')}</ul>`,
    '</fieldset>',
  ].join('\n');
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
    description: `New posts of ${site.title} in your inbox, daily or weekly.`,
    canonicalUrl: `${site.homeUrl}subscribe`,
    main: main.filter((line) => line !== '').join('\n'),
    guessTimeZone: true,
  });
}

/** The short form on the home page: address and frequency; the time zone is guessed, the rest defaults. */
export function renderCompactSubscribeForm(subscribeUrl: string): string {
  const choices = FREQUENCIES.slice(0, 2).map(
    ([value, label]) =>
      `<li><label><input type="radio" name="frequency" value="${value}"${checked(value === 'weekly')}> ${text(label)}</label></li>`,
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
    '<input type="hidden" name="timezone" value="UTC" data-guess-time-zone>',
    `<p><button type="submit">Subscribe</button> ${link(subscribeUrl, 'More choices: topics, delivery time')}</p>`,
    '</form>',
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
