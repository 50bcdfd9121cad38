import { describe, expect, it } from 'vitest';
import { EXPERT_REPLIES, EXPERT_TOPICS, detectExpertTopic, expertRole } from '@/lib/llm/simulator/roles/expert';
import { judgeItem, REFUSAL_CUES } from '@/lib/llm/simulator/roles/judge';
import { reversedRole } from '@/lib/llm/simulator/roles/reversed';
import { mulberry32, rngFromText } from '@/lib/llm/simulator/random';
import { extractKeywords, extractResponseBlock, parseLabelledSections } from '@/lib/llm/simulator/text';
import { resolveRole } from '@/lib/llm/simulator/roles';

const judge = (text: string, seed: number | null = null, passRate = 0.85) => judgeItem({ text, fullPrompt: text, seed, passRate });

describe('text helpers', () => {
  it('takes the last ### Response: block of a few-shot template', () => {
    const prompt =
      '### Response:\nfirst example\n### Instruction:\nSay an example\n\n### response:\n  the target text  \n### Instruction:\n';
    expect(extractResponseBlock(prompt)).toBe('the target text');
    expect(extractResponseBlock('no template here')).toBeNull();
  });

  it('ranks key words by frequency and skips stop words', () => {
    expect(extractKeywords('The garden has tomatoes; tomatoes need water and the garden needs sun. Tomatoes!')).toEqual([
      'tomatoes',
      'garden',
      'need',
    ]);
  });

  it('parses header, colon and XML sections, the last occurrence winning', () => {
    const text =
      'Judge this.\nInstruction: old example\n### Instruction\nNew instruction here\nspanning two lines\n' +
      '**Chosen response:** I cannot help.\nRejected: bad text\nInstructions without a colon stay text';
    expect(parseLabelledSections(text)).toEqual({
      instruction: 'New instruction here\nspanning two lines',
      chosen: 'I cannot help.',
      rejected: 'bad text\nInstructions without a colon stay text',
    });
    expect(parseLabelledSections('<instruction>Do X</instruction> <preferred>ok</preferred>')).toEqual({ instruction: 'Do X', chosen: 'ok' });
  });
});

describe('model name resolution', () => {
  it('maps names containing a role word to that role', () => {
    expect(resolveRole('sim-reversed')).toBe('reversed');
    expect(resolveRole('Llama-7B-Reversed')).toBe('reversed');
    expect(resolveRole('gpt4-judge')).toBe('judge');
    expect(resolveRole('expert-1')).toBe('expert');
    expect(resolveRole('gpt-4o')).toBeNull();
  });
});

describe('reversed role', () => {
  const texts = Array.from({ length: 40 }, (_, i) => `Sample number ${i}: volcanoes erupt because magma pressure builds under volcanoes; item ${i * 7}.`);

  it('writes varied instructions that mention the gist', () => {
    const outputs = texts.map((text) => reversedRole.generate({ text, fullPrompt: text, seed: null, rng: rngFromText(text), passRate: 1 }));
    for (const out of outputs) {
      expect(out.toLowerCase()).toContain('volcanoes');
      expect(out.split(/\s+/).length).toBeGreaterThanOrEqual(4);
    }
    const openings = new Set(outputs.map((o) => o.split(' ').slice(0, 2).join(' ')));
    expect(openings.size).toBeGreaterThanOrEqual(5);
  });

  it('passes its own output through the judge rules (at least 4 words, shares key words)', () => {
    const text = 'Gambling debts ruined my brother; the gambling started with online poker and debts grew.';
    for (let seed = 0; seed < 20; seed += 1) {
      const instruction = reversedRole.generate({ text, fullPrompt: text, seed, rng: mulberry32(seed), passRate: 1 });
      expect(judge(`Instruction: ${instruction}\nResponse: ${text}`, null, 1)).toEqual(expect.objectContaining({ verdict: 'pass' }));
    }
  });
});

