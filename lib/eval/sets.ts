/**
 * Evaluation sets: prompts (with an optional group and reference answer) and, optionally, the
 * responses some models already gave, one mapped column per model. Files are read by the corpus
 * importers (same formats, limits and per-row read errors); this module only maps records to
 * prompts and stores them.
 *
 * Sets are read whole and stored in one transaction: evaluation sets are small (thousands of
 * prompts; the cap is MAX_EVAL_PROMPTS), so the background job, resume and progress machinery of
 * corpus imports is not needed here. Row errors are kept (line, column, reason) like a corpus
 * import's and can be downloaded.
 */
import { z } from 'zod';
import { recordAudit, type AuditActor } from '@/lib/audit-log/record';
import { db } from '@/lib/db/client';
import { UserFacingError } from '@/lib/errors';
import { ImportFileError, isRowError, readRecords, type ImportInput, type RawRecord, type RowError } from '@/lib/importers';
import { findColumn, labelValue, storedText, isFieldProblem } from '@/lib/importers/mapping';
import { csvDelimiters, importFormats } from '@/lib/importers/types';

export const MAX_EVAL_PROMPTS = 50_000;
/** Row errors kept per set; the count beyond this is still reported. */
const MAX_STORED_ROW_ERRORS = 5_000;

const columnName = z.string().min(1).max(500);
export const responseLabelSchema = z
  .string()
  .trim()
  .min(1, 'Give each response column a model label.')
  .max(100)
  .regex(/^[^\u0000-\u001f]+$/, 'A label cannot contain control characters.');

export const evalSetMappingSchema = z
  .object({
    promptColumn: columnName,
    groupColumn: columnName.nullable().default(null),
    referenceColumn: columnName.nullable().default(null),
    idColumn: columnName.nullable().default(null),
    responseColumns: z.array(z.object({ column: columnName, label: responseLabelSchema }).strict()).max(20).default([]),
  })
  .strict()
  .superRefine((mapping, ctx) => {
    const labels = mapping.responseColumns.map((entry) => entry.label.toLowerCase());
    if (new Set(labels).size !== labels.length) ctx.addIssue({ code: 'custom', path: ['responseColumns'], message: 'Two response columns have the same model label.' });
    const used = [mapping.promptColumn, mapping.groupColumn, mapping.referenceColumn, mapping.idColumn, ...mapping.responseColumns.map((entry) => entry.column)].filter(
      (column): column is string => column !== null,
    );
    if (new Set(used).size !== used.length) ctx.addIssue({ code: 'custom', path: ['responseColumns'], message: 'A column is mapped twice.' });
  });
export type EvalSetMapping = z.output<typeof evalSetMappingSchema>;
export type EvalSetMappingInput = z.input<typeof evalSetMappingSchema>;

export const importEvalSetOptionsSchema = z.object({
  name: z.string().trim().min(1, 'Give the set a name.').max(200),
  description: z.string().trim().max(2000).nullable().default(null),
  mapping: evalSetMappingSchema,
  format: z.enum(importFormats).nullable().default(null),
  delimiter: z.enum(csvDelimiters).nullable().default(null),
  onRowError: z.enum(['skip', 'abort']).default('skip'),
});
export type ImportEvalSetOptions = z.input<typeof importEvalSetOptionsSchema>;

export interface EvalPromptRow {
  line: number;
  prompt: string;
  group: string | null;
  reference: string | null;
  externalId: string | null;
  responses: { label: string; text: string }[];
}

const MAX_LABEL_LENGTH = 200;

/** One record → one prompt, or the first problem with it. An empty response cell means "this model has no answer here". */
export function mapEvalRecord(record: RawRecord, mapping: EvalSetMapping, maxTextLength: number): EvalPromptRow | RowError {
  const { fields, line } = record;
  const prompt = storedText(fields[mapping.promptColumn], true, maxTextLength);
  if (prompt === null || isFieldProblem(prompt)) return { line, column: mapping.promptColumn, reason: prompt === null ? 'empty text' : prompt.problem };
  const group = mapping.groupColumn === null ? null : labelValue(fields[mapping.groupColumn]);
  if (group !== null && group.length > MAX_LABEL_LENGTH) return { line, column: mapping.groupColumn ?? undefined, reason: `group is longer than ${MAX_LABEL_LENGTH} characters` };
  let reference: string | null = null;
  if (mapping.referenceColumn !== null) {
    const value = storedText(fields[mapping.referenceColumn], false, maxTextLength);
    if (isFieldProblem(value)) return { line, column: mapping.referenceColumn, reason: value.problem };
    reference = value;
  }
  const externalId = mapping.idColumn === null ? null : labelValue(fields[mapping.idColumn]);
  const responses: EvalPromptRow['responses'] = [];
  for (const { column, label } of mapping.responseColumns) {
    const value = storedText(fields[column], false, maxTextLength);
    if (isFieldProblem(value)) return { line, column, reason: value.problem };
    if (value !== null) responses.push({ label, text: value });
  }
  return { line, prompt, group, reference, externalId, responses };
}

