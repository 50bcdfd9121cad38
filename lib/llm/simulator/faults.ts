import type { FaultConfig, LatencyConfig } from './config';
import { mulberry32, type Rng } from './random';

export const FAULT_KINDS = ['http429', 'http500', 'hang', 'drop', 'truncated', 'malformedJson'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Faults that replace the whole reply. */
export type RequestFault = Extract<FaultKind, 'http429' | 'http500' | 'hang' | 'drop'>;
/** Faults that spoil the content of an otherwise normal reply. */
export type ContentFault = Extract<FaultKind, 'truncated' | 'malformedJson'>;

export interface FaultPlan {
  latencyMs: number;
  requestFault: RequestFault | null;
  contentFault: ContentFault | null;
  /** Picks which kind of broken JSON or where to cut, so those vary too. */
  variant: number;
}

// Order matters only for reproducibility: changing it changes which requests get which fault.
const REQUEST_FAULT_RATES: ReadonlyArray<[RequestFault, (c: FaultConfig) => number]> = [
  ['drop', (c) => c.rateDrop],
  ['hang', (c) => c.rateHang],
  ['http429', (c) => c.rate429],
  ['http500', (c) => c.rate500],
];
const CONTENT_FAULT_RATES: ReadonlyArray<[ContentFault, (c: FaultConfig) => number]> = [
  ['truncated', (c) => c.rateTruncated],
  ['malformedJson', (c) => c.rateMalformedJson],
];

function drawFromRates<K>(u: number, config: FaultConfig, rates: ReadonlyArray<[K, (c: FaultConfig) => number]>): K | null {
  let threshold = 0;
  for (const [kind, rateOf] of rates) {
    threshold += rateOf(config);
    if (u < threshold) return kind;
  }
  return null;
}

/** Box–Muller; one normal sample from two uniforms. */
function normalSample(rng: Rng, mean: number, sd: number): number {
  const u1 = Math.max(rng(), Number.MIN_VALUE);
  const u2 = rng();
  return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

const latencySamplers: { [D in LatencyConfig['distribution']]: (rng: Rng, c: Extract<LatencyConfig, { distribution: D }>) => number } = {
  fixed: (_rng, c) => c.mean,
  uniform: (rng, c) => c.min + rng() * (c.max - c.min),
  normal: (rng, c) => Math.min(c.max ?? Infinity, Math.max(c.min ?? 0, normalSample(rng, c.mean, c.sd))),
};

export function sampleLatencyMs(rng: Rng, config: LatencyConfig): number {
  const sampler = latencySamplers[config.distribution] as (rng: Rng, c: LatencyConfig) => number;
  return Math.max(0, sampler(rng, config));
}

/**
 * Draws faults from a PRNG seeded by `faultSeed`. Every request consumes the same number of fault
 * draws whatever the outcome, and latency has its own PRNG, so changing the latency settings does
 * not shift which requests fail.
 */
export class FaultPlanner {
  private faultRng: Rng;
  private latencyRng: Rng;

  constructor(private config: FaultConfig) {
    this.faultRng = mulberry32(config.faultSeed);
    this.latencyRng = mulberry32(config.faultSeed ^ 0x9e3779b9);
  }

  get current(): FaultConfig {
    return this.config;
  }

  /** Replaces the config; restarts the sequences only when the seed changes or `restart` is set. */
  update(config: FaultConfig, restart = false): void {
    const reseed = restart || config.faultSeed !== this.config.faultSeed;
    this.config = config;
    if (reseed) {
      this.faultRng = mulberry32(config.faultSeed);
      this.latencyRng = mulberry32(config.faultSeed ^ 0x9e3779b9);
    }
  }

  restart(): void {
    this.update(this.config, true);
  }

  next(): FaultPlan {
    const requestDraw = this.faultRng();
    const contentDraw = this.faultRng();
    const variantDraw = this.faultRng();
    return {
      latencyMs: sampleLatencyMs(this.latencyRng, this.config.latencyMs),
      requestFault: drawFromRates(requestDraw, this.config, REQUEST_FAULT_RATES),
      contentFault: drawFromRates(contentDraw, this.config, CONTENT_FAULT_RATES),
      variant: Math.floor(variantDraw * 1_000_000),
    };
  }
}
