import { createRequire } from 'node:module';

import { describe, expect, it } from 'vitest';

import { renderDatasetCard, sizeCategory, type CardInput } from '@/lib/exporters/card';
import { createSeededRandom } from '@/lib/exporters/selection';

// js-yaml is the YAML reader already in node_modules (through eslint); it has no bundled types.
const requireFromHere = createRequire(import.meta.url);
const yaml = requireFromHere('js-yaml') as { load(text: string): unknown };

type FrontMatter = {
  license: string;
  license_name?: string;
  license_link?: string;
  extra_gated_prompt?: string;
  extra_gated_fields?: Record<string, string>;
  language: string[];
  pretty_name: string;
  size_categories: string[];
  task_categories: string[];
  tags: string[];
  configs: { config_name: string; default?: boolean; data_files: { split: string; path: string }[] }[];
  dataset_info: {
    config_name: string;
    features: unknown[];
    splits: { name: string; num_bytes?: number; num_examples: number }[];
    download_size: number;
    dataset_size?: number;
  }[];
};

function parseCard(card: string): { meta: FrontMatter; body: string } {
  const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(card);
  if (!match) throw new Error('card has no YAML front matter');
  return { meta: yaml.load(match[1]) as FrontMatter, body: match[2] };
}

/** Card inputs with counts drawn from a seed, so no expected number can be a constant. */
function makeCardInput(seed: string, overrides: Partial<CardInput> = {}): CardInput {
  const random = createSeededRandom(seed);
  const count = (max: number): number => 1 + Math.floor(random() * max);
  const trainPairs = count(40_000);
  const testPairs = count(5_000);
  return {
    prettyName: `Safety pairs ${seed}`,
    license: 'cc-by-nc-4.0',
    language: ['en', 'de'],
    configs: [
      {
        format: 'trl-conversational',
        splits: [
          { split: 'train', path: 'trl-conversational/train.jsonl', numExamples: trainPairs, numBytes: count(9e6) },
          { split: 'test', path: 'trl-conversational/test.jsonl', numExamples: testPairs, numBytes: count(9e5) },
        ],
      },
      {
        format: 'alpaca',
        splits: [
          { split: 'train', path: 'alpaca/train.jsonl', numExamples: trainPairs + count(100), numBytes: count(9e6) },
          { split: 'test', path: 'alpaca/test.jsonl', numExamples: 0, numBytes: 0 },
        ],
      },
    ],
    topics: [
      { topic: 'hate', perSplit: { train: count(1000), test: count(100) } },
      { topic: null, perSplit: { train: count(1000) } },
    ],
    sources: [{ kind: 'dataset', id: 'ds-1', name: 'Reddit | toxic', rows: count(9999), description: 'scraped\ncomments' }],
    curation: {
      recipeName: 'safer-instruct',
      recipeVersion: `v${count(9)}`,
      steps: ['induce instruction', 'filter instruction'],
      models: [{ role: 'expert', model: 'gpt-4-0613' }],
      prompts: [{ name: 'induction', version: `${count(9)}` }],
      parameters: { temperature: 0.7 },
    },
    split: { method: 'hash', seed, trainRatio: 0.9, stratifiedByTopic: false },
    incompletePairs: count(50),
    annotation: {
      humanEdited: count(30),
      audit: {
        audited: 385,
        accepted: 360,
        rejected: 25,
        precision: { estimate: 360 / 385, low: 0.908, high: 0.956, level: 0.95 },
        agreement: [{ measure: "Cohen's κ", between: 'reviewer A / reviewer B', value: 0.8123, items: 120 }],
      },
    },
    simulated: { rows: 0, totalRows: trainPairs + testPairs },
    ...overrides,
  };
}

describe('sizeCategory', () => {
  it('buckets counts the way the Hub does', () => {
    expect(sizeCategory(0)).toBe('n<1K');
    expect(sizeCategory(999)).toBe('n<1K');
    expect(sizeCategory(1000)).toBe('1K<n<10K');
    expect(sizeCategory(10_254)).toBe('10K<n<100K');
    expect(sizeCategory(1_000_000)).toBe('1M<n<10M');
    expect(sizeCategory(2e12)).toBe('n>1T');
  });
});

