/**
 * English stopwords: the Snowball project's English stop list (function words and their
 * contractions), plus modal verbs, a few light verbs and adverbs, and small number words that
 * every post uses whatever it is about. Words are matched after lowercasing and with curly
 * apostrophes made straight, before stemming.
 *
 * Deliberately short: IDF already discounts words that many posts use, and every word listed
 * here is one that no post can ever be related through. Longer general-purpose lists (SMART,
 * stopwords-iso) also drop words like "help", "value", "course" or "thank", which carry topic in
 * some blogs; on the labelled sample they changed precision by less than its noise.
 */
const SNOWBALL_ENGLISH = `
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she
her hers herself it its itself they them their theirs themselves what which who whom this that
these those am is are was were be been being have has had having do does did doing would should
could ought i'm you're he's she's it's we're they're i've you've we've they've i'd you'd he'd
she'd we'd they'd i'll you'll he'll she'll we'll they'll isn't aren't wasn't weren't hasn't
haven't hadn't doesn't don't didn't won't wouldn't shan't shouldn't can't cannot couldn't
mustn't let's that's who's what's here's there's when's where's why's how's a an the and but if
or because as until while of at by for with about against between into through during before
after above below to from up down in out on off over under again further then once here there
when where why how all any both each few more most other some such no nor not only own same so
than too very`;

// Modal and light verbs, adverbs and number words of the same kind, and contractions typed
// without their apostrophe.
const ADDITIONS = `
will can may might must shall also just much many one two three get gets got us etc
dont doesnt didnt isnt arent wasnt werent cant couldnt wont wouldnt shouldnt im ive youre
theyre thats whats`;

export const ENGLISH_STOPWORDS: ReadonlySet<string> = new Set(
  `${SNOWBALL_ENGLISH} ${ADDITIONS}`.split(/\s+/).filter((word) => word !== ''),
);
