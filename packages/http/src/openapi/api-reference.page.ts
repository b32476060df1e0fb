import { escapeHtml } from '@careerfeed/core';
import type { JsonSchema, MediaTypeObject, OpenApiDocument, OperationObject } from './openapi-document';

/**
 * A readable reference of an OpenAPI document, rendered once on the server as plain HTML: no
 * script, one stylesheet from the same service, so the page works offline and behind a strict
 * Content-Security-Policy (see docs/decisions.md for why not a JavaScript renderer).
 */

const text = escapeHtml;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const MAX_DEPTH = 5;

const anchor = (value: string) => value.replace(/[^A-Za-z0-9_-]+/g, '-');
const refName = (ref: string) => ref.replace(/^#\/components\/schemas\//, '');

/** The short type of a schema: `string (uri)`, `array of Post`, `"draft" | "published"`, … */
function typeLabel(schema: JsonSchema | undefined): string {
  if (!schema) return 'any';
  if (typeof schema.$ref === 'string') {
    const name = refName(schema.$ref);
    return `<a href="#schema-${anchor(name)}">${text(name)}</a>`;
  }
  if ('const' in schema) return `<code>${text(JSON.stringify(schema.const))}</code>`;
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => `<code>${text(JSON.stringify(v))}</code>`).join(' | ');
  const union = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(union)) return union.map(typeLabel).join(' | ');
  if (Array.isArray(schema.allOf)) return (schema.allOf as JsonSchema[]).map(typeLabel).join(' &amp; ');
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : schema.type ? [String(schema.type)] : [];
  const labels = types.map((type) => {
    if (type === 'array') return `array of ${typeLabel(schema.items as JsonSchema | undefined)}`;
    if (type === 'object' && schema.additionalProperties && typeof schema.additionalProperties === 'object')
      return `map of ${typeLabel(schema.additionalProperties as JsonSchema)}`;
    return text(type);
  });
  const label = labels.length > 0 ? labels.join(' | ') : 'any';
  return typeof schema.format === 'string' ? `${label} <small>(${text(schema.format)})</small>` : label;
}

/** Bounds, pattern and default, in words. */
function constraints(schema: JsonSchema): string {
  const parts: string[] = [];
  const add = (key: string, label: string) => {
    if (schema[key] !== undefined) parts.push(`${label} ${text(JSON.stringify(schema[key]))}`);
  };
  add('minLength', 'min length');
  add('maxLength', 'max length');
  add('minimum', '≥');
  add('maximum', '≤');
  add('minItems', 'min items');
  add('maxItems', 'max items');
  add('pattern', 'pattern');
  add('default', 'default');
  return parts.length ? `<div class="constraints">${parts.join(', ')}</div>` : '';
}

function description(schema: JsonSchema | undefined): string {
  return schema && typeof schema.description === 'string' ? `<p>${text(schema.description)}</p>` : '';
}

/** The fields of an object schema as a table, nested objects inside their row. */
function schemaHtml(schema: JsonSchema | undefined, depth = 0): string {
  if (!schema) return '';
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  if (!properties || depth > MAX_DEPTH) {
    const nested = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
    const inline = Array.isArray(nested)
      ? nested.filter((s) => s.properties).map((s) => schemaHtml(s, depth + 1))
      : schema.items && (schema.items as JsonSchema).properties
        ? [schemaHtml(schema.items as JsonSchema, depth + 1)]
        : [];
    return `<p class="type">${typeLabel(schema)}</p>${constraints(schema)}${inline.join('')}`;
  }
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const rows = Object.entries(properties).map(([name, property]) => {
    const nested =
      property.properties || (property.items as JsonSchema | undefined)?.properties
        ? schemaHtml(property.properties ? property : (property.items as JsonSchema), depth + 1)
        : '';
    return (
      `<tr><td><code>${text(name)}</code>${required.has(name) ? ' <span class="req">required</span>' : ''}</td>` +
      `<td>${typeLabel(property)}${constraints(property)}</td><td>${description(property)}${nested}</td></tr>`
    );
  });
  const closed = schema.additionalProperties === false ? '<p class="note">No other fields.</p>' : '';
  return (
    `<table class="fields"><thead><tr><th>Field</th><th>Type</th><th>Description</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table>${closed}`
  );
}

function example(value: unknown): string {
  if (value === undefined) return '';
  const body = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return `<details><summary>Example</summary><pre><code>${text(body)}</code></pre></details>`;
}

function content(media: Record<string, MediaTypeObject> | undefined): string {
  if (!media) return '';
  return Object.entries(media)
    .map(
      ([type, { schema, example: sample }]) =>
        `<div class="media"><p class="media-type"><code>${text(type)}</code></p>${description(schema)}${schemaHtml(schema)}${example(sample)}</div>`,
    )
    .join('');
}

