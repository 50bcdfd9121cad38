import { describe, expect, it, vi } from 'vitest';

import { flipInstructionDataset, type FlipEvent, type TextChunks } from '@/lib/pipeline/reversed-data';

vi.mock('@/lib/actions/authorized-action', () => ({ authorizeRoute: async () => ({ user: { id: 'u1', email: 'r@example.test' } }) }));
vi.mock('@/lib/audit-log/record', () => ({ recordAudit: vi.fn(async () => undefined) }));

async function collect(source: TextChunks, options?: Parameters<typeof flipInstructionDataset>[1]): Promise<FlipEvent[]> {
  const events: FlipEvent[] = [];
  for await (const event of flipInstructionDataset(source, options)) events.push(event);
  return events;
}

const alpaca = (index: number, padding = '') => JSON.stringify({ instruction: `Task ${index}${padding}`, input: '', output: `Answer ${index}` });

function piecesOf(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}

const summary = (events: FlipEvent[]) => events.map((event) => (event.kind === 'record' ? `record ${event.line}` : event.kind === 'error' ? `error ${event.error.line}: ${event.error.message}` : event.kind));

describe('reversed data: the importers limits', () => {
  it('stops a file over the size limit, saying so (bytes, also when sent as text)', async () => {
    const text = [alpaca(1), alpaca(2), alpaca(3)].join('\n');
    const bytes = new TextEncoder().encode(text);
    await expect(collect([bytes], { maxBytes: bytes.length - 1 })).rejects.toThrow(/^the file is larger than the limit of \d+ bytes; split it into smaller files$/);
    await expect(collect(piecesOf(text, 10), { maxBytes: bytes.length - 1 })).rejects.toThrow(/larger than the limit/);
    expect(summary(await collect([bytes], { maxBytes: bytes.length }))).toEqual(['record 1', 'record 2', 'record 3']);
  });

  it.each([
    ['JSONL', (records: string[]) => records.join('\n')],
    ['a JSON array', (records: string[]) => `[\n${records.join(',\n')}\n]`],
  ])('skips a record over the length limit in %s as a row error, and reads on', async (_label, container) => {
    const records = [alpaca(1), alpaca(2, 'x'.repeat(500)), alpaca(3)];
    const text = container(records);
    const expected = ['record', 'error: record is longer than the limit of 200 characters; it was skipped', 'record'];
    for (const size of [7, 64, text.length]) {
      const events = summary(await collect(piecesOf(text, size), { maxRecordLength: 200 }));
      expect(events.map((event) => event.replace(/ \d+(:|$)/, '$1')), `chunks of ${size}`).toEqual(expected);
      expect(events[1]).toMatch(new RegExp(`^error ${text.startsWith('[') ? 3 : 2}:`));
    }
  });

  it('an endless line without a newline ends as one row error, not as an ever-growing buffer', async () => {
    async function* endless(): AsyncGenerator<string> {
      yield `${alpaca(1)}\n`;
      for (let i = 0; i < 2000; i += 1) yield 'y'.repeat(1000);
    }
    expect(summary(await collect(endless(), { maxRecordLength: 10_000 }))).toEqual(['record 1', 'error 2: record is longer than the limit of 10000 characters; it was skipped']);
  });
});

describe('reversed data: linear in the input however it is cut', () => {
  /** Characters String.prototype.indexOf looked at while `run` ran (JSONL finds its line ends with it). */
  async function charactersSearched(run: () => Promise<unknown>): Promise<number> {
    const original = String.prototype.indexOf;
    let searched = 0;
    String.prototype.indexOf = function (this: string, search: string, from = 0) {
      const found = original.call(this, search, from);
      searched += (found === -1 ? this.length : found + search.length) - Math.max(0, from);
      return found;
    };
    try {
      await run();
    } finally {
      String.prototype.indexOf = original;
    }
    return searched;
  }

  it('JSONL searches each character for a line end about once, however small the chunks', async () => {
    const text = `${alpaca(1, 'z'.repeat(512 * 1024))}\n${alpaca(2)}\n`;
    for (const size of [16, 1024, text.length]) {
      const searched = await charactersSearched(() => collect(piecesOf(text, size), { container: 'jsonl' }));
      // The old reader searched the whole pending line again for every chunk: ~16 billion here.
      expect(searched, `chunks of ${size}`).toBeLessThan(2 * text.length);
    }
  });

  /** Best of three: the shared CPU makes single timings noisy. */
  async function fastest(run: () => Promise<unknown>): Promise<number> {
    let best = Infinity;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const started = performance.now();
      await run();
      best = Math.min(best, performance.now() - started);
    }
    return best;
  }

  it.each([
    ['JSONL', 'jsonl'],
    ['a JSON array', 'json-array'],
  ] as const)('a long record in small chunks (%s): eight times the input takes about eight times as long, not sixty-four', async (_label, container) => {
    const record = (length: number) => {
      const line = alpaca(1, 'z'.repeat(length));
      return container === 'jsonl' ? `${line}\n` : `[${line}]`;
    };
    const time = (length: number) => fastest(() => collect(piecesOf(record(length), 64), { container, maxRecordLength: 16 * 1024 * 1024 }));
    await time(256 * 1024); // warm-up
    const small = await time(1024 * 1024);
    const large = await time(8 * 1024 * 1024);
    // Linear: ~8×; quadratic: ~64×. Generous, because the machine is shared.
    expect(large / small, `${small.toFixed(1)} ms → ${large.toFixed(1)} ms`).toBeLessThan(24);
  }, 60_000);
});

describe('POST /api/runs/reversed-data', () => {
  it('refuses a body declared over the size limit with 413, before reading it', async () => {
    const { POST } = await import('@/app/api/runs/reversed-data/route');
    const response = await POST(
      new Request('http://localhost/api/runs/reversed-data?format=alpaca', {
        method: 'POST',
        body: alpaca(1),
        headers: { 'content-length': String(3 * 1024 ** 3) },
      }),
    );
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: 'The file is larger than the limit of 2.0 GB; split it into smaller files.' });
  });

  it('streams the flipped file for a body within the limit', async () => {
    const { POST } = await import('@/app/api/runs/reversed-data/route');
    const body = `${alpaca(1)}\n${alpaca(2)}\n`;
    const response = await POST(new Request('http://localhost/api/runs/reversed-data?format=alpaca', { method: 'POST', body }));
    expect(response.status).toBe(200);
    expect((await response.text()).trim().split('\n').map((line) => JSON.parse(line).completion)).toEqual(['Task 1', 'Task 2']);
  });
});
