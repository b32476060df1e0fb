import mjml2html from 'mjml';

/**
 * A layout compiled by MJML once, with named holes filled by plain string assembly afterwards.
 *
 * MJML is slow (tens of milliseconds a document) and asynchronous, and a digest run renders for
 * thousands of subscribers; so only the shared skeleton goes through it. The holes are marker
 * strings MJML passes through untouched; after compiling, the HTML is split at them once, and
 * `fill` joins the pieces with the values. Values are never searched for markers, so text that
 * happens to look like a marker stays text.
 */
export interface CompiledTemplate<Slot extends string> {
  fill(values: Readonly<Record<Slot, string>>): string;
}

/** The marker MJML source uses for a hole. */
export function slot(name: string): string {
  return `%%CAREERFEED_SLOT_${name}%%`;
}

const MARKER = /%%CAREERFEED_SLOT_([A-Za-z0-9_]+)%%/g;

/** Compiles MJML (strict validation: a broken layout fails here, at start-up, not in a mail). */
export async function compileMjmlTemplate<Slot extends string>(
  source: string,
  slots: readonly Slot[],
): Promise<CompiledTemplate<Slot>> {
  const { html, errors } = await mjml2html(source, {
    validationLevel: 'strict',
    keepComments: false,
    // MJML would otherwise link Google Fonts for any stack naming Roboto etc.: no third-party requests from a mail.
    fonts: {},
  });
  if (errors.length > 0) throw new Error(`invalid MJML layout: ${errors.map((e) => e.formattedMessage).join('; ')}`);
  const known = new Set<string>(slots);
  const pieces: string[] = [];
  const holes: Slot[] = [];
  let last = 0;
  for (const match of html.matchAll(MARKER)) {
    const name = match[1] ?? '';
    if (!known.has(name)) throw new Error(`MJML layout has an unknown slot ${name}`);
    pieces.push(html.slice(last, match.index));
    holes.push(name as Slot);
    last = match.index + match[0].length;
  }
  pieces.push(html.slice(last));
  const missing = slots.filter((name) => !holes.includes(name));
  if (missing.length > 0) throw new Error(`MJML layout lost slots: ${missing.join(', ')}`);
  return {
    fill(values) {
      let out = pieces[0] ?? '';
      for (let i = 0; i < holes.length; i++) out += values[holes[i] as Slot] + (pieces[i + 1] ?? '');
      return out;
    },
  };
}
