import { pick, type Rng } from '../random';
import { extractKeywords, extractResponseBlock } from '../text';
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

/** Writes an instruction that would plausibly have produced the response it is given. */
export const reversedRole: RoleImpl = {
  description: 'Instruction induction: reads a response and writes an instruction that would elicit it.',
  jsonKey: 'instruction',
  generate({ text, rng }) {
    const response = extractResponseBlock(text) ?? text.trim();
    return pick(rng, INSTRUCTION_TEMPLATES)(gistOf(response), rng);
  },
};
