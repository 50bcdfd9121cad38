import OpenAI from 'openai';

export function clientFor(url: string, options: { timeout?: number; apiKey?: string } = {}): OpenAI {
  return new OpenAI({ apiKey: options.apiKey ?? 'x', baseURL: url, maxRetries: 0, timeout: options.timeout ?? 5_000 });
}

/** Base URL of the control endpoints (`/__sim/*`) for a simulator URL ending in /v1. */
export function controlBase(url: string): string {
  return url.replace(/\/v1$/, '');
}

export const REVERSED_TEMPLATE = (response: string) =>
  'Below is a response to an instruction. Write the instruction that the response completes.\n\n' +
  `### Response:\n${response}\n\n### Instruction:\n`;