function security(doc: OpenApiDocument, operation: OperationObject): string {
  const requirements = operation.security ?? doc.security ?? [];
  if (requirements.length === 0) return '<p class="auth">No authentication.</p>';
  const each = requirements.map((requirement) =>
    Object.entries(requirement)
      .map(
        ([scheme, scopes]) =>
          `${text(scheme)}${scopes.length ? ` with scope <code>${scopes.map(text).join(', ')}</code>` : ''}`,
      )
      .join(' and '),
  );
  return `<p class="auth">Requires ${each.join(' or ')}.</p>`;
}

function operationHtml(
  doc: OpenApiDocument,
  id: string,
  method: string,
  path: string,
  operation: OperationObject,
): string {
  const parameters = operation.parameters ?? [];
  const parameterTable = parameters.length
    ? `<h4>Parameters</h4><table class="fields"><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Description</th></tr></thead><tbody>${parameters
        .map(
          (p) =>
            `<tr><td><code>${text(p.name)}</code>${p.required ? ' <span class="req">required</span>' : ''}</td><td>${text(p.in)}</td>` +
            `<td>${typeLabel(p.schema)}${p.schema ? constraints(p.schema) : ''}</td><td>${p.description ? text(p.description) : ''}${description(p.schema)}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '';
  const body = operation.requestBody
    ? `<h4>Request body${operation.requestBody.required ? ' <span class="req">required</span>' : ''}</h4>` +
      (operation.requestBody.description ? `<p>${text(operation.requestBody.description)}</p>` : '') +
      content(operation.requestBody.content)
    : '';
  const responses = Object.entries(operation.responses)
    .map(([status, response]) => {
      const headers = response.headers
        ? `<ul class="headers">${Object.entries(response.headers)
            .map(([name, h]) => `<li><code>${text(name)}</code>${h.description ? `: ${text(h.description)}` : ''}</li>`)
            .join('')}</ul>`
        : '';
      return `<div class="response"><h5><span class="status s${text(status[0] ?? '')}">${text(status)}</span> ${text(response.description)}</h5>${headers}${content(response.content)}</div>`;
    })
    .join('');
  return (
    `<section class="operation" id="${anchor(id)}"><h3><span class="method ${text(method)}">${text(method.toUpperCase())}</span> <code>${text(path)}</code></h3>` +
    (operation.summary ? `<p class="summary">${text(operation.summary)}</p>` : '') +
    (operation.description ? `<p>${text(operation.description)}</p>` : '') +
    security(doc, operation) +
    parameterTable +
    body +
    `<h4>Responses</h4>${responses}</section>`
  );
}

interface Entry {
  id: string;
  method: string;
  path: string;
  operation: OperationObject;
}

function entries(items: Record<string, Record<string, OperationObject>> | undefined, prefix: string): Entry[] {
  return Object.entries(items ?? {}).flatMap(([path, operations]) =>
    METHODS.filter((m) => operations[m]).map((method) => {
      const operation = operations[method]!;
      return { id: `${prefix}-${operation.operationId ?? `${method}-${path}`}`, method, path, operation };
    }),
  );
}

