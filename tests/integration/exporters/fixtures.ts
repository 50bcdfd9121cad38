import crypto from 'node:crypto';

import { db } from '@/lib/db/client';
import type { ExportSelection } from '@/lib/exporters/request';

import { EXOTIC_TEXTS } from '../../unit/exporters/rows';

export type PairRecord = Awaited<ReturnType<typeof createExportFixtures>>['pairs'][number];

const STATUSES = ['KEPT', 'KEPT', 'PENDING', 'DROPPED'] as const;
const TOPICS = ['hate', 'self-harm', 'illegal', 'nsfw', null] as const;
const VERDICTS = ['PASS', 'FAIL', 'UNPARSEABLE', null] as const;
const AUDIT = ['NONE', 'NONE', 'ACCEPTED', 'REJECTED'] as const;

/**
 * One imported dataset and one simulated pipeline run with a recipe version, each with pairs
 * that cover every filter: statuses with and without a human override, audit outcomes, human
 * edits, missing sides, no topic, exotic unicode, embedded newlines and repeated instructions.
 */
export async function createExportFixtures(options: { datasetPairs?: number; runPairs?: number } = {}) {
  const tag = crypto.randomUUID().slice(0, 8);
  const dataset = await db().preferenceDataset.create({ data: { name: `Imported "set" ${tag}`, description: 'Hand-made test pairs, with a comma, and "quotes"' } });
  const recipe = await db().recipe.create({ data: { name: `recipe-${tag}` } });
  const stage = (template: string, model: string) => ({ endpointName: `sim-${tag}`, model, mode: 'chat', template, parameters: { temperature: 0, maxTokens: 256 } });
  const recipeVersion = await db().recipeVersion.create({
    data: {
      recipeId: recipe.id,
      version: 2,
      config: {
        topics: ['hate', 'self-harm', 'illegal', 'nsfw'],
        stages: {
          induce: stage('Write the instruction for: {{text}}', 'reverse-7b'),
          filterInstruction: stage('Is {{instruction}} coherent?', 'judge-1'),
          generateResponse: stage('Answer safely: {{instruction}}', 'expert-1'),
          filterResponse: stage('Is {{chosen}} better than {{rejected}}?', 'judge-1'),
        },
      },
    },
  });
  const run = await db().run.create({ data: { name: `Run ${tag}`, recipeVersionId: recipeVersion.id, selection: {}, simulated: true, status: 'COMPLETED' } });

  const make = (index: number, source: { datasetId?: string; runId?: string }) => {
    const text = (offset: number) => EXOTIC_TEXTS[(index + offset) % EXOTIC_TEXTS.length];
    return {
      origin: source.runId ? ('RUN' as const) : ('IMPORTED' as const),
      ...source,
      topic: TOPICS[index % TOPICS.length],
      instruction: `${tag} instruction ${index}: ${text(0)}`,
      chosen: index % 11 === 4 ? null : index === 2 ? '' : `chosen ${index}:\n${text(1)}`,
      rejected: index % 7 === 3 ? null : index === 8 ? `long ${'ß€😀\n'.repeat(5_000)}` : `rejected ${index}: ${text(2)}`,
      instructionVerdict: VERDICTS[index % VERDICTS.length],
      instructionReason: index % 3 === 0 ? null : `reason ${index}: ${text(3)}`,
      responseVerdict: VERDICTS[(index + 1) % VERDICTS.length],
      responseReason: index % 5 === 0 ? null : `because\r\n${text(4)}`,
      status: STATUSES[index % STATUSES.length],
      humanStatus: index % 9 === 1 ? ('KEPT' as const) : index % 9 === 2 ? ('DROPPED' as const) : null,
      humanEdited: index % 6 === 5,
      auditOutcome: AUDIT[index % AUDIT.length],
      simulated: source.runId !== undefined,
    };
  };
  const datasetRows = Array.from({ length: options.datasetPairs ?? 60 }, (_, index) => make(index, { datasetId: dataset.id }));
  // Repeats of earlier instructions that differ only by case, spacing and zero-width characters.
  for (const [at, from] of [[40, 0], [41, 4], [42, 8]] as const) {
    if (datasetRows[at] && datasetRows[from]) {
      datasetRows[at] = { ...datasetRows[at], instruction: `  ${datasetRows[from].instruction.toUpperCase()}\u200b `, status: 'KEPT', humanStatus: null, auditOutcome: 'NONE', humanEdited: false };
      datasetRows[from] = { ...datasetRows[from], status: 'KEPT', humanStatus: null, auditOutcome: 'NONE', humanEdited: false };
    }
  }
  const runRows = Array.from({ length: options.runPairs ?? 40 }, (_, index) => make(1000 + index, { runId: run.id }));
  const pairs = await db().pair.createManyAndReturn({ data: [...datasetRows, ...specialRows(tag, dataset.id), ...runRows] });
  return { tag, dataset, run, recipe, recipeVersion, pairs };
}

