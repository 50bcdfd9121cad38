import type { CardAudit } from '@/lib/audit/report-types';
import { TRL_TEMPLATES } from './prompt';
import { exporters } from './registry';
import { DEFAULT_FORMAT_OPTIONS, type CardFeature, type ExportFormat, type FormatOptions, type SourceKind, type SplitName } from './types';
import { toYaml, type YamlValue } from './yaml';

export type CardSplitFile = {
  split: SplitName;
  /** Path inside the dataset repository / bundle, e.g. `trl-standard/train.jsonl`. */
  path: string;
  numExamples: number;
  numBytes: number;
};

/**
 * One config per format. `splits` are Parquet files (every config of a card must be readable by
 * the one builder `datasets` picks); `extraFiles` hold the format's own files (JSONL, CSV), which
 * the card documents with their loading snippet instead.
 */
export type CardConfig = { format: ExportFormat; splits: readonly CardSplitFile[]; extraFiles?: readonly CardSplitFile[] };

/** License id/link (needed with license `other`) and whether the Hub gates access. */
export type CardAccess = { licenseName: string | null; licenseLink: string | null; gated: boolean };

export type CardTopic = { topic: string | null; perSplit: Partial<Record<SplitName, number>> };

export type CardSource = { kind: SourceKind; id: string; name: string; rows: number; description?: string };

export type CardModel = { role: string; model: string };
/** `provenance`: whether the text is the authors' verbatim prompt, a reconstruction, this app's own or user-written. */
export type CardPrompt = { name: string; version: string; provenance?: string };

export type CardCuration = {
  recipeName: string;
  recipeVersion: string;
  /** Free-text steps of the recipe, in order (e.g. the five Safer-Instruct stages as configured). */
  steps?: readonly string[];
  models: readonly CardModel[];
  prompts: readonly CardPrompt[];
  parameters?: Readonly<Record<string, string | number | boolean | null>>;
};

export type CardSplitMethod =
  | { method: 'none' }
  | { method: 'hash' | 'exact' | 'stratified'; seed: string; trainRatio: number; stratifiedByTopic: boolean };

// The audit part of the card is the audit report's shape, owned by lib/audit.
export type { CardAgreement, CardAudit, CardInterval } from '@/lib/audit/report-types';

export type CardInput = {
  prettyName: string;
  summary?: string;
  /** Hugging Face license id, e.g. `cc-by-nc-4.0` or `other`. */
  license: string;
  access?: CardAccess;
  /** What the format files were written with (TRL template, CSV choices); default: texts as stored. */
  formatOptions?: FormatOptions;
  language: readonly string[];
  /** One config per exported format; the first is the default config. */
  configs: readonly CardConfig[];
  topics: readonly CardTopic[];
  sources: readonly CardSource[];
  curation: CardCuration;
  split: CardSplitMethod;
  dedup?: { duplicatesRemoved: number };
  /** Rows that lacked a chosen or rejected response; pairwise formats leave them out. */
  incompletePairs: number;
  annotation: { humanEdited: number; audit?: CardAudit };
  simulated: { rows: number; totalRows: number };
};

const SAFER_INSTRUCT_BIBTEX = `@inproceedings{shi-etal-2024-safer,
  title     = {Safer-Instruct: Aligning Language Models with Automated Preference Data},
  author    = {Shi, Taiwei and Chen, Kai and Zhao, Jieyu},
  booktitle = {Proceedings of the 2024 Conference of the North American Chapter of the Association for Computational Linguistics: Human Language Technologies (Volume 1: Long Papers)},
  month     = jun,
  year      = {2024},
  address   = {Mexico City, Mexico},
  publisher = {Association for Computational Linguistics},
  pages     = {7629--7644},
  url       = {https://aclanthology.org/2024.naacl-long.422},
  eprint    = {2311.08685},
  archivePrefix = {arXiv}
}`;

const SIZE_CATEGORIES: readonly [number, string][] = [
  [1e3, 'n<1K'],
  [1e4, '1K<n<10K'],
  [1e5, '10K<n<100K'],
  [1e6, '100K<n<1M'],
  [1e7, '1M<n<10M'],
  [1e8, '10M<n<100M'],
  [1e9, '100M<n<1B'],
  [1e10, '1B<n<10B'],
  [1e11, '10B<n<100B'],
  [1e12, '100B<n<1T'],
];