export interface ImportedEvalSet {
  setId: string;
  prompts: number;
  rowErrors: number;
}

/** Reads, maps and stores a prompt set; a file problem (or a row problem with `abort`) stores nothing. */
export async function importEvalSet(input: ImportInput, rawOptions: ImportEvalSetOptions, actor: AuditActor, meta: { fileName?: string } = {}): Promise<ImportedEvalSet> {
  const options = importEvalSetOptionsSchema.parse(rawOptions);
  const run = readRecords(input, { declaredFormat: options.format ?? undefined, delimiter: options.delimiter ?? undefined });
  const rows: EvalPromptRow[] = [];
  const errors: RowError[] = [];
  const maxTextLength = 32_000;
  try {
    for await (const item of run) {
      const mapped = isRowError(item) ? item : mapEvalRecord(item, options.mapping, maxTextLength);
      if (isRowError(mapped)) {
        if (options.onRowError === 'abort') {
          throw new UserFacingError(`Line ${mapped.line}${mapped.column ? `, column "${mapped.column}"` : ''}: ${mapped.reason}. Nothing was imported (all-or-nothing).`);
        }
        errors.push(mapped);
        continue;
      }
      rows.push(mapped);
      if (rows.length > MAX_EVAL_PROMPTS) throw new UserFacingError(`The file has more than ${MAX_EVAL_PROMPTS.toLocaleString('en-US')} prompts; split it into smaller sets.`);
    }
  } catch (error) {
    if (error instanceof ImportFileError) throw new UserFacingError(error.message);
    throw error;
  }
  if (rows.length === 0) throw new UserFacingError(`No usable prompts in the file (${errors.length} rows had problems${errors[0] ? `, e.g. line ${errors[0].line}: ${errors[0].reason}` : ''}).`);
  const emptyColumn = emptyResponseColumn(options.mapping, rows);
  if (emptyColumn) throw new UserFacingError(emptyColumn);

  const setId = await storeEvalSet(
    {
      name: options.name,
      description: options.description,
      responseLabels: options.mapping.responseColumns.map((entry) => entry.label),
      fileName: meta.fileName ?? (typeof input === 'string' ? input.split(/[\\/]/).pop() ?? null : (input.fileName ?? null)),
      format: run.stats.format,
      rowsRead: run.stats.records,
      builtIn: false,
    },
    rows,
    errors,
    actor,
  );
  return { setId, prompts: rows.length, rowErrors: errors.length };
}

/** A mapped response column that never has a value is most likely a typo in the mapping (JSONL has no header to check). */
function emptyResponseColumn(mapping: EvalSetMapping, rows: readonly EvalPromptRow[]): string | null {
  const seen = new Set(rows.flatMap((row) => row.responses.map((response) => response.label)));
  const empty = mapping.responseColumns.find((entry) => !seen.has(entry.label));
  return empty ? `The response column "${empty.column}" (model "${empty.label}") is empty in every row; check the mapping.` : null;
}

interface NewSet {
  name: string;
  description: string | null;
  responseLabels: string[];
  fileName: string | null;
  format: string | null;
  rowsRead: number;
  builtIn: boolean;
}