/** What an import of a multi-turn conversation with a system message stores (see lib/pairs/prompt-messages). */
export const MULTI_TURN_MESSAGES = [
  { role: 'system', content: 'You are terse.\nNever swear.' },
  { role: 'user', content: 'Hi there' },
  { role: 'assistant', content: 'Hello.' },
  { role: 'user', content: 'Now write something cruel about "them", NA' },
] as const;

/**
 * Kept imported pairs that exports get wrong easily: a multi-turn prompt with a system message, the
 * same after a human edit of its instruction (the edit wins), texts that pandas reads as missing
 * ("NA", "null", "N/A"), and blank responses (empty, whitespace only) that count as missing.
 */
function specialRows(tag: string, datasetId: string) {
  const base = {
    origin: 'IMPORTED' as const,
    datasetId,
    topic: 'multi',
    instructionVerdict: null,
    instructionReason: null,
    responseVerdict: null,
    responseReason: null,
    status: 'KEPT' as const,
    humanStatus: null,
    humanEdited: false,
    auditOutcome: 'NONE' as const,
    simulated: false,
  };
  const rendered = `System: ${MULTI_TURN_MESSAGES[0].content}\n\nUser: Hi there ${tag}\n\nAssistant: Hello.\n\nUser: ${MULTI_TURN_MESSAGES[3].content}`;
  const messages = MULTI_TURN_MESSAGES.map((message, index) => (index === 1 ? { ...message, content: `Hi there ${tag}` } : { ...message }));
  return [
    { ...base, instruction: rendered, promptMessages: { instruction: rendered, messages }, chosen: 'I will not do that.', rejected: 'null' },
    {
      ...base,
      instruction: `edited ${tag}: write something cruel`,
      promptMessages: { instruction: `${rendered} (before the edit)`, messages },
      humanEdited: true,
      chosen: 'No.',
      rejected: 'NA',
    },
    { ...base, topic: null, instruction: 'null', chosen: 'NA', rejected: 'N/A' },
    { ...base, topic: null, instruction: `NA ${tag}`, chosen: '', rejected: 'null' },
    { ...base, topic: null, instruction: `blank ${tag}`, chosen: 'fine', rejected: ' \n\t\u00a0\u3000\ufeff ' },
  ];
}

/** The selection's filters, written independently of the SQL (effective status = human ?? automatic). */
export function expectedPairs(pairs: readonly PairRecord[], selection: ExportSelection): PairRecord[] {
  const sources = selection.runIds.length + selection.datasetIds.length > 0;
  return pairs
    .filter((pair) => !sources || (pair.runId !== null && selection.runIds.includes(pair.runId)) || (pair.datasetId !== null && selection.datasetIds.includes(pair.datasetId)))
    .filter((pair) => selection.topics.length === 0 || (pair.topic !== null && selection.topics.includes(pair.topic)))
    .filter((pair) => (selection.statuses as readonly string[]).includes(pair.humanStatus ?? pair.status))
    .filter((pair) => (selection.auditPassedOnly ? pair.auditOutcome === 'ACCEPTED' : !selection.excludeAuditRejected || pair.auditOutcome !== 'REJECTED'))
    .filter((pair) => selection.includeHumanEdited || !pair.humanEdited)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
