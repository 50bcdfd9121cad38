import { CLI_USAGE, parseSimulatorCli } from '@/lib/llm/simulator/cli';
import { startSimulator } from '@/lib/llm/simulator/server';

async function main(): Promise<void> {
  let cli;
  try {
    cli = parseSimulatorCli(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(`sim: ${(error as Error).message}\n\n${CLI_USAGE}`);
    process.exit(2);
  }
  if (cli.help) {
    console.log(CLI_USAGE);
    return;
  }
  const sim = await startSimulator(cli.options);
  // The URL alone on stdout so wrappers can read it; the rest goes to stderr.
  console.log(sim.url);
  console.error(
    `sim: simulated OpenAI-compatible API (not a real model) at ${sim.url}; models: sim-reversed, sim-judge, sim-expert; ` +
      `faults: ${JSON.stringify(sim.getFaults())}; control: ${sim.url.replace(/\/v1$/, '')}/__sim/{stats,faults,reset}`,
  );
  const stop = (signal: NodeJS.Signals) => {
    console.error(`sim: ${signal}, shutting down`);
    sim.close().then(
      () => process.exit(0),
      (error: Error) => {
        console.error(`sim: error while closing: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: Error) => {
  console.error(`sim: ${error.message}`);
  process.exit(1);
});
