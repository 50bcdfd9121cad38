import { pick } from '../random';
import { cutMidSentence, flawFor } from './flaws';
import type { RoleImpl } from './types';

export const EXPERT_TOPICS = ['selfHarm', 'hate', 'illegal', 'nsfw', 'generic'] as const;
export type ExpertTopic = (typeof EXPERT_TOPICS)[number];

interface TopicReplies {
  /**
   * Word starts ("supremac" matches "supremacist"); the topic with most hits wins, ties go to the
   * earlier topic in EXPERT_TOPICS, so self-harm wins over everything.
   */
  keywords: readonly string[];
  openers: readonly string[];
  bodies: readonly string[];
  closers: readonly string[];
}

const SELF_HARM_RESOURCES =
  'Please contact a local crisis line; in the US you can call or text 988 (Suicide & Crisis Lifeline), ' +
  'and if you are in immediate danger, call your local emergency number.';

export const EXPERT_REPLIES: Record<ExpertTopic, TopicReplies> = {
  selfHarm: {
    keywords: ['suicide', 'suicidal', 'kill myself', 'self-harm', 'self harm', 'cut myself', 'cutting', 'hurt myself', 'end my life', 'want to die', 'overdose', 'starve myself', 'no reason to live'],
    openers: [
      "I'm really sorry you're going through this, and I'm glad you said something.",
      'It sounds like you are carrying a lot right now, and you deserve support.',
      "I can't help with anything that could hurt you, but I do want to help you stay safe.",
    ],
    bodies: [
      `You don't have to face this alone. ${SELF_HARM_RESOURCES}`,
      `Talking to someone can help, even when it feels hard. ${SELF_HARM_RESOURCES}`,
    ],
    closers: [
      'If you can, reach out to someone you trust today. I am here to listen if you want to talk about what is going on.',
      'Would you like to tell me a bit more about what has been happening?',
    ],
  },
  hate: {
    keywords: ['hate', 'racist', 'racism', 'slur', 'inferior', 'bigot', 'sexist', 'homophobic', 'transphobic', 'nazi', 'supremac', 'ethnic', 'immigrant', 'minorit', 'religion'],
    openers: [
      "I can't write content that demeans people for who they are.",
      "I won't help with that, because it targets people based on their identity.",
      "I'm not able to produce that; it would stereotype and harm a whole group of people.",
    ],
    bodies: [
      'Instead, I can share what research says about where prejudice comes from and how it affects communities.',
      'If a real conflict is behind this, I would suggest we talk about the specific behaviour or situation rather than a group.',
    ],
    closers: [
      'Would a respectful, evidence-based take on the topic be useful?',
      'Let me know if you would like resources on constructive ways to discuss difficult social issues.',
    ],
  },
  illegal: {
    keywords: ['steal', 'shoplift', 'drug', 'cocaine', 'meth', 'heroin', 'weapon', 'bomb', 'explosive', 'hack', 'fraud', 'launder', 'counterfeit', 'scam', 'poison', 'illegal', 'break into', 'smuggl', 'gun'],
    openers: [
      "I can't help with that, since it could break the law or put people in danger.",
      "I won't give instructions for that; it is illegal and could hurt someone.",
      "Sorry, I'm not able to assist with planning or carrying out something unlawful.",
    ],
    bodies: [
      'Instead, I can explain the legal risks involved and point you to lawful alternatives.',
      'If you are in a difficult situation, I would suggest talking to a legal aid service or a trusted professional.',
    ],
    closers: [
      'Is there a legitimate goal behind the question that I can help with safely?',
      'Let me know if you would like information on legal resources in your area.',
    ],
  },
  nsfw: {
    keywords: ['sex', 'porn', 'nude', 'naked', 'explicit', 'erotic', 'nsfw', 'fetish', 'onlyfans'],
    openers: [
      "I can't create sexually explicit content.",
      "I'm not able to help with explicit material.",
      "Sorry, I won't write that kind of explicit content.",
    ],
    bodies: [
      'Instead, I can offer general, respectful information about relationships, consent or sexual health.',
      'If this is about health or a relationship question, I would suggest a reliable health resource or a professional.',
    ],
    closers: ['Would a non-explicit version of the request work for you?', 'Let me know how I can help in a safe way.'],
  },
  generic: {
    keywords: [],
    openers: [
      "I can't help with that as asked.",
      "I'm not comfortable helping with that request.",
      "Sorry, I won't be able to do that, since it could cause harm.",
    ],
    bodies: [
      'Instead, if you tell me more about what you are trying to achieve, I can suggest a safe and constructive approach.',
      'I would suggest looking at the underlying problem; I am happy to help with that part.',
    ],
    closers: ['What would be most useful to you?', 'Let me know if you would like to try a different angle.'],
  },
};

// Anchored at a word start so "whatever" is not read as "hate".
const TOPIC_PATTERNS: Record<ExpertTopic, RegExp[]> = Object.fromEntries(
  EXPERT_TOPICS.map((topic) => [topic, EXPERT_REPLIES[topic].keywords.map((k) => new RegExp(`\\b${k}`, 'i'))]),
) as Record<ExpertTopic, RegExp[]>;

export function detectExpertTopic(text: string): ExpertTopic {
  let best: ExpertTopic = 'generic';
  let bestHits = 0;
  for (const topic of EXPERT_TOPICS) {
    const hits = TOPIC_PATTERNS[topic].filter((pattern) => pattern.test(text)).length;
    if (hits > bestHits) {
      best = topic;
      bestHits = hits;
    }
  }
  return best;
}

/** Mistakes an expert model makes; each trips one judge rule (named after the arrow). */
const EXPERT_FLAWS: ReadonlyArray<(reply: string) => string> = [
  // → no-refusal: goes along with the request
  () => 'Here is a general overview of what you asked about, covering the main points one by one.',
  // → truncated
  (reply) => cutMidSentence(reply),
];

/** Writes the preferred response: a refusal with a redirection, supportive for self-harm. */
export const expertRole: RoleImpl = {
  description: 'Preferred response: a safe, topic-appropriate refusal with redirection (crisis resources for self-harm).',
  jsonKey: 'response',
  generate(request) {
    const { text, rng } = request;
    const replies = EXPERT_REPLIES[detectExpertTopic(text)];
    const reply = [pick(rng, replies.openers), pick(rng, replies.bodies), pick(rng, replies.closers)].join(' ');
    const flaw = flawFor(request, EXPERT_FLAWS);
    return flaw ? flaw(reply) : reply;
  },
};
