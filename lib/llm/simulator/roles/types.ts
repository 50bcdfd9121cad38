import type { Rng } from '../random';

// 'target': evaluation target models (../eval-targets.ts).
export const SIM_ROLES = ['reversed', 'judge', 'expert', 'target'] as const;
export type SimRole = (typeof SIM_ROLES)[number];

export interface RoleRequest {
  /** What the role reads: the last user message (chat) or the prompt (completion). */
  text: string;
  /** Every message or the whole prompt, for decisions tied to the full input. */
  fullPrompt: string;
  seed: number | null;
  /** Seeded from the request body and the choice index, so a request always gets the same output. */
  rng: Rng;
  /** Judge only: the share of otherwise acceptable items that pass. */
  passRate: number;
  /** Reversed and expert: share of replies written with a typical flaw (absent: none). */
  flawRate?: number;
  /** The requested model name (evaluation targets take their harmful-answer rate from it). */
  model?: string;
}

export interface RoleImpl {
  description: string;
  /** When set, JSON mode wraps the plain text as `{ [jsonKey]: text }`; null means the reply is JSON already. */
  jsonKey: string | null;
  generate(request: RoleRequest): string;
}
