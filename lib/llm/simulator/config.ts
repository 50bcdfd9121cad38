import { z } from 'zod';

const nonNegativeMs = z.number().finite().min(0);
const rate = z.number().min(0).max(1);

export const latencyConfigSchema = z.discriminatedUnion('distribution', [
  z.strictObject({ distribution: z.literal('fixed'), mean: nonNegativeMs }),
  z.strictObject({ distribution: z.literal('uniform'), min: nonNegativeMs, max: nonNegativeMs }),
  z.strictObject({
    distribution: z.literal('normal'),
    mean: nonNegativeMs,
    sd: nonNegativeMs,
    // Clamp bounds; samples below 0 are always clamped to 0.
    min: nonNegativeMs.optional(),
    max: nonNegativeMs.optional(),
  }),
]);

/** Added latency per generation request, in milliseconds. */
export type LatencyConfig = z.infer<typeof latencyConfigSchema>;

/**
 * Strict on purpose: a misspelt key (`rate_429`) must be an error, not a silently ignored fault.
 * A bare number for `latencyMs` means a fixed latency.
 */
export const faultConfigInputSchema = z.strictObject({
  latencyMs: z.union([nonNegativeMs, latencyConfigSchema]).optional(),
  rate429: rate.optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
  rate500: rate.optional(),
  rateHang: rate.optional(),
  hangMs: nonNegativeMs.optional(),
  rateMalformedJson: rate.optional(),
  rateTruncated: rate.optional(),
  rateDrop: rate.optional(),
  faultSeed: z.number().int().optional(),
});

/** What `setFaults`, `POST /__sim/faults` and `options.faults` accept: any subset of the config. */
export type FaultConfigInput = z.infer<typeof faultConfigInputSchema>;

export interface FaultConfig {
  latencyMs: LatencyConfig;
  /** Share of generation requests answered 429 with a `Retry-After` header. */
  rate429: number;
  retryAfterSeconds: number;
  rate500: number;
  /** Share of requests left unanswered (socket kept open) for `hangMs`, then the socket is destroyed. */
  rateHang: number;
  hangMs: number;
  /** Share of JSON replies (judge role or `response_format` JSON) whose content is broken JSON. */
  rateMalformedJson: number;
  /** Share of replies cut short with `finish_reason: 'length'`. */
  rateTruncated: number;
  /** Share of requests whose socket is destroyed before any byte of the reply. */
  rateDrop: number;
  /** Seed of the fault and latency PRNGs; the same seed replays the same fault sequence. */
  faultSeed: number;
}

export const DEFAULT_FAULT_CONFIG: FaultConfig = {
  latencyMs: { distribution: 'fixed', mean: 0 },
  rate429: 0,
  retryAfterSeconds: 1,
  rate500: 0,
  rateHang: 0,
  hangMs: 60_000,
  rateMalformedJson: 0,
  rateTruncated: 0,
  rateDrop: 0,
  faultSeed: 1,
};

function formatIssuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => {
    if (typeof key === 'number') return `${acc}[${key}]`;
    return acc ? `${acc}.${String(key)}` : String(key);
  }, '');
}

/** One line per problem, each naming the field, so the caller knows what to fix. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = formatIssuePath(issue.path);
      return where ? `${where}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/**
 * Merges `input` over `current` and checks the result. Request-level faults (drop, hang, 429, 500)
 * are drawn from one uniform number, so their rates must add up to at most 1; the same holds for
 * the content faults (truncated, malformed JSON).
 */
export function mergeFaultConfig(current: FaultConfig, input: unknown): FaultConfig {
  const parsed = faultConfigInputSchema.safeParse(input);
  if (!parsed.success) throw new Error(`Invalid fault config: ${describeZodError(parsed.error)}`);
  const { latencyMs, ...rest } = parsed.data;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  const merged: FaultConfig = { ...current, ...defined };
  if (latencyMs !== undefined) {
    merged.latencyMs = typeof latencyMs === 'number' ? { distribution: 'fixed', mean: latencyMs } : latencyMs;
  }
  const latency = merged.latencyMs;
  if (latency.distribution === 'uniform' && latency.min > latency.max) {
    throw new Error(`Invalid fault config: latencyMs.min (${latency.min}) is greater than latencyMs.max (${latency.max})`);
  }
  const requestLevel = merged.rateDrop + merged.rateHang + merged.rate429 + merged.rate500;
  if (requestLevel > 1 + 1e-9) {
    throw new Error(
      `Invalid fault config: rateDrop + rateHang + rate429 + rate500 = ${requestLevel}, must be at most 1`,
    );
  }
  const contentLevel = merged.rateTruncated + merged.rateMalformedJson;
  if (contentLevel > 1 + 1e-9) {
    throw new Error(`Invalid fault config: rateTruncated + rateMalformedJson = ${contentLevel}, must be at most 1`);
  }
  return merged;
}
