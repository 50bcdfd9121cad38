import { ensureSimulatorEndpoints, hasRealEndpoints } from '@/lib/llm/endpoints';
import { parseSimulatorCli } from '@/lib/llm/simulator/cli';
import { startSimulator, type SimulatorHandle } from '@/lib/llm/simulator/server';

/**
 * For `npm start`: with no real endpoint configured, runs the simulator inside the start process
 * (SIM_PORT and the other SIM_* variables apply, see lib/llm/simulator/README.md) and points the
 * simulated endpoints at it. Returns null when a real endpoint exists.
 */
export async function startSimulatorWhenNoEndpoints(log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<SimulatorHandle | null> {
  if (await hasRealEndpoints()) return null;
  const { options } = parseSimulatorCli([], env);
  // A free port unless SIM_PORT says otherwise: several instances may run side by side.
  const simulator = await startSimulator({ ...options, port: env.SIM_PORT ? options.port : 0 });
  const endpoints = await ensureSimulatorEndpoints(simulator.url);
  log(
    `LLM simulator running at ${simulator.url} (${endpoints.map((e) => e.name).join(', ')}). ` +
      'It is NOT a real model: its outputs are canned and marked SIMULATED. Add a real provider under Settings → Providers.',
  );
  return simulator;
}
