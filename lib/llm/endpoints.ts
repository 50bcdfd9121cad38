import { z } from 'zod';
import { db, type Prisma } from '@/lib/db/client';
import type { EndpointMode as DbEndpointMode } from '@/lib/db/generated/enums';
import { recordAudit, type AuditActor } from '@/lib/audit-log/record';
import { UserFacingError } from '@/lib/errors';
import { decryptSecret, DecryptionError, encryptSecret, lastFourOf } from '@/lib/llm/crypto';
import { ForbiddenApiKeyEnvError, MissingApiKeyError, resolveApiKey } from '@/lib/llm/secrets';
import { SIMULATED_MODELS, type SimRole } from '@/lib/llm/simulator/roles';
import type { ApiKeySource, EndpointView } from '@/lib/llm/endpoint-view';
import { endpointInputSchema, generationParamsSchema, type EndpointConfig, type EndpointInput, type EndpointMode, type GenerationParams } from '@/lib/llm/types';

/*
 * Provider endpoints in the database. The API key is either the name of an environment
 * variable (resolved on the server at call time) or a value encrypted with AES-256-GCM; only
 * loadEndpointConfig ever decrypts it, for server-side calls. Everything else (the list for the
 * settings page, audit entries, errors) sees at most the last four characters.
 */

const MODE_TO_DB: Record<EndpointMode, DbEndpointMode> = { chat: 'CHAT', completion: 'COMPLETION' };
const MODE_FROM_DB: Record<DbEndpointMode, EndpointMode> = { CHAT: 'chat', COMPLETION: 'completion' };

export type { ApiKeySource, EndpointView } from '@/lib/llm/endpoint-view';

type EndpointRow = Prisma.ProviderEndpointGetPayload<object>;

function paramsFromJson(value: Prisma.JsonValue): GenerationParams {
  const parsed = generationParamsSchema.safeParse(value);
  return parsed.success ? parsed.data : {};
}

function apiKeySourceOf(row: Pick<EndpointRow, 'apiKeyEnv' | 'apiKeyEncrypted'>): ApiKeySource {
  if (row.apiKeyEnv) return 'env';
  return row.apiKeyEncrypted ? 'stored' : 'none';
}