describe('judge role', () => {
  it('fails empty and short instructions', () => {
    expect(judge('Instruction:\nResponse: something')).toEqual({ verdict: 'fail', reason: 'instruction is empty (rule: empty)' });
    expect(judge('Instruction: Tell me more').reason).toMatch(/too short \(3 words/);
    expect(judge('hi there').verdict).toBe('fail');
  });

  it('fails an instruction that shares no key words with its response', () => {
    const verdict = judge('Instruction: Please tell me a funny joke about penguins.\nResponse: Volcanoes erupt when magma pressure builds; magma rises through volcanoes.', null, 1);
    expect(verdict).toEqual({ verdict: 'fail', reason: 'instruction does not match the text (no shared key words) (rule: off-topic)' });
  });

  it('fails chosen answers that copy the rejected text or lack a refusal', () => {
    const rejected = 'Here is exactly how you pick the lock on the back door.';
    expect(judge(`Instruction: How do I break into my neighbour's house?\nChosen: Sure. ${rejected}\nRejected: ${rejected}`, null, 1).reason).toBe(
      'chosen answer repeats the rejected text (rule: copy)',
    );
    expect(judge(`Instruction: How do I break into my neighbour's house?\nChosen: Use a crowbar on the window.\nRejected: ${rejected}`, null, 1).reason).toBe(
      'chosen answer has no refusal or redirection (rule: no-refusal)',
    );
    expect(judge(`Instruction: How do I break into my neighbour's house?\nChosen: \nRejected: ${rejected}`, null, 1).reason).toBe('chosen answer is empty (rule: empty)');
    expect(
      judge(`<instruction>How do I break into my neighbour's house?</instruction><chosen>I can't help with that.</chosen><rejected>${rejected}</rejected>`, null, 1)
        .verdict,
    ).toBe('pass');
  });

  it('passes acceptable items at about passRate, deterministically per prompt and seed', () => {
    const items = Array.from({ length: 400 }, (_, i) => `Instruction: Explain how bread dough rises, example ${i}.`);
    const passes = items.filter((text) => judge(text, 5).verdict === 'pass').length;
    expect(passes / items.length).toBeGreaterThan(0.78);
    expect(passes / items.length).toBeLessThan(0.92);
    expect(items.map((t) => judge(t, 5).verdict)).toEqual(items.map((t) => judge(t, 5).verdict));
    expect(items.filter((t) => judge(t, 5, 0).verdict === 'pass')).toHaveLength(0);
    const changedBySeed = items.filter((t) => judge(t, 5).verdict !== judge(t, 6).verdict).length;
    expect(changedBySeed).toBeGreaterThan(0);
  });
});

describe('expert role', () => {
  it('detects topics from key words, self-harm first', () => {
    expect(detectExpertTopic('I want to kill myself')).toBe('selfHarm');
    expect(detectExpertTopic('Write a racist joke about immigrants')).toBe('hate');
    expect(detectExpertTopic('How do I launder money and avoid fraud checks?')).toBe('illegal');
    expect(detectExpertTopic('Write an explicit erotic story')).toBe('nsfw');
    expect(detectExpertTopic('Whatever, tell me about the begun project')).toBe('generic');
  });

  it('gives crisis resources for self-harm', () => {
    const out = expertRole.generate({ text: 'How many pills for an overdose', fullPrompt: '', seed: null, rng: mulberry32(1), passRate: 1 });
    expect(out).toContain('988');
    expect(out).toMatch(/crisis line/);
  });

  it('always writes something the judge takes as a refusal or redirection', () => {
    for (const topic of EXPERT_TOPICS) {
      const { openers, bodies, closers } = EXPERT_REPLIES[topic];
      for (const opener of openers) for (const body of bodies) for (const closer of closers) {
        expect(REFUSAL_CUES.test(`${opener} ${body} ${closer}`), `${topic}: ${opener}`).toBe(true);
      }
    }
  });

  it('varies its wording deterministically', () => {
    const outputs = Array.from({ length: 12 }, (_, seed) =>
      expertRole.generate({ text: 'how to shoplift', fullPrompt: '', seed, rng: mulberry32(seed), passRate: 1 }),
    );
    expect(new Set(outputs).size).toBeGreaterThan(2);
    expect(expertRole.generate({ text: 'how to shoplift', fullPrompt: '', seed: 3, rng: mulberry32(3), passRate: 1 })).toBe(outputs[3]);
  });
});
