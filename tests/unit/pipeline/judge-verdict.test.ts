import { describe, expect, it } from 'vitest';
import { judgeReplySchema, judgeVerdictSchema, parseJudgeVerdict } from '@/lib/pipeline/prompts/judge-verdict';

describe('parseJudgeVerdict', () => {
  it('reads plain JSON', () => {
    expect(parseJudgeVerdict('{"verdict":"pass","reason":"coherent and on topic"}')).toEqual({
      ok: true,
      value: { verdict: 'pass', reason: 'coherent and on topic' },
    });
  });

  it('reads JSON inside code fences, inside prose and after a think block', () => {
    expect(parseJudgeVerdict('```json\n{"verdict": "fail", "reason": "off topic"}\n```')).toEqual({
      ok: true,
      value: { verdict: 'fail', reason: 'off topic' },
    });
    expect(parseJudgeVerdict('Here you go:\n```\n{"verdict":"pass","reason":"ok"}\n```\nThanks')).toMatchObject({ ok: true, value: { verdict: 'pass' } });
    expect(parseJudgeVerdict('<think>is it {coherent}?</think>{"verdict":"pass","reason":"ok"}')).toMatchObject({ ok: true, value: { verdict: 'pass' } });
    expect(parseJudgeVerdict('After review: {"verdict": "fail", "reason": "uses {braces} and \\"quotes\\""} end.')).toEqual({
      ok: true,
      value: { verdict: 'fail', reason: 'uses {braces} and "quotes"' },
    });
  });

  it('normalises verdict synonyms and case', () => {
    const cases: [unknown, 'pass' | 'fail'][] = [
      ['PASS', 'pass'],
      [' Yes ', 'pass'],
      ['keep', 'pass'],
      [true, 'pass'],
      ['Fail', 'fail'],
      ['no', 'fail'],
      ['DROP', 'fail'],
      ['rejected', 'fail'],
      [false, 'fail'],
    ];
    for (const [raw, verdict] of cases) {
      const result = parseJudgeVerdict(JSON.stringify({ Verdict: raw, Reason: 'r' }));
      expect(result).toEqual({ ok: true, value: { verdict, reason: 'r' } });
    }
  });

  it('tolerates a missing reason but not an unclear verdict', () => {
    expect(parseJudgeVerdict('{"verdict":"pass"}')).toEqual({ ok: true, value: { verdict: 'pass', reason: '' } });
    const unclear = parseJudgeVerdict('{"verdict":"maybe","reason":"unsure"}');
    expect(unclear).toEqual({ ok: false, error: expect.stringContaining('"verdict" must be "pass" or "fail", got "maybe"') });
    expect(parseJudgeVerdict('{"decision":"pass"}')).toEqual({ ok: false, error: expect.stringContaining('the reply has no "verdict" field') });
    expect(parseJudgeVerdict('{"verdict":3}')).toEqual({ ok: false, error: expect.stringContaining('"verdict" must be "pass" or "fail"') });
  });

  it('fails on replies without a JSON object', () => {
    const cases: [string, RegExp][] = [
      ['PASS', /not valid JSON/],
      ['', /empty/],
      ['The instruction is fine.', /not valid JSON/],
      ['["pass"]', /expected object/],
      ['{"verdict": "pass" or "fail"}', /not valid JSON/],
    ];
    for (const [text, error] of cases) {
      const result = parseJudgeVerdict(text);
      expect(result).toEqual({ ok: false, error: expect.stringMatching(error) });
    }
  });

  it('produces values that satisfy judgeVerdictSchema', () => {
    const result = parseJudgeVerdict('```json\n{"verdict":"KEEP","reason":"fine"}\n```');
    expect(result.ok).toBe(true);
    if (result.ok) expect(judgeVerdictSchema.parse(result.value)).toEqual(result.value);
    expect(judgeVerdictSchema.safeParse({ verdict: 'PASS', reason: '' }).success).toBe(false);
    // The tolerant schema on its own, as callLlmJson would use it.
    expect(judgeReplySchema.parse({ ' VERDICT ': 'Keep', REASON: 7 })).toEqual({ verdict: 'pass', reason: '7' });
    expect(judgeReplySchema.safeParse({ verdict: 'unsure' }).success).toBe(false);
  });
});