export function endpointView(row: EndpointRow): EndpointView {
  const source = apiKeySourceOf(row);
  return {
    id: row.id,
    name: row.name,
    baseUrl: row.baseUrl,
    model: row.model,
    mode: MODE_FROM_DB[row.mode],
    apiKeySource: source,
    apiKeyEnv: row.apiKeyEnv,
    apiKeyMasked: source === 'stored' ? `…${row.apiKeyLast4 ?? ''}` : null,
    defaultParams: paramsFromJson(row.defaultParams),
    limits: { concurrency: row.concurrency, rpm: row.rpm, tpm: row.tpm },
    priceInputPerMTok: row.priceInputPerMTok,
    priceOutputPerMTok: row.priceOutputPerMTok,
    timeoutMs: row.timeoutMs,
    retryBudgetMs: row.retryBudgetMs,
    supportsJsonMode: row.supportsJsonMode,
    simulated: row.simulated,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The audit log keeps what changed, with the key reduced to where it comes from. */
function auditSnapshot(view: EndpointView): Omit<EndpointView, 'createdAt' | 'updatedAt'> {
  const { createdAt: _created, updatedAt: _updated, ...rest } = view;
  return rest;
}

type KeyColumns = { apiKeyEnv: string | null; apiKeyEncrypted: string | null; apiKeyLast4: string | null };

function keyColumnsFor(input: Pick<EndpointInput, 'apiKey' | 'apiKeyEnv'>): KeyColumns {
  if (input.apiKeyEnv) return { apiKeyEnv: input.apiKeyEnv, apiKeyEncrypted: null, apiKeyLast4: null };
  if (input.apiKey) return { apiKeyEnv: null, apiKeyEncrypted: encryptSecret(input.apiKey), apiKeyLast4: lastFourOf(input.apiKey) };
  return { apiKeyEnv: null, apiKeyEncrypted: null, apiKeyLast4: null };
}

function settingsColumns(input: EndpointInput) {
  return {
    name: input.name,
    baseUrl: input.baseUrl,
    model: input.model,
    mode: MODE_TO_DB[input.mode],
    defaultParams: input.defaultParams as Prisma.InputJsonObject,
    concurrency: input.limits.concurrency,
    rpm: input.limits.rpm,
    tpm: input.limits.tpm,
    timeoutMs: input.timeoutMs,
    retryBudgetMs: input.retryBudgetMs,
    priceInputPerMTok: input.priceInputPerMTok,
    priceOutputPerMTok: input.priceOutputPerMTok,
    supportsJsonMode: input.supportsJsonMode,
  };
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'P2002';
}

async function assertNameFree(name: string, exceptId?: string): Promise<void> {
  const clash = await db().providerEndpoint.findFirst({ where: { name, ...(exceptId ? { id: { not: exceptId } } : {}) }, select: { id: true } });
  if (clash) throw new UserFacingError(`An endpoint named "${name}" already exists; choose another name.`);
}

export async function listEndpoints(): Promise<EndpointView[]> {
  const rows = await db().providerEndpoint.findMany({ orderBy: [{ simulated: 'asc' }, { name: 'asc' }] });
  return rows.map(endpointView);
}

export async function getEndpoint(id: string): Promise<EndpointView | null> {
  const row = await db().providerEndpoint.findUnique({ where: { id } });
  return row ? endpointView(row) : null;
}

export async function createEndpoint(rawInput: z.input<typeof endpointInputSchema>, actor: AuditActor): Promise<EndpointView> {
  const input = endpointInputSchema.parse(rawInput);
  await assertNameFree(input.name);
  try {
    return await db().$transaction(async (tx) => {
      const row = await tx.providerEndpoint.create({ data: { ...settingsColumns(input), ...keyColumnsFor(input), simulated: false } });
      const view = endpointView(row);
      await recordAudit({ actor, action: 'provider.created', targetType: 'providerEndpoint', targetId: row.id, after: auditSnapshot(view) }, tx);
      return view;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new UserFacingError(`An endpoint named "${input.name}" already exists; choose another name.`);
    throw err;
  }
}

/**
 * A stored key was given for one server: it does not follow the endpoint to another origin
 * (scheme, host, port) unless the admin types it again, or it would be sent to whoever runs there.
 */
function assertSameServer(beforeUrl: string, afterUrl: string): void {
  const before = new URL(beforeUrl).origin;
  const after = new URL(afterUrl).origin;
  if (before === after) return;
  throw new UserFacingError(
    `The base URL now points at another server (${before} → ${after}), so the stored API key is not kept: enter the key again, or choose "No key".`,
    { field: 'apiKey' },
  );
}

export type UpdateKeyChoice = {
  /**
   * With no key value and no variable in the input: true keeps the stored key (the form never
   * shows it, so "leave empty" means "unchanged"); false removes it.
   */
  keepStoredKey: boolean;
};

export async function updateEndpoint(id: string, rawInput: z.input<typeof endpointInputSchema>, choice: UpdateKeyChoice, actor: AuditActor): Promise<EndpointView> {
  const input = endpointInputSchema.parse(rawInput);
  const before = await db().providerEndpoint.findUnique({ where: { id } });
  if (!before) throw new UserFacingError('This endpoint no longer exists; reload the page.');
  await assertNameFree(input.name, id);
  const keepKey = !input.apiKey && !input.apiKeyEnv && choice.keepStoredKey && before.apiKeyEncrypted !== null;
  if (keepKey) assertSameServer(before.baseUrl, input.baseUrl);
  const keyColumns = keepKey ? {} : keyColumnsFor(input);
  try {
    return await db().$transaction(async (tx) => {
      const row = await tx.providerEndpoint.update({ where: { id }, data: { ...settingsColumns(input), ...keyColumns } });
      const view = endpointView(row);
      const apiKeyChanged = !keepKey && (input.apiKey !== undefined || apiKeySourceOf(before) !== view.apiKeySource || before.apiKeyEnv !== view.apiKeyEnv);
      await recordAudit(
        {
          actor,
          action: 'provider.updated',
          targetType: 'providerEndpoint',
          targetId: id,
          before: auditSnapshot(endpointView(before)),
          after: { ...auditSnapshot(view), apiKeyChanged },
        },
        tx,
      );
      return view;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new UserFacingError(`An endpoint named "${input.name}" already exists; choose another name.`);
    throw err;
  }
}

/** Deletes the endpoint; its call log stays (endpointId set to NULL) and its limiter rows go. */
export async function deleteEndpoint(id: string, actor: AuditActor): Promise<void> {
  await db().$transaction(async (tx) => {
    const before = await tx.providerEndpoint.findUnique({ where: { id } });
    if (!before) throw new UserFacingError('This endpoint no longer exists; reload the page.');
    await tx.providerEndpoint.delete({ where: { id } });
    await tx.concurrencyLease.deleteMany({ where: { endpointId: id } });
    await tx.rateLimitBucket.deleteMany({ where: { endpointId: id } });
    await recordAudit({ actor, action: 'provider.deleted', targetType: 'providerEndpoint', targetId: id, before: auditSnapshot(endpointView(before)) }, tx);
  });
}

export class EndpointNotFoundError extends UserFacingError {
  constructor(readonly reference: string) {
    super(`No provider endpoint with id or name "${reference}"; add it under Settings → Providers or fix the recipe.`);
    this.name = 'EndpointNotFoundError';
  }
}

function resolveKeyOf(row: EndpointRow): string | null {
  try {
    return resolveApiKey({ apiKeyEnv: row.apiKeyEnv, apiKey: row.apiKeyEncrypted ? decryptSecret(row.apiKeyEncrypted) : null });
  } catch (err) {
    if (err instanceof MissingApiKeyError || err instanceof ForbiddenApiKeyEnvError || err instanceof DecryptionError) {
      throw new UserFacingError(`Endpoint "${row.name}": ${err.message}`);
    }
    throw err;
  }
}

export function endpointConfigFromRow(row: EndpointRow): EndpointConfig {
  return {
    id: row.id,
    name: row.name,
    baseUrl: row.baseUrl,
    model: row.model,
    mode: MODE_FROM_DB[row.mode],
    apiKey: resolveKeyOf(row),
    defaultParams: paramsFromJson(row.defaultParams),
    limits: { concurrency: row.concurrency, rpm: row.rpm, tpm: row.tpm },
    timeoutMs: row.timeoutMs,
    retryBudgetMs: row.retryBudgetMs,
    priceInputPerMTok: row.priceInputPerMTok,
    priceOutputPerMTok: row.priceOutputPerMTok,
    supportsJsonMode: row.supportsJsonMode,
    simulated: row.simulated,
  };
}

/**
 * The endpoint with its API key resolved (decrypted, or read from the environment), for
 * server-side calls only: never return this from a server action or route handler.
 */
export async function loadEndpointConfig(idOrName: string): Promise<EndpointConfig> {
  const row = await db().providerEndpoint.findFirst({ where: { OR: [{ id: idOrName }, { name: idOrName }] }, orderBy: { createdAt: 'asc' } });
  if (!row) throw new EndpointNotFoundError(idOrName);
  return endpointConfigFromRow(row);
}

export async function hasRealEndpoints(): Promise<boolean> {
  return (await db().providerEndpoint.count({ where: { simulated: false } })) > 0;
}

type SimulatedEndpointSpec = { role: SimRole; name: string; mode: EndpointMode; defaultParams: GenerationParams };

/** The simulated endpoints `npm start` provides when no real one is configured. */
export const SIMULATED_ENDPOINTS: readonly SimulatedEndpointSpec[] = [
  // The reversed model continues a `### Instruction:` header; the next header ends its answer.
  { role: 'reversed', name: 'Simulator · reversed', mode: 'completion', defaultParams: { temperature: 0.7, maxTokens: 256, stop: ['###'] } },
  { role: 'judge', name: 'Simulator · judge', mode: 'chat', defaultParams: { temperature: 0, maxTokens: 256 } },
  { role: 'expert', name: 'Simulator · expert', mode: 'chat', defaultParams: { temperature: 0.7, maxTokens: 512 } },
];

/**
 * Creates the simulated endpoints, or points the existing ones at `baseUrl` (the simulator's
 * port changes from one start to the next). Other settings an admin changed are kept.
 */
export async function ensureSimulatorEndpoints(baseUrl: string): Promise<EndpointView[]> {
  const url = baseUrl.replace(/\/+$/, '');
  const views: EndpointView[] = [];
  for (const spec of SIMULATED_ENDPOINTS) {
    const existing = await db().providerEndpoint.findUnique({ where: { name: spec.name } });
    if (existing) {
      const row = await db().providerEndpoint.update({ where: { id: existing.id }, data: { baseUrl: url, simulated: true } });
      views.push(endpointView(row));
      continue;
    }
    const input = endpointInputSchema.parse({
      name: spec.name,
      baseUrl: url,
      model: SIMULATED_MODELS[spec.role],
      mode: spec.mode,
      defaultParams: spec.defaultParams,
      limits: { concurrency: 16, rpm: null, tpm: null },
      timeoutMs: 30_000,
      retryBudgetMs: 180_000,
      supportsJsonMode: spec.mode === 'chat',
    });
    const row = await db().$transaction(async (tx) => {
      const created = await tx.providerEndpoint.create({ data: { ...settingsColumns(input), ...keyColumnsFor(input), simulated: true } });
      await recordAudit({ actor: null, action: 'provider.created', targetType: 'providerEndpoint', targetId: created.id, after: auditSnapshot(endpointView(created)) }, tx);
      return created;
    });
    views.push(endpointView(row));
  }
  return views;
}