/** The Hugging Face `size_categories` bucket for a number of examples. */
export function sizeCategory(examples: number): string {
  for (const [bound, label] of SIZE_CATEGORIES) if (examples < bound) return label;
  return 'n>1T';
}

const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

export function configExamples(config: CardConfig): number {
  return sum(config.splits.map((file) => file.numExamples));
}

/** Splits with no examples are left out of the metadata: `datasets` cannot build an empty data file. */
function nonEmptySplits(config: CardConfig): CardSplitFile[] {
  return config.splits.filter((file) => file.numExamples > 0);
}

function featureYaml(feature: CardFeature): YamlValue {
  if ('dtype' in feature) return { name: feature.name, dtype: feature.dtype };
  if ('list' in feature) return { name: feature.name, list: feature.list.map(featureYaml) };
  return { name: feature.name, struct: feature.struct.map(featureYaml) };
}

function frontMatter(input: CardInput): string {
  const configs = input.configs.filter((config) => nonEmptySplits(config).length > 0);
  const largest = Math.max(0, ...input.configs.map(configExamples));
  const tags = ['dpo', 'rlhf', 'preference', 'safety', 'safer-instruct', 'not-for-all-audiences'];
  if (input.simulated.rows > 0) tags.push('synthetic', 'simulated');
  const metadata: Record<string, YamlValue> = {
    license: input.license,
    ...licenseMetadata(input),
    language: [...input.language],
    pretty_name: input.prettyName,
    size_categories: [sizeCategory(largest)],
    task_categories: ['text-generation'],
    tags,
    configs: configs.map((config, index) => ({
      config_name: config.format,
      ...(index === 0 ? { default: true } : {}),
      data_files: nonEmptySplits(config).map((file) => ({ split: file.split, path: file.path })),
    })),
    // `num_bytes`/`dataset_size` mean in-memory (Arrow) sizes to `datasets`, which only it can
    // compute; they are left out. `download_size` is what it says: the bytes of the config's files.
    dataset_info: configs.map((config) => {
      const splits = nonEmptySplits(config);
      return {
        config_name: config.format,
        features: exporters[config.format].features.map(featureYaml),
        splits: splits.map((file) => ({ name: file.split, num_examples: file.numExamples })),
        download_size: sum(splits.map((file) => file.numBytes)),
      };
    }),
    ...gatingMetadata(input),
  };
  return `---\n${toYaml(metadata)}---\n`;
}

// ---- Hub access: license of type `other`, gated access (issue 15) ----

function licenseMetadata(input: CardInput): Record<string, YamlValue> {
  if (input.license !== 'other' || !input.access) return {};
  const { licenseName, licenseLink } = input.access;
  return {
    ...(licenseName !== null ? { license_name: licenseName } : {}),
    ...(licenseLink !== null ? { license_link: licenseLink } : {}),
  };
}

export const GATED_PROMPT =
  'This dataset contains offensive and harmful text (hate speech, self-harm, illegal activity, sexual content) collected to make language models safer, and it can be misused to make them less safe. Access is granted for safety research and alignment only.';

function gatingMetadata(input: CardInput): Record<string, YamlValue> {
  if (!input.access?.gated) return {};
  return {
    extra_gated_prompt: GATED_PROMPT,
    extra_gated_fields: {
      Name: 'text',
      Affiliation: 'text',
      'Intended use': 'text',
      'I will use this dataset for safety research and alignment only, and will not redistribute it': 'checkbox',
    },
    extra_gated_button_content: 'Agree and request access',
  };
}

function cell(value: string | number): string {
  return String(value).replace(/\r?\n|\r/g, ' ').replaceAll('|', '\\|');
}

function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const lines = [
    `| ${header.map(cell).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
  return lines.join('\n');
}

const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;

function describeFeature(feature: CardFeature): string {
  if ('dtype' in feature) return `\`${feature.name}\` (${feature.dtype})`;
  if ('list' in feature) return `\`${feature.name}\` (list of {${feature.list.map(describeFeature).join(', ')}})`;
  return `\`${feature.name}\` ({${feature.struct.map(describeFeature).join(', ')}})`;
}

