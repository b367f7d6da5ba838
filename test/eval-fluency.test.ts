import { describe, expect, it } from 'vitest';
import { fluency, ngramEntropy, splitSentences, tokenizeSentence, wordTokenize } from '../main/eval/fluency';

// Token lists below were produced by NLTK 3.8's NLTKWordTokenizer (the word-level part of nltk.word_tokenize,
// which EasyEdit's compute_freq uses) on the same sentences, and checked by hand.
const NLTK_38: [string, string[]][] = [
  ["I can't go.", ['I', 'ca', "n't", 'go', '.']],
  ['the cat sat on the mat', ['the', 'cat', 'sat', 'on', 'the', 'mat']],
  ['He said: \u201cdon\'t go\u201d -- then left.', ['He', 'said', ':', '\u201c', 'do', "n't", 'go', '\u201d', '--', 'then', 'left', '.']],
  [
    'Good muffins cost $3.88 (roughly 3,36 euros) in New York.',
    ['Good', 'muffins', 'cost', '$', '3.88', '(', 'roughly', '3,36', 'euros', ')', 'in', 'New', 'York', '.'],
  ],
  ["I cannot gonna wanna do it 'tis fine", ['I', 'can', 'not', 'gon', 'na', 'wan', 'na', 'do', 'it', "'t", 'is', 'fine']],
  ['Email me @ home #1 & 50% off; ok*', ['Email', 'me', '@', 'home', '#', '1', '&', '50', '%', 'off', ';', 'ok', '*']],
  ['"Quoted" text and \'single\' quotes', ['``', 'Quoted', "''", 'text', 'and', "'single", "'", 'quotes']],
  ["They'll say it's 5 o'clock... maybe?", ['They', "'ll", 'say', 'it', "'s", '5', "o'clock", '...', 'maybe', '?']],
];

describe('word tokenizer (NLTK word_tokenize rules)', () => {
  it.each(NLTK_38)('tokenizes %j as NLTK 3.8 does', (text, tokens) => {
    expect(tokenizeSentence(text)).toEqual(tokens);
  });

  it('splits sentences at . ! ? followed by space, but not after abbreviations, initials or numbers', () => {
    expect(splitSentences('Hello there. How are you? Fine! ok')).toEqual(['Hello there.', 'How are you?', 'Fine!', 'ok']);
    expect(splitSentences('Mr. Smith met J. Doe today. Then left.')).toEqual(['Mr. Smith met J. Doe today.', 'Then left.']);
    expect(splitSentences('Step 1. Mix it.')).toEqual(['Step 1. Mix it.']);
    expect(splitSentences('He said "stop." She ran.')).toEqual(['He said "stop."', 'She ran.']);
  });

  it('splits a sentence-final period off every sentence (as word_tokenize does after sent_tokenize)', () => {
    expect(wordTokenize('I went home. It was late.')).toEqual(['I', 'went', 'home', '.', 'It', 'was', 'late', '.']);
    // inside one sentence a period stays on its word
    expect(tokenizeSentence('I went home. It was late.')).toEqual(['I', 'went', 'home.', 'It', 'was', 'late', '.']);
  });

  it('empty and whitespace-only text has no tokens', () => {
    expect(wordTokenize('')).toEqual([]);
    expect(wordTokenize('  \n\t ')).toEqual([]);
  });
});

describe('n-gram entropy and fluency', () => {
  it('entropy is in bits over the n-gram frequency distribution', () => {
    expect(ngramEntropy(['a', 'b', 'a', 'b', 'a'], 2)).toBeCloseTo(1, 12); // ab, ba, ab, ba
    expect(ngramEntropy(['a', 'b', 'a', 'b', 'a'], 3)).toBeCloseTo(-(2 / 3) * Math.log2(2 / 3) - (1 / 3) * Math.log2(1 / 3), 12);
    expect(ngramEntropy(['a', 'a', 'a', 'a'], 2)).toBe(0);
    expect(ngramEntropy(['a'], 2)).toBe(0); // no bigrams
  });

  it('fluency = (2/3·H2 + 4/3·H3) / 2, hand-computed', () => {
    // 6 tokens: 5 distinct bigrams (H2 = log2 5), 4 distinct trigrams (H3 = 2)
    expect(fluency('the cat sat on the mat')).toBeCloseTo(((2 / 3) * Math.log2(5) + (4 / 3) * 2) / 2, 12);
    // "a b a b a": H2 = 1, H3 = H(2/3, 1/3)
    const h3 = -(2 / 3) * Math.log2(2 / 3) - (1 / 3) * Math.log2(1 / 3);
    expect(fluency('a b a b a')).toBeCloseTo(((2 / 3) * 1 + (4 / 3) * h3) / 2, 12);
    // "I can't go." → I ca n't go . : 4 distinct bigrams (2 bits), 3 distinct trigrams (log2 3)
    expect(fluency("I can't go.")).toBeCloseTo(((2 / 3) * 2 + (4 / 3) * Math.log2(3)) / 2, 12);
  });

  it('degenerate responses score 0: empty, one word, two words, pure repetition', () => {
    expect(fluency('')).toBe(0);
    expect(fluency('hello')).toBe(0);
    expect(fluency('hello world')).toBe(0); // one bigram (H2 = 0), no trigram
    expect(fluency('no no no no no no no')).toBe(0);
  });

  it('repetitive text scores lower than varied text of the same length', () => {
    const varied = 'I am sorry but I cannot help with that request because it could cause real harm to people.';
    const looped = 'I am sorry I am sorry I am sorry I am sorry I am sorry I am sorry I am sorry I am.';
    expect(fluency(varied)).toBeGreaterThan(fluency(looped));
  });
});
