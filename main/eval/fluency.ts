// Fluency: weighted n-gram entropy of a response, the one definition used by the runner, re-judging, the UI,
// the CLI and the tests. See docs/evaluation.md ("Fluency") for the formula and the word tokenizer.
//
// Reference behaviour (EasyEdit, easyeditor/evaluate: compute_n_gram_entropy / n_gram_entropy): words from
// nltk.word_tokenize, n ∈ {2, 3}, entropy in bits of each n-gram frequency distribution, weights 2/3 and 4/3,
// arithmetic mean of the two weighted entropies. A text with fewer than n words has no n-grams: its H_n is 0.

/** n-gram orders and their weights (EasyEdit defaults). */
export const FLUENCY_NS = [2, 3] as const;
export const FLUENCY_WEIGHTS = [2 / 3, 4 / 3] as const;

// ---------------------------------------------------------------------------------------------------------------
// Word tokenizer: a re-implementation of the rules of NLTK 3.8's word_tokenize (Punkt sentence split, then the
// "NLTKWordTokenizer" Treebank-style rules per sentence). Differences (documented in docs/evaluation.md):
//  - sentence splitting is a rule-based approximation of Punkt's pre-trained English model: a boundary after
//    . ! ? (plus closing quotes/brackets) followed by whitespace, except after a known abbreviation, a single-letter
//    initial, or a number followed by a period; Punkt's learned collocation/orthographic heuristics are not modelled.
//  - Python's Unicode \w, \d and \b are written as explicit Unicode property classes.
// ---------------------------------------------------------------------------------------------------------------

const W = String.raw`\p{L}\p{N}_`; // Python's \w (Unicode)
const NOT_W_BEFORE = `(?<![${W}])`; // \b at a word start
const NOT_W_AFTER = `(?![${W}])`; // \b at a word end

type Rule = [RegExp, string];
const rx = (src: string, flags = '') => new RegExp(src, `gu${flags}`);

const STARTING_QUOTES: Rule[] = [
  [rx('([«“‘„]|`+)'), ' $1 '],
  [rx('^"'), '``'],
  [rx('(``)'), ' $1 '],
  [rx(`([ ([{<])("|'{2})`), '$1 `` '],
  // an opening single quote before a word that is not a clitic ('re, 've, 'll, 'm, 't, 's, 'd, 'n)
  [rx(`(')(?!re|ve|ll|m|t|s|d|n)([${W}])${NOT_W_AFTER}`, 'i'), '$1 $2'],
];

const ENDING_QUOTES: Rule[] = [
  [rx('([»”’])'), ' $1 '],
  [rx("''"), " '' "],
  [rx('"'), " '' "],
  [rx("([^' ])('[sS]|'[mM]|'[dD]|') "), '$1 $2 '],
  [rx("([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) "), '$1 $2 '],
];

// Python's `$` (no MULTILINE) also matches before a final newline.
const END = '(?=\\n?$)';
const PUNCTUATION: Rule[] = [
  [rx(`([^.])(\\.)([\\])}>"'»”’ ]*)\\s*${END}`), '$1 $2 $3 '],
  [rx('([:,])([^\\p{Nd}])'), ' $1 $2'],
  [rx(`([:,])${END}`), ' $1 '],
  [rx('\\.{2,}'), ' $& '],
  [rx('[;@#$%&]'), ' $& '],
  [rx(`([^.])(\\.)([\\])}>"']*)\\s*${END}`), '$1 $2$3 '],
  [rx('[?!]'), ' $& '],
  [rx("([^'])' "), "$1 ' "],
  [rx('[*]'), ' $& '],
];

const PARENS: Rule = [rx('[\\][(){}<>]'), ' $& '];
const DOUBLE_DASHES: Rule = [rx('--'), ' -- '];