/** The whole page. `stylesheet` is the same-origin URL of REFERENCE_CSS. */
export function renderApiReference(doc: OpenApiDocument, stylesheet = '/docs/reference.css'): string {
  const operations = entries(doc.paths, 'op');
  const webhooks = entries(doc.webhooks, 'webhook');
  const tags = [...new Set(operations.map((e) => e.operation.tags?.[0] ?? 'Other'))];
  const tagDescription = (name: string) => doc.tags?.find((t) => t.name === name)?.description;
  const nav = (list: Entry[], label = (e: Entry) => `${e.method.toUpperCase()} ${e.path}`) =>
    `<ul>${list.map((e) => `<li><a href="#${anchor(e.id)}">${text(label(e))}</a></li>`).join('')}</ul>`;
  const groups = tags.map((tag) => {
    const list = operations.filter((e) => (e.operation.tags?.[0] ?? 'Other') === tag);
    return { tag, list };
  });
  const schemas = Object.entries(doc.components?.schemas ?? {});
  const schemes = Object.entries(doc.components?.securitySchemes ?? {});

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${text(doc.info.title)} — API reference</title>
<link rel="stylesheet" href="${text(stylesheet)}">
</head>
<body>
<nav class="toc" aria-label="Contents">
<p><strong>${text(doc.info.title)}</strong></p>
${groups.map(({ tag, list }) => `<h2>${text(tag)}</h2>${nav(list)}`).join('\n')}
${webhooks.length ? `<h2>Webhooks</h2>${nav(webhooks, (e) => e.path)}` : ''}
${schemas.length ? '<h2><a href="#schemas">Schemas</a></h2>' : ''}
</nav>
<main>
<header>
<h1>${text(doc.info.title)} <small>v${text(doc.info.version)} · OpenAPI ${text(doc.openapi)}</small></h1>
${doc.info.description ? `<p>${text(doc.info.description)}</p>` : ''}
<p>The machine-readable document: <a href="/openapi.json">/openapi.json</a>.</p>
${
  schemes.length
    ? `<h2>Authentication</h2>${schemes
        .map(
          ([name, s]) =>
            `<p><strong>${text(name)}</strong>: ${text(s.type)}${s.scheme ? ` ${text(s.scheme)}` : ''}. ${s.description ? text(s.description) : ''}</p>`,
        )
        .join('')}`
    : ''
}
</header>
${groups
  .map(
    ({ tag, list }) =>
      `<h2 class="tag">${text(tag)}</h2>${tagDescription(tag) ? `<p>${text(tagDescription(tag)!)}</p>` : ''}\n` +
      list.map((e) => operationHtml(doc, e.id, e.method, e.path, e.operation)).join('\n'),
  )
  .join('\n')}
${
  webhooks.length
    ? `<h2 class="tag">Webhooks</h2><p>Requests careerfeed sends to your receivers.</p>\n${webhooks
        .map((e) => operationHtml(doc, e.id, e.method, e.path, e.operation))
        .join('\n')}`
    : ''
}
${
  schemas.length
    ? `<h2 class="tag" id="schemas">Schemas</h2>\n${schemas
        .map(
          ([name, schema]) =>
            `<section class="schema" id="schema-${anchor(name)}"><h3>${text(name)}</h3>${description(schema)}${schemaHtml(schema)}</section>`,
        )
        .join('\n')}`
    : ''
}
</main>
</body>
</html>
`;
}

/** The page's only stylesheet. */
export const REFERENCE_CSS = `:root{color-scheme:light dark;--fg:#1d1d1f;--bg:#fff;--muted:#5f6368;--line:#d8dadf;--code:#f3f4f6;--accent:#0b57d0}
@media (prefers-color-scheme:dark){:root{--fg:#e8eaed;--bg:#16171a;--muted:#a0a4ab;--line:#3a3d42;--code:#24262b;--accent:#8ab4f8}}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);display:grid;grid-template-columns:18rem 1fr}
a{color:var(--accent)}code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
pre{background:var(--code);padding:.75rem;overflow:auto;border-radius:4px;max-height:30rem}
.toc{position:sticky;top:0;height:100vh;overflow:auto;padding:1rem;border-right:1px solid var(--line);font-size:.85rem}
.toc h2{font-size:.8rem;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);margin:1rem 0 .25rem}.toc ul{list-style:none;margin:0;padding:0}.toc li{margin:.15rem 0;word-break:break-all}
main{padding:1rem 2rem;min-width:0;max-width:70rem}h1 small{font-size:.5em;color:var(--muted);font-weight:normal}
h2.tag{border-bottom:2px solid var(--line);padding-bottom:.25rem;margin-top:2.5rem}
.operation,.schema{border:1px solid var(--line);border-radius:6px;padding:.5rem 1rem 1rem;margin:1rem 0}
.method{display:inline-block;min-width:4.5rem;text-align:center;border-radius:4px;padding:0 .4rem;color:#fff;background:#5f6368;font-size:.85em}
.method.get{background:#1a7f37}.method.post{background:#0b57d0}.method.put{background:#9a6700}.method.patch{background:#8250df}.method.delete{background:#cf222e}
.summary{font-weight:600}.auth{color:var(--muted)}.req{color:#cf222e;font-size:.8em}.note,.constraints,.type small{color:var(--muted);font-size:.85em}
table.fields{border-collapse:collapse;width:100%;margin:.5rem 0}table.fields th,table.fields td{border-top:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
table.fields td p{margin:0 0 .25rem}.media-type{margin:.5rem 0 0}
.status{display:inline-block;border-radius:4px;padding:0 .4rem;background:var(--code)}.status.s2{color:#1a7f37}.status.s3{color:#9a6700}.status.s4,.status.s5{color:#cf222e}
h5{font-size:1rem;margin:1rem 0 .25rem}details summary{cursor:pointer;color:var(--accent)}
@media (max-width:50rem){body{display:block}.toc{position:static;height:auto;border-right:0;border-bottom:1px solid var(--line)}main{padding:1rem}}
`;
