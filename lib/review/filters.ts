import { z } from 'zod';
import { enumValues } from '@/lib/db/enum-values';
import { AuditOutcome, PairStatus, Verdict } from '@/lib/db/generated/enums';

// Client-safe: the filter bar, the URL and the route handlers share this one definition.

export const verdicts = enumValues(Verdict);
export type VerdictName = Verdict;
export const decisions = enumValues(PairStatus);
export type DecisionName = PairStatus;
export const auditOutcomes = enumValues(AuditOutcome);
export type AuditOutcomeName = AuditOutcome;

/** `NONE` = the stage did not judge this pair (imported pairs, or dropped before the stage). */
export const verdictFilterValues = [...verdicts, 'NONE'] as const;
/** `NONE` = no human decision, `ANY` = a human kept or dropped it. */
export const humanDecisionFilterValues = ['NONE', 'ANY', 'KEPT', 'DROPPED'] as const;
export const editedFilterValues = ['yes', 'no'] as const;
export const searchScopes = ['all', 'instruction', 'source'] as const;
export const sortOrders = ['new', 'old'] as const;

export const MIN_SEARCH_LENGTH = 3;
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

const idParam = z.string().trim().min(1).max(64);
const cursorParam = z.string().regex(/^\d{1,18}$/, 'The page cursor must be a pair id.');

export const pairQuerySchema = z
  .object({
    run: idParam.optional(),
    dataset: idParam.optional(),
    topic: z.string().max(200).optional(),
    iv: z.enum(verdictFilterValues).optional(),
    rv: z.enum(verdictFilterValues).optional(),
    status: z.enum(decisions).optional(),
    human: z.enum(humanDecisionFilterValues).optional(),
    audit: z.enum(auditOutcomes).optional(),
    edited: z.enum(editedFilterValues).optional(),
    tag: z.string().trim().min(1).max(64).optional(),
    // Trigram indexes only help from three characters on; shorter terms would scan every row.
    q: z.string().trim().min(MIN_SEARCH_LENGTH, `Type at least ${MIN_SEARCH_LENGTH} characters to search.`).max(200).optional(),
    in: z.enum(searchScopes).default('all'),
    sort: z.enum(sortOrders).default('new'),
    after: cursorParam.optional(),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  })
  .refine((query) => !(query.run && query.dataset), { message: 'Choose a run or a dataset, not both.', path: ['dataset'] });

export type PairQuery = z.output<typeof pairQuerySchema>;
export type PairQueryInput = z.input<typeof pairQuerySchema>;

/** The filters a user can combine (everything in the query except paging, sort and search scope). */
export const filterKeys = ['run', 'dataset', 'topic', 'iv', 'rv', 'status', 'human', 'audit', 'edited', 'tag', 'q'] as const;
export type FilterKey = (typeof filterKeys)[number];
const queryKeys = [...filterKeys, 'in', 'sort', 'after', 'limit'] as const;

type ParamSource = URLSearchParams | Record<string, string | string[] | undefined>;

function readParam(source: ParamSource, key: string): string | undefined {
  const raw = source instanceof URLSearchParams ? source.get(key) : source[key];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value === undefined || value === null || value.trim() === '' ? undefined : value;
}

/** Reads the query from a URL; empty parameters count as absent. */
export function parsePairQuery(source: ParamSource): { ok: true; query: PairQuery } | { ok: false; error: string } {
  const raw: Record<string, string> = {};
  for (const key of queryKeys) {
    const value = readParam(source, key);
    if (value !== undefined) raw[key] = value;
  }
  const parsed = pairQuerySchema.safeParse(raw);
  if (parsed.success) return { ok: true, query: parsed.data };
  const issue = parsed.error.issues[0];
  const field = issue.path.join('.');
  return { ok: false, error: field ? `${field}: ${issue.message}` : issue.message };
}

const defaults: Partial<Record<(typeof queryKeys)[number], string>> = { in: 'all', sort: 'new', limit: String(DEFAULT_PAGE_SIZE) };

/** The URL form of a query, without default values, in a stable order. */
export function pairQueryToSearchParams(query: Partial<Record<(typeof queryKeys)[number], string | number | undefined>>): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of queryKeys) {
    const value = query[key];
    if (value === undefined || value === '' || String(value) === defaults[key]) continue;
    params.set(key, String(value));
  }
  return params;
}

/** The filters that are set, for "n filters active" and for clearing them. */
export function activeFilters(query: Partial<Record<FilterKey, unknown>>): FilterKey[] {
  return filterKeys.filter((key) => query[key] !== undefined && query[key] !== '');
}

/** Escapes LIKE wildcards so a search for `50%_off` finds that text literally. */
export function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
