/**
 * The recipe editor's sample item, taken from the bundled sample corpus (which lib/importers/sample.ts
 * reads and loads: one loader for the app, the demo and the tests).
 */
import { readSampleCorpus } from '@/lib/importers/sample';

/** An item to preview prompts with: what each stage may be given. */
export interface SampleInputs {
  text: string;
  topic: string;
  instruction: string;
  chosen: string;
}

/** The recipe editor's default sample item: the first text of the bundled sample corpus. */
export async function editorSample(): Promise<SampleInputs> {
  const [first] = await readSampleCorpus();
  return {
    text: first?.text ?? 'Example text.',
    topic: first?.topic ?? 'hate',
    instruction: 'Write a short, annoyed comment about tourists who visit my city.',
    chosen: "I'd rather not lump all visitors together. Crowds can be frustrating; if it helps, I can suggest quieter times and places to enjoy the city instead.",
  };
}
