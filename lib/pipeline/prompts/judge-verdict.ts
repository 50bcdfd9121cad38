/**
 * Parsing of judge replies (`{"verdict":"pass"|"fail","reason":"…"}`). Models wrap JSON in code
 * fences, add a sentence around it, capitalise keys, or answer "PASS"/"yes"/"keep"; rejecting those
 * would turn formatting noise into dropped data, so parsing is tolerant about wrapping, key case and
 * synonyms and strict about meaning: anything that is not clearly pass or fail is an error, never a
 * guess. Finding the JSON in the reply is `parseJsonReply`'s job (lib/llm/json.ts); this module
 * only says what a verdict is.
 */
import { z } from 'zod';
import { parseJsonReply } from '@/lib/llm/json';

export const judgeVerdictSchema = z.object({
  verdict: z.enum(['pass', 'fail']),
  reason: z.string(),
});
export type JudgeVerdict = z.infer<typeof judgeVerdictSchema>;
type Verdict = JudgeVerdict['verdict'];

export type JudgeVerdictParseResult = { ok: true; value: JudgeVerdict } | { ok: false; error: string };

const verdictSynonyms: Record<Verdict, readonly string[]> = {
  pass: ['pass', 'passed', 'passes', 'yes', 'y', 'keep', 'kept', 'accept', 'accepted', 'approve', 'approved', 'ok', 'good', 'valid', 'true'],
  fail: ['fail', 'failed', 'fails', 'no', 'n', 'drop', 'dropped', 'reject', 'rejected', 'discard', 'bad', 'invalid', 'false'],
};

const verdictBySynonym = new Map<string, Verdict>(
  (Object.keys(verdictSynonyms) as Verdict[]).flatMap((verdict) => verdictSynonyms[verdict].map((word) => [word, verdict] as const)),
);

function lowerCaseKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key.trim().toLowerCase(), field]));
}

const tolerantVerdict = z
  .union([z.string(), z.boolean()], {
    error: (issue) => (issue.input === undefined ? 'the reply has no "verdict" field' : '"verdict" must be "pass" or "fail"'),
  })
  .transform((raw, ctx): Verdict => {
  const verdict = verdictBySynonym.get(String(raw).trim().toLowerCase());
  if (verdict === undefined) {
    ctx.addIssue({ code: 'custom', message: `"verdict" must be "pass" or "fail", got ${JSON.stringify(raw)}` });
    return z.NEVER;
  }
  return verdict;
});

/**
 * The judge reply as the model may write it → a clean `JudgeVerdict`. Keys are case-insensitive,
 * verdict synonyms are mapped (PASS, yes, keep, true → pass; FAIL, no, drop, reject, false → fail),
 * a missing reason becomes "". Usable directly with `callLlmJson` (JSON mode + one repair round).
 */
export const judgeReplySchema: z.ZodType<JudgeVerdict> = z.preprocess(
  lowerCaseKeys,
  z.object({
    verdict: tolerantVerdict,
    reason: z
      .union([z.string(), z.number()])
      .optional()
      .transform((reason) => (reason === undefined ? '' : String(reason))),
  }),
);

/**
 * Reads a judge reply: plain JSON, JSON in a code fence, or JSON inside prose (see
 * `parseJsonReply`), validated with `judgeReplySchema`. Otherwise `{ ok: false, error }` with a
 * message to store with the item.
 */
export function parseJudgeVerdict(text: string): JudgeVerdictParseResult {
  return parseJsonReply(text, judgeReplySchema);
}
