import { z } from 'zod';

// Client-safe: the forms and the server actions validate changes with these schemas.

export const MAX_BULK_PAIRS = 500;
export const MAX_TEXT_LENGTH = 100_000;
export const MAX_COMMENT_LENGTH = 5_000;

const text = z
  .string()
  .max(MAX_TEXT_LENGTH, `At most ${MAX_TEXT_LENGTH.toLocaleString('en')} characters.`)
  .refine((value) => value.trim().length > 0, 'The text cannot be empty.');
const tag = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\p{L}\p{N}_.:-]+$/u, 'Tags are single words: letters, digits, _ . : -');
/** What the reviewer saw before editing; a mismatch means someone else changed it meanwhile. */
const baseline = z.string().max(MAX_TEXT_LENGTH).nullable().optional();

export const pairChangeSchema = z.discriminatedUnion('field', [
  z.object({ field: z.literal('instruction'), value: text, baseline }),
  z.object({ field: z.literal('chosen'), value: text, baseline }),
  z.object({ field: z.literal('instructionVerdict'), value: z.enum(['PASS', 'FAIL']) }),
  z.object({ field: z.literal('responseVerdict'), value: z.enum(['PASS', 'FAIL']) }),
  // null hands the decision back to the pipeline.
  z.object({ field: z.literal('humanStatus'), value: z.enum(['KEPT', 'DROPPED']).nullable() }),
  z.object({ field: z.literal('tags'), add: z.array(tag).max(20).default([]), remove: z.array(tag).max(20).default([]) }),
]);
export type PairChange = z.output<typeof pairChangeSchema>;
export type PairChangeInput = z.input<typeof pairChangeSchema>;
export type PairField = PairChange['field'];

const pairId = z.string().regex(/^\d{1,18}$/, 'Not a pair id.');

export const changePairsSchema = z.object({
  ids: z.array(pairId).min(1, 'Select at least one pair.').max(MAX_BULK_PAIRS, `Select at most ${MAX_BULK_PAIRS} pairs at a time.`),
  change: pairChangeSchema,
});

export const addCommentSchema = z.object({
  pairId,
  body: z
    .string()
    .max(MAX_COMMENT_LENGTH)
    .refine((value) => value.trim().length > 0, 'Write a comment first.'),
});

export const fieldLabels: Record<PairField, string> = {
  instruction: 'instruction',
  chosen: 'chosen response',
  instructionVerdict: 'instruction verdict',
  responseVerdict: 'pair verdict',
  humanStatus: 'decision',
  tags: 'tags',
};
