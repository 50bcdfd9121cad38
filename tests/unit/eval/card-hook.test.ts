import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExport } from '@/lib/exporters/runExport';
import { exportCardSchema } from '@/lib/exporters/request';
import { makeRows, makeTempDir } from '../exporters/rows';

describe("an export's dataset card with an evaluation's results", () => {
  it('accepts an evaluation id in the card request', () => {
    expect(exportCardSchema.parse({ evaluationId: 'eval-1' }).evaluationId).toBe('eval-1');
    expect(exportCardSchema.parse({}).evaluationId).toBeUndefined();
  });

  it('appends the extra sections after the card', async () => {
    const dir = await makeTempDir();
    const section = '## Evaluation: demo\n\nB is more harmless than A on this set: 90.0% vs 50.0% (p = 0.008).\n';
    const result = await runExport(
      (async function* () {
        yield* makeRows(10);
      })(),
      {
        formats: ['alpaca'],
        split: { kind: 'none' },
        dedupInstructions: false,
        recipe: { name: 'r', version: '1', prompts: [], models: [], parameters: {} },
        card: { prettyName: 'Card test', license: 'cc-by-nc-4.0', language: ['en'], extraSections: [section] },
        appVersion: 'test',
        selection: {},
        bundle: false,
      },
      dir,
    );
    const cardFile = result.files.find((file) => file.name === 'README.md');
    expect(cardFile).toBeDefined();
    const card = await readFile(path.join(dir, 'README.md'), 'utf8');
    expect(card.endsWith(section)).toBe(true);
    expect(card.indexOf('## Evaluation: demo')).toBeGreaterThan(card.indexOf('Card test'));
  });
});
