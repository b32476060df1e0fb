import { escapeHtml } from '../sanitize';
import { stripIllegalXmlChars } from '../text';

export type XmlAttributes = Record<string, string | undefined>;

/** Text or attribute value safe anywhere in an XML 1.0 document, whatever the input holds. */
export function escapeXml(value: string): string {
  return escapeHtml(stripIllegalXmlChars(value));
}

/** One element on one line; `text` undefined gives an empty element, undefined attributes are left out. */
export function xmlElement(name: string, attributes: XmlAttributes = {}, text?: string): string {
  const attrs = Object.entries(attributes)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join('');
  return text === undefined ? `<${name}${attrs}/>` : `<${name}${attrs}>${escapeXml(text)}</${name}>`;
}
