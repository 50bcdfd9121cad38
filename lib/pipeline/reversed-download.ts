/**
 * The reversed-tuning training file as a stream: an uploaded Alpaca or ShareGPT dataset in,
 * JSONL `{"prompt": …, "completion": …}` out, one record per (instruction, response) pair, in the
 * reversed template. Records the flipper cannot read are left out and counted.
 */
import { DEFAULT_REVERSED_TEMPLATE, reversedTemplates } from '@/lib/pipeline/prompts/reversed-template';
import { flipInstructionDataset, shareGptTurnsLabels, type FlipDatasetOptions, type RowError, type TextChunks } from '@/lib/pipeline/reversed-data';

/** One line saying how the file was made (template, and the ShareGPT choice), for the response and the page. */
export function flipNote(options: Pick<FlipDatasetOptions, 'template' | 'shareGptTurns'>): string {
  const template = reversedTemplates[options.template ?? DEFAULT_REVERSED_TEMPLATE];
  return `Template: ${template.label} (${template.source}). ShareGPT turns: ${shareGptTurnsLabels[options.shareGptTurns ?? 'each']}.`;
}

/** File name of the flipped file; it names the template so files made with different layouts are not mixed up. */
export function flippedFileName(name: string, options: Pick<FlipDatasetOptions, 'template'>): string {
  return `${name}.reversed.${options.template ?? DEFAULT_REVERSED_TEMPLATE}.jsonl`;
}

export interface FlipSummary {
  records: number;
  skippedPairs: number;
  errorCount: number;
  /** The first few row errors, for the user to fix. */
  errors: RowError[];
}

/** JSONL lines of the flipped file; `summary` is complete once the generator is done. */
export async function* reversedJsonlLines(source: TextChunks, options: FlipDatasetOptions, summary: FlipSummary, keepErrors = 20): AsyncGenerator<string> {
  for await (const event of flipInstructionDataset(source, options)) {
    if (event.kind === 'record') {
      summary.records += 1;
      yield `${JSON.stringify(event.record)}\n`;
    } else if (event.kind === 'skipped') {
      summary.skippedPairs += event.pairs;
    } else {
      summary.errorCount += 1;
      if (summary.errors.length < keepErrors) summary.errors.push(event.error);
    }
  }
}

export function emptySummary(): FlipSummary {
  return { records: 0, skippedPairs: 0, errorCount: 0, errors: [] };
}

/** Chunks of a web ReadableStream (a request body) as an async iterable. */
export async function* streamChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** A web ReadableStream of UTF-8 bytes from an async generator of strings. */
export function readableFromLines(lines: AsyncGenerator<string>, onError: (error: unknown) => void): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await lines.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (error) {
        onError(error);
        controller.error(error);
      }
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
}
