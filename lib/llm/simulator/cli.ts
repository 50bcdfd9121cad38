import { parseArgs } from 'node:util';
import type { FaultConfigInput, LatencyConfig } from './config';
import type { SimulatorOptions } from './server';

export const DEFAULT_CLI_PORT = 8790;

// Every flag can also come from the environment as SIM_<FLAG> (`--rate-429` → SIM_RATE_429); a flag wins.
const FAULT_FLAGS = {
  'rate-429': 'rate429',
  'retry-after': 'retryAfterSeconds',
  'rate-500': 'rate500',
  'rate-hang': 'rateHang',
  'hang-ms': 'hangMs',
  'rate-malformed-json': 'rateMalformedJson',
  'rate-truncated': 'rateTruncated',
  'rate-drop': 'rateDrop',
  'fault-seed': 'faultSeed',
} as const satisfies Record<string, Exclude<keyof FaultConfigInput, 'latencyMs'>>;

const OTHER_FLAGS = ['port', 'latency-ms', 'latency-dist', 'latency-min', 'latency-max', 'latency-sd', 'pass-rate', 'flaw-rate', 'api-key'] as const;
const ALL_FLAGS = [...OTHER_FLAGS, ...(Object.keys(FAULT_FLAGS) as Array<keyof typeof FAULT_FLAGS>)];
type Flag = (typeof ALL_FLAGS)[number];

export const CLI_USAGE = `Usage: npm run sim -- [flags]   (OpenAI-compatible simulator; outputs are NOT from a real model)
  --port N                 port on 127.0.0.1 (env SIM_PORT, default ${DEFAULT_CLI_PORT}; 0 = any free port)
  --latency-ms N           added latency per call (mean for normal, fixed otherwise)
  --latency-dist D         fixed | uniform | normal (default fixed)
  --latency-min N, --latency-max N, --latency-sd N   bounds / spread for uniform and normal
  --rate-429 R --retry-after S --rate-500 R --rate-hang R --hang-ms N
  --rate-malformed-json R --rate-truncated R --rate-drop R --fault-seed N
  --pass-rate R            judge pass rate for acceptable items (default 0.85)
  --flaw-rate R            share of reversed/expert replies with a typical model flaw (default 0.1)
  --api-key K              require Authorization: Bearer K
Each flag also reads env SIM_<FLAG>, e.g. SIM_RATE_429=0.1.`;

export interface SimulatorCli {
  help: boolean;
  port: number;
  options: SimulatorOptions;
}

function envName(flag: Flag): string {
  return `SIM_${flag.toUpperCase().replace(/-/g, '_')}`;
}

function toNumber(flag: Flag, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) throw new Error(`--${flag} (or ${envName(flag)}) must be a number, got '${raw}'`);
  return value;
}

function latencyFrom(read: (flag: Flag) => number | undefined, dist: string | undefined): LatencyConfig | undefined {
  const mean = read('latency-ms');
  const min = read('latency-min');
  const max = read('latency-max');
  const sd = read('latency-sd');
  const distribution = dist ?? 'fixed';
  if (distribution === 'fixed') return mean === undefined ? undefined : { distribution, mean };
  if (distribution === 'uniform') return { distribution, min: min ?? 0, max: max ?? 2 * (mean ?? 0) };
  if (distribution === 'normal') return { distribution, mean: mean ?? 0, sd: sd ?? (mean ?? 0) / 4, min, max };
  throw new Error(`--latency-dist must be fixed, uniform or normal, got '${distribution}'`);
}

/** Reads flags and SIM_* variables into simulator options; throws with the flag to fix. */
export function parseSimulatorCli(argv: string[], env: Readonly<Record<string, string | undefined>>): SimulatorCli {
  const { values: parsed } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', short: 'h' },
      ...Object.fromEntries(ALL_FLAGS.map((flag) => [flag, { type: 'string' as const }])),
    },
    strict: true,
  });
  // The options object is built from a list, so parseArgs cannot type the keys itself.
  const values = parsed as Record<string, string | boolean | undefined>;
  const raw = (flag: Flag): string | undefined => {
    const fromFlag = values[flag];
    return typeof fromFlag === 'string' ? fromFlag : env[envName(flag)];
  };
  const read = (flag: Flag): number | undefined => {
    const value = raw(flag);
    return value === undefined ? undefined : toNumber(flag, value);
  };

  const faults: FaultConfigInput = {};
  for (const [flag, key] of Object.entries(FAULT_FLAGS) as Array<[keyof typeof FAULT_FLAGS, (typeof FAULT_FLAGS)[keyof typeof FAULT_FLAGS]]>) {
    const value = read(flag);
    if (value !== undefined) faults[key] = value;
  }
  const latencyMs = latencyFrom(read, raw('latency-dist'));
  if (latencyMs) faults.latencyMs = latencyMs;

  const port = read('port') ?? DEFAULT_CLI_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port (or SIM_PORT) must be an integer 0–65535, got ${port}`);
  return {
    help: values.help === true,
    port,
    options: { port, faults, passRate: read('pass-rate'), flawRate: read('flaw-rate'), requireApiKey: raw('api-key') },
  };
}
