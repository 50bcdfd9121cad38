import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const corpusPath = path.join(process.cwd(), 'lib/importers/sample-corpus/sample-corpus.jsonl');
const rowSchema = z.strictObject({ id: z.string().regex(/^sample-\d{3}$/), topic: z.enum(['hate', 'self-harm', 'illegal', 'nsfw']), text: z.string().min(10).max(400) });

describe('sample corpus', () => {
  it('has about 25 short texts per topic with unique ids', async () => {
    const raw = await readFile(corpusPath, 'utf8');
    const lines = raw.split('\n').filter((line) => line !== '');
    const rows = lines.map((line, index) => {
      const parsed = rowSchema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`line ${index + 1}: ${parsed.error.message}`);
      return parsed.data;
    });
    expect(rows).toHaveLength(100);
    expect(new Set(rows.map((row) => row.id)).size).toBe(100);
    const perTopic = new Map<string, number>();
    for (const row of rows) perTopic.set(row.topic, (perTopic.get(row.topic) ?? 0) + 1);
    expect(Object.fromEntries(perTopic)).toEqual({ hate: 25, 'self-harm': 25, illegal: 25, nsfw: 25 });
    // Every line is canonical compact JSON, so the file round-trips byte for byte.
    expect(rows.map((row) => JSON.stringify(row)).join('\n') + '\n').toBe(raw);
  });

  it('includes the unicode cases the round-trip tests rely on', async () => {
    const texts = (await readFile(corpusPath, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { text: string }).text);
    expect(texts.some((text) => /\p{Extended_Pictographic}/u.test(text))).toBe(true);
    expect(texts.some((text) => text.includes('\u200d'))).toBe(true);
    expect(texts.some((text) => /[\u0590-\u05ff\u0600-\u06ff]/.test(text))).toBe(true);
    expect(texts.filter((text) => text.includes('\n')).length).toBeGreaterThanOrEqual(3);
    expect(texts.some((text) => text.includes('\t'))).toBe(true);
    expect(texts.some((text) => text.normalize('NFC') !== text)).toBe(true);
    expect(texts.some((text) => text.includes('"'))).toBe(true);
  });
});
