/**
 * The structured prompt of an imported pair (a system message, several turns), kept beside the
 * flat `instruction` text so that chat exports can emit real turns instead of one
 * "System: …\n\nUser: …" text. Invariant: the messages describe the prompt only while
 * `Pair.instruction` still equals the text they were stored with; a human edit of the
 * instruction wins, and exports then fall back to the single-turn form.
 */
import { z } from 'zod';

export const PROMPT_ROLES = ['system', 'user', 'assistant'] as const;
export type PromptRole = (typeof PROMPT_ROLES)[number];
export type PromptMessage = { role: PromptRole; content: string };

export const promptMessageSchema = z.object({ role: z.enum(PROMPT_ROLES), content: z.string() }).strict();

/** What `Pair.promptMessages` holds. */
export const storedPromptSchema = z
  .object({ instruction: z.string(), messages: z.array(promptMessageSchema).min(1) })
  .strict();
export type StoredPrompt = z.output<typeof storedPromptSchema>;

/**
 * The messages worth storing for a prompt, or null when the flat instruction already says it all
 * (a lone user message) or the conversation has a shape the chat formats cannot carry: roles other
 * than system/user/assistant, a system message that is not the first message, or no final user turn.
 */
export function structuredPrompt(messages: readonly { role: string; content: string }[]): PromptMessage[] | null {
  if (messages.length < 2) return null;
  const result: PromptMessage[] = [];
  for (const message of messages) {
    const role = PROMPT_ROLES.find((candidate) => candidate === message.role);
    if (role === undefined) return null;
    // One system message, first: HH-RLHF and most chat templates have room for no other.
    if (role === 'system' && result.length > 0) return null;
    result.push({ role, content: message.content });
  }
  return result[result.length - 1].role === 'user' ? result : null;
}

/** The stored prompt's messages when they still describe `instruction`, else null (see the invariant above). */
export function promptMessagesFor(instruction: string, stored: unknown): PromptMessage[] | null {
  if (stored === null || stored === undefined) return null;
  const parsed = storedPromptSchema.safeParse(stored);
  if (!parsed.success || parsed.data.instruction !== instruction) return null;
  return parsed.data.messages;
}