describe('renderDatasetCard', () => {
  it.each(['seed-a', 'seed-b'])('front matter numbers come from the input (%s)', (seed) => {
    const input = makeCardInput(seed);
    const { meta } = parseCard(renderDatasetCard(input));
    expect(meta.license).toBe('cc-by-nc-4.0');
    expect(meta.language).toEqual(['en', 'de']);
    expect(meta.pretty_name).toBe(input.prettyName);
    expect(meta.task_categories).toEqual(['text-generation']);
    const largest = Math.max(
      ...input.configs.map((config) => config.splits.reduce((sum, file) => sum + file.numExamples, 0)),
    );
    expect(meta.size_categories).toEqual([sizeCategory(largest)]);

    const [conversational, alpaca] = input.configs;
    expect(meta.configs).toEqual([
      {
        config_name: 'trl-conversational',
        default: true,
        data_files: conversational.splits.map((file) => ({ split: file.split, path: file.path })),
      },
      // The empty test split of alpaca is left out: `datasets` cannot load an empty file.
      { config_name: 'alpaca', data_files: [{ split: 'train', path: alpaca.splits[0].path }] },
    ]);
    // num_bytes / dataset_size are in-memory sizes to `datasets`: not written. download_size is the files' bytes.
    expect(meta.dataset_info[0].splits).toEqual(
      conversational.splits.map((file) => ({ name: file.split, num_examples: file.numExamples })),
    );
    expect(meta.dataset_info[0].dataset_size).toBeUndefined();
    expect(meta.dataset_info[0].download_size).toBe(conversational.splits[0].numBytes + conversational.splits[1].numBytes);
    expect(meta.dataset_info[0].features).toContainEqual({
      name: 'prompt',
      list: [
        { name: 'content', dtype: 'string' },
        { name: 'role', dtype: 'string' },
      ],
    });
    expect(meta.dataset_info[1].splits).toEqual([{ name: 'train', num_examples: alpaca.splits[0].numExamples }]);
  });

  it('a custom license carries its id and link; gated access asks who wants the data and why', () => {
    const access = { licenseName: 'harm-research-1.0', licenseLink: 'https://example.org/license', gated: true };
    const { meta } = parseCard(renderDatasetCard(makeCardInput('lic', { license: 'other', access })));
    expect(meta).toMatchObject({ license: 'other', license_name: 'harm-research-1.0', license_link: 'https://example.org/license' });
    expect(meta.extra_gated_prompt).toMatch(/harmful text/);
    expect(Object.keys(meta.extra_gated_fields ?? {})).toEqual(expect.arrayContaining(['Name', 'Affiliation', 'Intended use']));
    expect(Object.values(meta.extra_gated_fields ?? {})).toContain('checkbox');

    const open = parseCard(renderDatasetCard(makeCardInput('open', { access: { ...access, gated: false } }))).meta;
    expect(open.license_name).toBeUndefined();
    expect(open.extra_gated_prompt).toBeUndefined();
  });

  it('shows how to load every config, and the JSONL/CSV files beside the Parquet ones', () => {
    const input = makeCardInput('load', {
      configs: [
        {
          format: 'trl-standard',
          splits: [{ split: 'train', path: 'trl-standard/train.parquet', numExamples: 5, numBytes: 900 }],
          extraFiles: [{ split: 'train', path: 'trl-standard/train.jsonl', numExamples: 5, numBytes: 800 }],
        },
        {
          format: 'csv',
          splits: [{ split: 'train', path: 'csv/train.parquet', numExamples: 7, numBytes: 1200 }],
          extraFiles: [{ split: 'train', path: 'csv/train.csv', numExamples: 7, numBytes: 1000 }],
        },
      ],
      formatOptions: { trlPromptTemplate: 'hh', csvSpreadsheetSafe: true, csvBom: false },
    });
    const { meta, body } = parseCard(renderDatasetCard(input));
    expect(meta.configs.flatMap((config) => config.data_files.map((file) => file.path))).toEqual(['trl-standard/train.parquet', 'csv/train.parquet']);
    expect(body).toContain('trl_standard = load_dataset(folder, "trl-standard")');
    expect(body).toContain('csv = load_dataset(folder, "csv")');
    expect(body).toContain('load_dataset("json", data_files={"train": f"{folder}/trl-standard/train.jsonl"})');
    expect(body).toContain('load_dataset("csv", data_files={"train": f"{folder}/csv/train.csv"}, keep_default_na=False, na_values=[""])');
    expect(body).toContain('| trl-standard | train | `trl-standard/train.jsonl` | 5 | 800 |');
    expect(body).toMatch(/prompt template: HH/);
    expect(body).toContain('use the **trl-conversational** config');
    expect(body).toContain('*safe for spreadsheets*');
    expect(body).toContain('keep_default_na=False');

    const exact = parseCard(renderDatasetCard({ ...input, formatOptions: { trlPromptTemplate: 'none', csvSpreadsheetSafe: false, csvBom: true } })).body;
    expect(exact).toMatch(/prompt template: none/);
    expect(exact).toContain('the instruction followed directly by the answer');
    expect(exact).toContain('exactly as stored (not neutralised for spreadsheets)');
    expect(exact).toContain('byte order mark (for spreadsheet programs)');
  });

  it('the body carries topic counts, sources, curation, audit and agreement figures from the input', () => {
    const input = makeCardInput('body');
    const { body } = parseCard(renderDatasetCard(input));
    const hate = input.topics[0].perSplit;
    expect(body).toContain(`| hate | ${hate.train} | ${hate.test} | ${(hate.train ?? 0) + (hate.test ?? 0)} |`);
    expect(body).toContain(`| dataset | Reddit \\| toxic | ds-1 | ${input.sources[0].rows} | scraped comments |`);
    expect(body).toContain(`version \`${input.curation.recipeVersion}\``);
    expect(body).toContain('| expert | gpt-4-0613 |');
    expect(body).toContain('1. induce instruction');
    expect(body).toContain(`${input.annotation.humanEdited} pair(s) were edited`);
    expect(body).toContain('reviewed 385 exported pair(s): 360 accepted, 25 rejected (93.5% of audited pairs accepted)');
    expect(body).toContain('Estimated precision: 93.5% (95.0% interval 90.8%–95.6%)');
    expect(body).toContain("| Cohen's κ | reviewer A / reviewer B | 0.812 | 120 |");
    expect(body).toContain(`${input.incompletePairs} selected row(s) lack a chosen or a rejected response`);
    expect(body).toContain('seed `body`');
  });

  it('always warns about harmful content and dual use, and cites Safer-Instruct', () => {
    const { body } = parseCard(renderDatasetCard(makeCardInput('warn')));
    expect(body).toMatch(/Content warning:\*\* .*offensive/);
    expect(body).toMatch(/Dual-use warning/);
    expect(body).toContain('## Citation');
    expect(body).toMatch(/author\s*=\s*\{Shi, Taiwei and Chen, Kai and Zhao, Jieyu\}/);
    expect(body).toContain('eprint    = {2311.08685}');
    expect(body).toContain('North American Chapter of the Association for Computational Linguistics');
    expect(body).toContain('year      = {2024}');
  });

  it('adds the simulated-data notice and tags only when something was simulated', () => {
    const real = parseCard(renderDatasetCard(makeCardInput('real')));
    expect(real.body).not.toContain('## Simulated data');
    expect(real.meta.tags).not.toContain('simulated');

    const input = makeCardInput('sim', { simulated: { rows: 17, totalRows: 400 } });
    const simulated = parseCard(renderDatasetCard(input));
    expect(simulated.body).toContain('## Simulated data');
    expect(simulated.body).toContain('17 of 400 pair(s) were produced by a simulated');
    expect(simulated.meta.tags).toContain('simulated');
  });

  it('says so when there is no audit', () => {
    const input = makeCardInput('noaudit', { annotation: { humanEdited: 0 } });
    expect(renderDatasetCard(input)).toContain('No human spot-check audit covers the exported pairs.');
  });

  it('quotes YAML values that would otherwise change meaning', () => {
    const input = makeCardInput('yaml', { prettyName: 'no', license: 'other', language: ['yes', 'on'] });
    const { meta } = parseCard(renderDatasetCard(input));
    expect(meta.pretty_name).toBe('no');
    expect(meta.language).toEqual(['yes', 'on']);
    const tricky = parseCard(renderDatasetCard(makeCardInput('yaml2', { prettyName: 'a: "b" # c\nd' })));
    expect(tricky.meta.pretty_name).toBe('a: "b" # c\nd');
  });
});
