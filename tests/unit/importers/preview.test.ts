import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';

import { batch, previewFile, readSourceRows, sourceMappingSchema } from '@/lib/importers';

import { chunkedStream, collect, gzip, tempDirForThisFile } from './helpers';

const temp = tempDirForThisFile();

describe('previewFile', () => {
  it('shows the first rows of a CSV with the detected delimiter and a suggested source mapping', async () => {
    const lines = ['id;comment_text;category;lang', ...Array.from({ length: 50 }, (_, index) => `${index};"text ${index}; with a semicolon";hate;en`)];
    const preview = await previewFile(await temp.file('corpus.csv', lines.join('\n')), { rowCount: 5 });
    expect(preview).toMatchObject({
      format: 'csv',
      compressed: false,
      detectedDelimiter: ';',
      columns: ['id', 'comment_text', 'category', 'lang'],
      errors: [],
      pairShape: null,
    });
    expect(preview.rows).toHaveLength(5);
    expect(preview.rows[0]).toEqual({ id: '0', comment_text: 'text 0; with a semicolon', category: 'hate', lang: 'en' });
    expect(preview.suggestedMapping.source).toEqual({
      textColumn: 'comment_text',
      topic: { kind: 'column', column: 'category' },
      idColumn: 'id',
      metadataColumns: ['lang'],
    });
    // The suggestion is a valid mapping as the browser would send it back.
    expect(sourceMappingSchema.parse(preview.suggestedMapping.source)).toEqual(preview.suggestedMapping.source);
  });

  it('collects JSONL columns in order of appearance, stringifies nested values and cuts long cells', async () => {
    const content = [
      JSON.stringify({ body: 'x'.repeat(50), extra: { a: 1 } }),
      'oops',
      JSON.stringify({ body: 'short', score: 0.5, flag: null }),
    ].join('\n');
    const preview = await previewFile(chunkedStream(gzip(content), 64), { maxCellChars: 10 });
    expect(preview.format).toBe('jsonl');
    expect(preview.compressed).toBe(true);
    expect(preview.columns).toEqual(['body', 'extra', 'score', 'flag']);
    expect(preview.rows).toEqual([
      { body: 'xxxxxxxxxx…', extra: '{"a":1}', score: null, flag: null },
      { body: 'short', extra: null, score: '0.5', flag: null },
    ]);
    expect(preview.errors).toEqual([{ line: 2, reason: expect.stringMatching(/^invalid JSON/) }]);
    expect(preview.suggestedMapping.source?.textColumn).toBe('body');
  });

  it('stops reading a big gzip file after the rows it shows', async () => {
    // Pseudo-random payload, so that the compressed file is much bigger than what is read ahead.
    let seed = 42;
    const noise = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31).toString(36);
    const content = Array.from({ length: 20_000 }, (_, index) => JSON.stringify({ text: `row ${index}`, noise: noise() + noise() })).join('\n');
    const compressed = gzip(content);
    let chunksRead = 0;
    async function* slowSource(): AsyncGenerator<Uint8Array> {
      for (let start = 0; start < compressed.length; start += 1024) {
        chunksRead++;
        yield compressed.subarray(start, start + 1024);
      }
    }
    const preview = await previewFile({ stream: slowSource(), fileName: 'big.jsonl.gz' }, { rowCount: 3 });
    expect(preview.rows.map((row) => row.text)).toEqual(['row 0', 'row 1', 'row 2']);
    expect(compressed.length).toBeGreaterThan(200_000);
    expect(chunksRead).toBeLessThan(Math.ceil(compressed.length / 1024) / 2);
  });

  it('suggests a pair mapping for preference files', async () => {
    const csv = 'instruction,rejected,chosen,label\n"Q",bad,good,hate\n';
    const preview = await previewFile(await temp.file('pairs.csv', csv));
    expect(preview.pairShape).toBe('columns');
    expect(preview.suggestedMapping.pair).toEqual({
      shape: 'columns',
      instructionColumn: 'instruction',
      chosenColumn: 'chosen',
      rejectedColumn: 'rejected',
      topic: { kind: 'column', column: 'label' },
      idColumn: null,
      metadataColumns: [],
    });

    const hh = JSON.stringify({ chosen: '\n\nHuman: a\n\nAssistant: b', rejected: '\n\nHuman: a\n\nAssistant: c', split: 'train' });
    const hhPreview = await previewFile(await temp.file('hh.jsonl', hh));
    expect(hhPreview.suggestedMapping.pair).toEqual({ shape: 'hh-rlhf', topic: { kind: 'none' }, idColumn: null, metadataColumns: ['split'] });
  });

  it('shows the first rows of a Parquet file with its schema columns', async () => {
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'text', data: Array.from({ length: 1000 }, (_, index) => `t${index}`), type: 'STRING' },
        { name: 'topic', data: Array.from({ length: 1000 }, () => 'nsfw'), type: 'STRING' },
      ],
    });
    const preview = await previewFile(await temp.file('p.parquet', new Uint8Array(buffer)), { rowCount: 3 });
    expect(preview.columns).toEqual(['text', 'topic']);
    expect(preview.rows.map((row) => row.text)).toEqual(['t0', 't1', 't2']);
  });

  it('shows the header of a CSV without data rows', async () => {
    const preview = await previewFile(await temp.file('header-only.csv', 'text,topic\n'));
    expect(preview.columns).toEqual(['text', 'topic']);
    expect(preview.rows).toEqual([]);
  });
});

describe('readSourceRows with a fixed topic, metadata, and batch()', () => {
  it('applies the mapping and batches the results for the database', async () => {
    const content = Array.from({ length: 7 }, (_, index) => JSON.stringify({ t: `text ${index}`, src: 'forum', n: index })).join('\n');
    const run = readSourceRows(await temp.file('m.jsonl', content), {
      textColumn: 't',
      topic: { kind: 'fixed', value: 'self-harm' },
      metadataColumns: ['src', 'absent'],
    });
    const batches = await collect(batch(run, 3));
    expect(batches.map((group) => group.length)).toEqual([3, 3, 1]);
    expect(batches[0][1]).toEqual({ row: { text: 'text 1', topic: 'self-harm', externalId: null, metadata: { src: 'forum' }, line: 2 } });
    expect(run.stats).toMatchObject({ records: 7, rows: 7, errors: 0, format: 'jsonl' });
  });
});