// MacIntyre contractions ("cannot" → "can not", "gonna" → "gon na", ...), case-insensitive.
const CONTRACTIONS: Rule[] = [
  ...[
    ['can', 'not'],
    ['d', "'ye"],
    ['gim', 'me'],
    ['gon', 'na'],
    ['got', 'ta'],
    ['lem', 'me'],
    ['more', "'n"],
  ].map(([a, b]): Rule => [rx(`${NOT_W_BEFORE}(${a})(${b})${NOT_W_AFTER}`, 'i'), ' $1 $2 ']),
  [rx(`${NOT_W_BEFORE}(wan)(na)(?=\\s)`, 'i'), ' $1 $2 '],
  [rx(` ('t)(is)${NOT_W_AFTER}`, 'i'), ' $1 $2 '],
  [rx(` ('t)(was)${NOT_W_AFTER}`, 'i'), ' $1 $2 '],
];

function applyRules(text: string, rules: Rule[]): string {
  for (const [re, sub] of rules) text = text.replace(re, sub);
  return text;
}

/** Treebank-style word tokenization of one sentence (NLTK 3.8 NLTKWordTokenizer rules). */
export function tokenizeSentence(sentence: string): string[] {
  let t = applyRules(sentence, STARTING_QUOTES);
  t = applyRules(t, PUNCTUATION);
  t = applyRules(t, [PARENS, DOUBLE_DASHES]);
  t = ` ${t} `;
  t = applyRules(t, ENDING_QUOTES);
  t = applyRules(t, CONTRACTIONS);
  return t.split(/\s+/u).filter((s) => s.length > 0);
}

/** Common English abbreviations after which a period does not end a sentence (lower case, without the final period). */
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'mt', 'vs', 'etc', 'e.g', 'i.e', 'cf', 'al', 'inc', 'ltd', 'co',
  'corp', 'no', 'vol', 'fig', 'approx', 'dept', 'est', 'gov', 'gen', 'col', 'capt', 'lt', 'sgt', 'rev', 'u.s', 'u.k',
  'a.m', 'p.m', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec',
]);

/**
 * Sentence split approximating Punkt (English): a boundary after . ! ? and any closing quotes/brackets when
 * whitespace follows, unless the period ends an abbreviation, a single-letter initial or a number.
 */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  const re = /[.!?]+[\])}>"'»”’]*(?=\s)/gu;
  let start = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const end = m.index + m[0].length;
    const mark = m[0].replace(/[\])}>"'»”’]+$/u, '');
    if (mark === '.') {
      // the whitespace-delimited word that this period ends, without the period
      const wordStart = Math.max(text.lastIndexOf(' ', m.index), text.lastIndexOf('\n', m.index), text.lastIndexOf('\t', m.index)) + 1;
      const word = text.slice(wordStart, m.index).replace(/^[\[({<"'«“‘„`]+/u, '').toLowerCase();
      if (ABBREVIATIONS.has(word) || /^\p{L}$/u.test(word) || /^\p{Nd}+$/u.test(word)) continue;
    }
    const s = text.slice(start, end).trim();
    if (s) out.push(s);
    start = end;
  }
  const rest = text.slice(start).trim();
  if (rest) out.push(rest);
  return out;
}

/** nltk.word_tokenize equivalent: sentences, then Treebank word rules per sentence. */
export function wordTokenize(text: string): string[] {
  return splitSentences(text).flatMap(tokenizeSentence);
}

// ---------------------------------------------------------------------------------------------------------------

/** Shannon entropy (bits) of the n-gram frequency distribution of a token list; 0 when it has no n-grams. */
export function ngramEntropy(tokens: readonly string[], n: number): number {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join('\u0000');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const total = tokens.length - n + 1;
  if (total <= 0) return 0;
  let h = 0;
  for (const c of counts.values()) {
    const p = c / total;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Fluency of one response: (2/3·H2 + 4/3·H3) / 2 over its word tokens. */
export function fluency(text: string): number {
  const tokens = wordTokenize(text);
  let sum = 0;
  FLUENCY_NS.forEach((n, i) => (sum += FLUENCY_WEIGHTS[i] * ngramEntropy(tokens, n)));
  return sum / FLUENCY_NS.length;
}
