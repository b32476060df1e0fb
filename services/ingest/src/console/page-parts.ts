import type { Response } from 'express';
import { AppError, type FieldError, attr, text } from '@careerfeed/core';
import { csrfField } from './console-context';

/**
 * Small pieces the operations pages (authors, topics, audience, distribution) are built from, on
 * the primitives of @careerfeed/core: every value goes through `text` or `attr`.
 */

/** A POST form with the session's CSRF field. `inner` is markup built by the caller. */
export function postForm(
  res: Response,
  action: string,
  inner: string,
  button: string,
  options: { inline?: boolean; buttonClass?: string } = {},
): string {
  return `<form method="post" action="${attr(action)}"${options.inline ? ' class="inline"' : ''}>${csrfField(res)}${inner}<button type="submit"${
    options.buttonClass ? ` class="${attr(options.buttonClass)}"` : ''
  }>${text(button)}</button></form>`;
}

export function hidden(name: string, value: string): string {
  return `<input type="hidden" name="${attr(name)}" value="${attr(value)}">`;
}

/** A labelled input with its hint and error, linked by aria-describedby. */
export function inputField(
  name: string,
  label: string,
  value: string,
  options: { type?: string; hint?: string; error?: string; required?: boolean; id?: string; maxLength?: number } = {},
): string {
  const id = options.id ?? name;
  const describedBy = [options.hint ? `${id}-hint` : '', options.error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return [
    '<div class="field">',
    `<label for="${attr(id)}">${text(label)}</label>`,
    `<input id="${attr(id)}" name="${attr(name)}" type="${attr(options.type ?? 'text')}" value="${attr(value)}"`,
    options.required ? ' required' : '',
    options.maxLength ? ` maxlength="${options.maxLength}"` : '',
    describedBy ? ` aria-describedby="${attr(describedBy)}"` : '',
    options.error ? ' aria-invalid="true"' : '',
    '>',
    options.hint ? `<p class="hint" id="${attr(id)}-hint">${text(options.hint)}</p>` : '',
    options.error ? `<p class="hint" id="${attr(id)}-error"><strong>${text(options.error)}</strong></p>` : '',
    '</div>',
  ].join('');
}

/** The errors of a form people can fix, as the console shows them. */
export function errorBox(detail: string | undefined, errors: FieldError[] = []): string {
  if (!detail && errors.length === 0) return '';
  const list =
    errors.length > 0 ? `<ul>${errors.map((e) => `<li>${text(e.path)}: ${text(e.message)}</li>`).join('')}</ul>` : '';
  return `<div class="errors" role="alert"><p>${text(detail ?? 'Please correct the following.')}</p>${list}</div>`;
}

/** A table that scrolls inside a phone screen, or the empty state when there are no rows. */
export function dataTable(caption: string, headings: string[], rows: string[][], empty: string): string {
  if (rows.length === 0) return `<p class="empty">${text(empty)}</p>`;
  return `<div class="table"><table><caption>${text(caption)}</caption><thead><tr>${headings
    .map((h) => `<th scope="col">${text(h)}</th>`)
    .join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((cell) => `<td>${cell}</td>`).join('')}</tr>`)
    .join('')}</tbody></table></div>`;
}

/** An instant as "2026-11-25 08:00 UTC" in a <time>, or a dash. */
export function when(iso: string | null | undefined): string {
  return iso ? `<time datetime="${attr(iso)}">${text(iso.slice(0, 16).replace('T', ' '))} UTC</time>` : '—';
}

/**
 * The confirmation step of a destructive action (a GET page): what will happen, the POST form with
 * a danger button, and a way back. Works without JavaScript.
 */
export function confirmPage(
  res: Response,
  view: {
    heading: string;
    consequences: string[];
    action: string;
    fields?: Record<string, string>;
    confirmLabel: string;
    cancelHref: string;
  },
): string {
  return [
    `<h1>${text(view.heading)}</h1>`,
    `<ul>${view.consequences.map((c) => `<li>${text(c)}</li>`).join('')}</ul>`,
    `<div class="actions">${postForm(
      res,
      view.action,
      Object.entries(view.fields ?? {})
        .map(([k, v]) => hidden(k, v))
        .join(''),
      view.confirmLabel,
      { buttonClass: 'danger' },
    )}<a href="${attr(view.cancelHref)}">Cancel</a></div>`,
  ].join('\n');
}

/** A form field as a string: absent or repeated fields read as empty, so a crafted body cannot crash a route. */
export function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

/** A validation failure of a console form, as its 4xx status and messages. */
export function formError(error: unknown): { status: number; detail: string; errors: FieldError[] } | undefined {
  if (error instanceof AppError && error.status < 500 && error.status !== 404) {
    return { status: error.status, detail: error.message, errors: error.errors ?? [] };
  }
  return undefined;
}
