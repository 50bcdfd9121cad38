import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CLI_PORT, parseSimulatorCli } from '@/lib/llm/simulator/cli';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

describe('simulator CLI options', () => {
  it('reads flags, falls back to SIM_* variables, and lets flags win', () => {
    const cli = parseSimulatorCli(['--latency-ms', '50', '--rate-429', '0.1', '--retry-after', '2', '--api-key', 'k'], {
      SIM_PORT: '9123',
      SIM_RATE_429: '0.9',
      SIM_RATE_DROP: '0.05',
      SIM_PASS_RATE: '0.5',
    });
    expect(cli.port).toBe(9123);
    expect(cli.options).toEqual({
      port: 9123,
      passRate: 0.5,
      requireApiKey: 'k',
      faults: { latencyMs: { distribution: 'fixed', mean: 50 }, rate429: 0.1, retryAfterSeconds: 2, rateDrop: 0.05 },
    });
  });

  it('builds uniform and normal latency and uses the default port', () => {
    const uniform = parseSimulatorCli(['--latency-dist', 'uniform', '--latency-min', '5', '--latency-max', '15'], {});
    expect(uniform.port).toBe(DEFAULT_CLI_PORT);
    expect(uniform.options.faults?.latencyMs).toEqual({ distribution: 'uniform', min: 5, max: 15 });
    const normal = parseSimulatorCli(['--latency-dist', 'normal', '--latency-ms', '40'], {});
    expect(normal.options.faults?.latencyMs).toEqual({ distribution: 'normal', mean: 40, sd: 10, min: undefined, max: undefined });
  });

  it('names the flag to fix', () => {
    expect(() => parseSimulatorCli(['--rate-500', 'lots'], {})).toThrow(/--rate-500 .*'lots'/);
    expect(() => parseSimulatorCli([], { SIM_PORT: '70000' })).toThrow(/SIM_PORT/);
    expect(() => parseSimulatorCli(['--latency-dist', 'poisson'], {})).toThrow(/latency-dist/);
    expect(() => parseSimulatorCli(['--nope', '1'], {})).toThrow(/nope/);
  });
});

describe('scripts/sim.ts', () => {
  it('prints the base URL, serves requests and exits cleanly on SIGTERM', async () => {
    const child = spawn(`${repoRoot}node_modules/.bin/tsx`, ['scripts/sim.ts', '--port', '0', '--latency-ms', '1'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let stdout = '';
      child.stdout.setEncoding('utf8');
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: string) => {
          stdout += chunk;
          const line = stdout.split('\n')[0];
          if (stdout.includes('\n')) resolve(line.trim());
        });
        child.once('exit', (code) => reject(new Error(`sim exited early with ${code}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      const models = (await (await fetch(`${url}/models`)).json()) as { data: Array<{ owned_by: string }> };
      expect(models.data.every((m) => m.owned_by === 'simulator')).toBe(true);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 15_000);
});