function descriptionSection(input: CardInput): string {
  const splitNames = [...new Set(input.configs.flatMap((config) => config.splits.map((file) => file.split)))];
  const topicRows = input.topics.map((topic) => {
    const counts = splitNames.map((split) => topic.perSplit[split] ?? 0);
    return [topic.topic ?? '(none)', ...counts, sum(counts)];
  });
  const pairs = sum(input.topics.flatMap((topic) => splitNames.map((split) => topic.perSplit[split] ?? 0)));
  return [
    '## Dataset description',
    '',
    input.summary ??
      'Preference pairs (instruction, chosen response, rejected response) built with the Safer-Instruct method: harmful human-written text is the rejected response, a reversed (response → instruction) model induces the instruction that would elicit it, filters drop poor instructions, and an expert model writes and checks the preferred response.',
    '',
    `This export holds ${pairs} selected row(s) in ${input.topics.length} topic(s).`,
    '',
    table(['topic', ...splitNames, 'total'], topicRows),
  ].join('\n');
}

/** What a reader could mistake a format for. */
const FORMAT_NOTES: Partial<Record<ExportFormat, string>> = {
  'reversed-tuning':
    "Each record is this dataset's chosen (safe) response in the reversed template with its instruction as the target. It is not Safer-Instruct's stage-1 data (a flipped general instruction dataset such as ShareGPT, used to train the reversed model); use it at most to augment such data.",
};

function structureSection(input: CardInput): string {
  const fileRows = input.configs.flatMap((config) =>
    [...config.splits, ...(config.extraFiles ?? [])].map((file) => [config.format, file.split, `\`${file.path}\``, file.numExamples, file.numBytes]),
  );
  const formatLines = input.configs.map((config) => {
    const exporter = exporters[config.format];
    const note = FORMAT_NOTES[config.format];
    return `- **${config.format}** — ${exporter.label}: ${exporter.features.map(describeFeature).join(', ')}.${note ? ` ${note}` : ''}`;
  });
  const lines = [
    '## Dataset structure',
    '',
    'Each format is its own config, read from Parquet files; every config has the same split assignment. The JSON Lines and CSV files beside them hold the same records in those formats (the `csv` config is the CSV table as Parquet, every text exactly as stored).',
    '',
    ...formatLines,
    '',
    table(['config', 'split', 'file', 'examples', 'bytes'], fileRows),
  ];
  if (input.incompletePairs > 0) {
    lines.push(
      '',
      `${input.incompletePairs} selected row(s) lack a chosen or a rejected response (a blank one counts as missing). Formats that need both sides leave them out; Alpaca and reversed-tuning need only the chosen response; CSV and Parquet keep every row with its fields as stored (null or blank).`,
    );
  }
  return lines.join('\n');
}

function sourcesSection(input: CardInput): string {
  const rows = input.sources.map((source) => [source.kind, source.name, source.id, source.rows, source.description ?? '']);
  return ['## Source data', '', table(['kind', 'name', 'id', 'rows', 'description'], rows)].join('\n');
}

const SPLIT_METHOD_DESCRIPTIONS: Record<Exclude<CardSplitMethod['method'], 'none'>, string> = {
  hash: 'each row is assigned by a hash of the seed and its key, so a row keeps its split when the dataset grows; per-topic proportions match the ratio in expectation',
  exact: 'exact counts per stratum from a seeded shuffle of the sorted ids',
  stratified:
    'each stratum gets exactly round(n × ratio) train rows, chosen by seeded selection sampling over the export order, so the same selection and seed give the same split',
};

function splitDescription(split: CardSplitMethod): string {
  if (split.method === 'none') return 'All rows are in the `train` split.';
  const stratified = split.stratifiedByTopic ? ', stratified by topic' : '';
  const how = SPLIT_METHOD_DESCRIPTIONS[split.method];
  return `Train/test split with train ratio ${split.trainRatio} and seed \`${split.seed}\`${stratified}: ${how}.`;
}

