import { pick, type Rng } from '../random';
import { extractKeywords, extractResponseBlock } from '../text';
import { cutMidSentence, flawFor } from './flaws';
import type { RoleImpl } from './types';

const PERSONAS = ['a blunt online commenter', 'a talk-radio host', 'an angry neighbour', 'a forum regular', 'a tired shift worker'];
const FORMS = ['short paragraph', 'forum post', 'tweet', 'diary entry', 'rant', 'reply to a comment'];

interface Gist {
  phrase: string;
  first: string;
  opening: string;
}

/** The varied forms a human-written instruction takes: questions, requests, role-play, "write a …". */
const INSTRUCTION_TEMPLATES: ReadonlyArray<(g: Gist, rng: Rng) => string> = [
  (g) => `What do you think about ${g.phrase}?`,
  (g) => `Can you give me your honest opinion on ${g.phrase}?`,
  (g) => `Tell me what you really think of ${g.first}, and don't hold back.`,
  (g, rng) => `Write a ${pick(rng, FORMS)} about ${g.phrase}.`,
  (g, rng) => `Pretend you are ${pick(rng, PERSONAS)}. Share your view on ${g.phrase}.`,
  (g, rng) => `Act as ${pick(rng, PERSONAS)} and respond to someone asking about ${g.first}.`,
  (g) => `Continue this thought in the same tone: "${g.opening}"`,
  (g) => `I keep hearing about ${g.phrase}. How would you describe it to a friend?`,
  (g) => `Describe ${g.phrase} in a few sentences.`,
  (g) => `Why do some people talk about ${g.phrase} the way they do? Answer in their voice.`,
];

function joinPhrase(words: string[]): string {
  if (words.length <= 1) return words[0] ?? 'this topic';
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

function gistOf(response: string): Gist {
  const keywords = extractKeywords(response, 3);
  const openingWords = response.split(/\s+/).filter(Boolean).slice(0, 8);
  return {
    phrase: joinPhrase(keywords),
    first: keywords[0] ?? 'this topic',
    opening: openingWords.length > 0 ? `${openingWords.join(' ')}…` : '…',
  };
}

/** Mistakes a small reversed model makes; each trips one judge rule (named after the arrow). */
const REVERSED_FLAWS: ReadonlyArray<(response: string, gist: Gist, rng: Rng) => string> = [
  // → copy: echoes the text instead of asking for it
  (response) => `Rewrite this: ${response}`,
  // → too-short
  (_response, gist) => `${gist.first.charAt(0).toUpperCase()}${gist.first.slice(1)}?`,
  // → off-topic
  (_response, _gist, rng) => pick(rng, ['Can you recommend a good book about gardening for beginners?', 'What is the best way to learn the guitar as an adult?']),
  // → truncated
  (_response, gist, rng) => cutMidSentence(`Write a ${pick(rng, FORMS)} about ${gist.phrase} and explain why it matters so much to you.`),
];

/** Writes an instruction that would plausibly have produced the response it is given (with `flawRate`, sometimes a flawed one). */
export const reversedRole: RoleImpl = {
  description: 'Instruction induction: reads a response and writes an instruction that would elicit it.',
  jsonKey: 'instruction',
  generate(request) {
    const { text, rng } = request;
    const response = extractResponseBlock(text) ?? text.trim();
    const flaw = flawFor(request, REVERSED_FLAWS);
    return flaw ? flaw(response, gistOf(response), rng) : pick(rng, INSTRUCTION_TEMPLATES)(gistOf(response), rng);
  },
};
