import { pick, rngFromText, unitFromText } from '../random';
import type { RoleRequest } from './types';

/**
 * Whether a request gets a flawed reply, and which flaw: decided by a hash of the whole input and
 * the seed, apart from the wording PRNG, so a flaw-free reply reads the same at any flaw rate.
 */
export function flawFor<T>(request: Pick<RoleRequest, 'fullPrompt' | 'seed' | 'flawRate'>, flaws: readonly T[]): T | null {
  const rate = request.flawRate ?? 0;
  if (rate <= 0 || flaws.length === 0) return null;
  const key = `flaw\u0000${request.fullPrompt}\u0000${request.seed ?? ''}`;
  if (unitFromText(key) >= rate) return null;
  return pick(rngFromText(`${key}\u0000which`), flaws);
}

/** The first part of `text`, cut at a word boundary with no closing punctuation: a reply that ran out of tokens. */
export function cutMidSentence(text: string): string {
  const words = text.split(/\s+/).filter(Boolean);
  const kept = words.slice(0, Math.max(3, Math.floor(words.length * 0.6)));
  return kept.join(' ').replace(/[.!?…:;,)\]"'”’]+$/, '');
}