function curationSection(input: CardInput): string {
  const { curation } = input;
  const lines = ['## Curation', '', `Recipe **${curation.recipeName}**, version \`${curation.recipeVersion}\`.`];
  if (curation.steps && curation.steps.length > 0) {
    lines.push('', ...curation.steps.map((step, index) => `${index + 1}. ${step}`));
  }
  if (curation.models.length > 0) {
    lines.push('', table(['role', 'model'], curation.models.map((model) => [model.role, model.model])));
  }
  if (curation.prompts.length > 0) {
    const withProvenance = curation.prompts.some((prompt) => prompt.provenance !== undefined);
    lines.push(
      '',
      withProvenance
        ? table(['prompt', 'version', 'text'], curation.prompts.map((prompt) => [prompt.name, prompt.version, prompt.provenance ?? 'unknown']))
        : table(['prompt', 'version'], curation.prompts.map((prompt) => [prompt.name, prompt.version])),
    );
  }
  const parameters = Object.entries(curation.parameters ?? {});
  if (parameters.length > 0) {
    lines.push('', table(['parameter', 'value'], parameters.map(([name, value]) => [name, String(value)])));
  }
  lines.push('', splitDescription(input.split));
  if (input.dedup) {
    lines.push(
      '',
      `Instructions were deduplicated after Unicode NFKC normalisation, case folding and whitespace collapsing; ${input.dedup.duplicatesRemoved} duplicate row(s) were removed.`,
    );
  }
  return lines.join('\n');
}

function annotationSection(input: CardInput): string {
  const { annotation } = input;
  const lines = [
    '## Annotation process',
    '',
    'Instructions and responses were judged by the models listed under Curation; the verdicts and reasons are in the CSV and Parquet files (`instruction_verdict`, `instruction_reason`, `response_verdict`, `response_reason`).',
    '',
    `${annotation.humanEdited} pair(s) were edited by a human reviewer (\`human_edited\`).`,
  ];
  const audit = annotation.audit;
  if (!audit || audit.audited === 0) {
    lines.push('', 'No human spot-check audit covers the exported pairs.');
    return lines.join('\n');
  }
  lines.push(
    '',
    `A human spot-check audit reviewed ${audit.audited} exported pair(s): ${audit.accepted} accepted, ${audit.rejected} rejected (${percent(audit.accepted / audit.audited)} of audited pairs accepted).`,
  );
  if (audit.precision) {
    const p = audit.precision;
    lines.push(
      '',
      `Estimated precision: ${percent(p.estimate)} (${percent(p.level)} interval ${percent(p.low)}–${percent(p.high)}).`,
    );
  }
  if (audit.agreement && audit.agreement.length > 0) {
    lines.push(
      '',
      table(
        ['agreement', 'between', 'value', 'items'],
        audit.agreement.map((entry) => [entry.measure, entry.between, entry.value.toFixed(3), entry.items]),
      ),
    );
  }
  return lines.join('\n');
}

function risksSection(): string {
  return [
    '## Bias, risks and limitations',
    '',
    '**Content warning:** the rejected responses, and many instructions, contain offensive or otherwise harmful text — depending on the topics, hate speech, sexual content, self-harm or descriptions of illegal acts. They are here so that models learn to avoid such output; do not show them to people who have not agreed to see them.',
    '',
    '**Dual-use warning:** the same data, or the same pipeline run in reverse, can train a model to produce harmful content (prefer the rejected response, or induce harmful instructions). Keep access controlled, log who downloads it, and use it for safety research and alignment only.',
    '',
    'Instructions were written by a model, not by the people who wrote the original text, and the preferred responses and filters reflect the judging models and their prompts: their biases, refusal style and blind spots carry over. Automatic filters make mistakes in both directions; the audit statistics above, where given, estimate how often.',
  ].join('\n');
}

function simulatedSection(input: CardInput): string | null {
  if (input.simulated.rows === 0) return null;
  return [
    '## Simulated data',
    '',
    `**${input.simulated.rows} of ${input.simulated.totalRows} pair(s) were produced by a simulated (offline) model provider**, not by a real language model. They exercise the pipeline and the file formats but are not fit for training; filter on the \`simulated\` column of the CSV or Parquet files.`,
  ].join('\n');
}

function citationSection(): string {
  return [
    '## Citation',
    '',
    'The method behind this dataset:',
    '',
    '```bibtex',
    SAFER_INSTRUCT_BIBTEX,
    '```',
  ].join('\n');
}

/** Hugging Face dataset card (README.md): YAML metadata plus the sections a reader needs to judge the data. */
export function renderDatasetCard(input: CardInput): string {
  const sections = [
    `# ${input.prettyName.replace(/\s+/g, ' ')}`,
    '> **Content warning:** this dataset contains offensive and harmful text. See "Bias, risks and limitations".',
    descriptionSection(input),
    structureSection(input),
    loadingSection(input),
    formatChoicesSection(input),
    sourcesSection(input),
    curationSection(input),
    annotationSection(input),
    risksSection(),
    simulatedSection(input),
    citationSection(),
  ].filter((section): section is string => section !== null);
  return `${frontMatter(input)}\n${sections.join('\n\n')}\n`;
}

