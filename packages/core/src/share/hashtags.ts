const WORD = /[\p{L}\p{N}\p{M}]+/gu;
const ALL_DIGITS = /^[\p{N}\p{M}]+$/u;

function capitalize(word: string): string {
  // By code point, not code unit, so an astral first letter is upper-cased whole.
  const first = String.fromCodePoint(word.codePointAt(0) ?? 0x20);
  return first.toLocaleUpperCase('en') + word.slice(first.length);
}

/**
 * Turns post tags into hashtags: words joined in CamelCase ("resume writing" → "#ResumeWriting"),
 * everything but letters, digits and combining marks dropped (marks stay so that Devanagari or
 * Arabic with diacritics is not mangled), duplicates removed case-insensitively, and tags that end
 * up empty or all digits skipped (networks do not link "#2024").
 */
export function tagsToHashtags(tags: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const tag of tags) {
    const words = tag.normalize('NFC').match(WORD) ?? [];
    const body = words.map(capitalize).join('');
    if (body === '' || ALL_DIGITS.test(body)) continue;
    const key = body.toLocaleLowerCase('en');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(`#${body}`);
  }
  return out;
}