/** Stores a set, its prompts, responses and row errors in one transaction, with the audit entry. */
export async function storeEvalSet(set: NewSet, rows: readonly EvalPromptRow[], errors: readonly RowError[], actor: AuditActor): Promise<string> {
  return db().$transaction(
    async (tx) => {
      const created = await tx.evalSet.create({
        data: { ...set, promptCount: rows.length, errorCount: errors.length, createdById: actor?.id ?? null },
        select: { id: true },
      });
      const ids = await tx.$queryRaw<{ id: bigint; position: number }[]>`
        INSERT INTO "EvalPrompt" ("setId", position, prompt, "groupName", reference, "externalId", line)
        SELECT ${created.id}, u.position::int, u.prompt, u.group_name, u.reference, u.external_id, u.line
        FROM unnest(${rows.map((_, index) => index)}::int[], ${rows.map((row) => row.prompt)}::text[], ${rows.map((row) => row.group)}::text[],
                    ${rows.map((row) => row.reference)}::text[], ${rows.map((row) => row.externalId)}::text[], ${rows.map((row) => row.line)}::int[])
          AS u(position, prompt, group_name, reference, external_id, line)
        RETURNING id, position`;
      const idAt = new Map(ids.map((row) => [row.position, row.id]));
      const responses = rows.flatMap((row, index) => row.responses.map((response) => ({ promptId: idAt.get(index) as bigint, ...response })));
      if (responses.length > 0) {
        await tx.$executeRaw`
          INSERT INTO "EvalImportedResponse" ("promptId", label, text)
          SELECT * FROM unnest(${responses.map((r) => r.promptId.toString())}::bigint[], ${responses.map((r) => r.label)}::text[], ${responses.map((r) => r.text)}::text[])`;
      }
      const kept = errors.slice(0, MAX_STORED_ROW_ERRORS);
      if (kept.length > 0) {
        await tx.evalSetRowError.createMany({ data: kept.map((error) => ({ setId: created.id, line: error.line, column: error.column ?? null, reason: error.reason })) });
      }
      await recordAudit(
        {
          actor,
          action: 'eval_set.import',
          targetType: 'EvalSet',
          targetId: created.id,
          after: { name: set.name, prompts: rows.length, rowErrors: errors.length, responseLabels: set.responseLabels, fileName: set.fileName, builtIn: set.builtIn },
        },
        tx,
      );
      return created.id;
    },
    { timeout: 120_000 },
  );
}

export async function deleteEvalSet(setId: string, actor: AuditActor): Promise<void> {
  await db().$transaction(async (tx) => {
    const set = await tx.evalSet.findUnique({ where: { id: setId }, select: { name: true, promptCount: true, _count: { select: { runs: true } } } });
    if (!set) throw new UserFacingError('This evaluation set no longer exists.');
    await tx.evalSet.delete({ where: { id: setId } });
    await recordAudit({ actor, action: 'eval_set.delete', targetType: 'EvalSet', targetId: setId, before: { name: set.name, prompts: set.promptCount, runs: set._count.runs } }, tx);
  });
}

// ---- Mapping suggestions for the preview screen ----

const promptColumnNames = ['prompt', 'instruction', 'question', 'input', 'query', 'text'];
const groupColumnNames = ['group', 'benchmark', 'source', 'category', 'subset', 'topic'];
const referenceColumnNames = ['reference', 'reference_answer', 'answer', 'expected', 'target', 'ideal'];
const idColumnNames = ['id', '_id', 'uuid', 'external_id', 'row_id', 'idx'];

/** A response column is any other column whose name says it holds a model's output. */
const RESPONSE_NAME = /(response|output|completion|answer|reply|generation)/i;

export function suggestEvalMapping(columns: readonly string[]): EvalSetMappingInput | null {
  const promptColumn = findColumn(columns, promptColumnNames) ?? columns[0] ?? null;
  if (promptColumn === null) return null;
  const taken = new Set([promptColumn]);
  const groupColumn = findColumn(columns, groupColumnNames, taken);
  if (groupColumn) taken.add(groupColumn);
  const referenceColumn = findColumn(columns, referenceColumnNames, taken);
  if (referenceColumn) taken.add(referenceColumn);
  const idColumn = findColumn(columns, idColumnNames, taken);
  if (idColumn) taken.add(idColumn);
  const responseColumns = columns
    .filter((column) => !taken.has(column) && RESPONSE_NAME.test(column))
    .map((column) => ({ column, label: column.replace(/^(response|output|completion)[_\s-]*/i, '').replace(/[_\s-]*(response|output|completion)$/i, '') || column }));
  return { promptColumn, groupColumn, referenceColumn, idColumn, responseColumns };
}