// ---- Loading the files, and how they were written (issue 15) ----

/** `{"train": f"{folder}/x/train.jsonl", …}`: the `data_files` argument for a format's own files. */
function pythonDataFiles(files: readonly CardSplitFile[]): string {
  const entries = files.filter((file) => file.numExamples > 0).map((file) => `"${file.split}": f"{folder}/${file.path}"`);
  return `{${entries.join(', ')}}`;
}

const EXTRA_FILE_BUILDERS: Record<string, { builder: string; arguments: string }> = {
  jsonl: { builder: 'json', arguments: '' },
  csv: { builder: 'csv', arguments: ', keep_default_na=False, na_values=[""]' },
};

/** The exact `datasets` calls for every config and for the JSONL/CSV files beside them. */
function loadingSection(input: CardInput): string {
  const configs = input.configs.filter((config) => nonEmptySplits(config).length > 0);
  const lines = [
    '## Loading',
    '',
    'Unzip the bundle: it makes one folder holding this card. Every config below is Parquet, so `datasets` loads each of them from that folder (or from a Hub repository holding its files):',
    '',
    '```python',
    'from datasets import load_dataset',
    '',
    'folder = "path/to/the/unzipped/folder"',
    ...configs.map((config) => `${identifier(config.format)} = load_dataset(folder, "${config.format}")`),
    '```',
  ];
  const extra = configs.flatMap((config) => {
    const files = (config.extraFiles ?? []).filter((file) => file.numExamples > 0);
    const extension = files[0]?.path.split('.').pop() ?? '';
    const builder = EXTRA_FILE_BUILDERS[extension];
    return builder ? [`${identifier(config.format)}_${extension} = load_dataset("${builder.builder}", data_files=${pythonDataFiles(files)}${builder.arguments})`] : [];
  });
  if (extra.length > 0) {
    lines.push(
      '',
      'The same records are also in their usual file types (JSON Lines, CSV) beside the Parquet files, for tools that want those; `datasets` reads them with an explicit builder:',
      '',
      '```python',
      ...extra,
      '```',
    );
  }
  return lines.join('\n');
}

const identifier = (format: string): string => format.replace(/[^A-Za-z0-9]+/g, '_');

/** What the user chose when exporting, so a reader knows exactly how the texts were laid out. */
function formatChoicesSection(input: CardInput): string | null {
  const options = input.formatOptions ?? DEFAULT_FORMAT_OPTIONS;
  const formats = new Set(input.configs.map((config) => config.format));
  const lines: string[] = [];
  if (formats.has('trl-standard')) {
    lines.push(
      `- **trl-standard** prompt template: ${TRL_TEMPLATES[options.trlPromptTemplate].label}.` +
        (options.trlPromptTemplate === 'none' ? ' The prompt is the bare instruction, so the training text is the instruction followed directly by the answer.' : '') +
        ' For chat models use the **trl-conversational** config: its prompt is a message list (with the system message and earlier turns where the source had them) that the model\'s own chat template lays out.',
    );
  }
  if (formats.has('csv')) {
    lines.push(
      options.csvSpreadsheetSafe
        ? "- **csv** is *safe for spreadsheets*: every cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return has a `'` put in front of it, so spreadsheets show it as text instead of running it as a formula. Those cells are not byte-exact; the Parquet files hold every text exactly."
        : '- **csv** holds every text exactly as stored (not neutralised for spreadsheets): do not open it in a spreadsheet program, where a cell starting with `=`, `+`, `-` or `@` can run as a formula.',
      options.csvBom ? '- **csv** starts with a UTF-8 byte order mark (for spreadsheet programs).' : '- **csv** is UTF-8 without a byte order mark.',
      '- **pandas** turns texts such as `NA`, `null` or `N/A` into missing values by default: read the CSV files with `pd.read_csv(path, keep_default_na=False, na_values=[""])`. An empty text and a missing one are both an empty field to pandas (`""` versus nothing to stricter readers); use the Parquet files when the difference matters.',
    );
  }
  if (lines.length === 0) return null;
  return ['## How the files were written', '', ...lines].join('\n');
}
