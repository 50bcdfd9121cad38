import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';

import { db } from '@/lib/db/client';
import { normaliseForDedup } from '@/lib/importers';

import { corpusNamed, gzip, importFile, newCorpus, tempFiles, textsOf, uniqueName } from './helpers';

const temp = tempFiles();

const expected = [
  { id: 'a1', topic: 'hate', text: 'First text, with a comma' },
  { id: 'a2', topic: 'illegal', text: 'Second "quoted" text\nwith an embedded newline' },
  { id: 'a3', topic: 'nsfw', text: 'Third text' },
];

function csv(delimiter: string): string {
  const quote = (value: string) => (/[",\n\r\t;]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  return `\uFEFFid${delimiter}topic${delimiter}text\r\n${expected.map((row) => [row.id, row.topic, row.text].map(quote).join(delimiter)).join('\r\n')}\r\n`;
}

const jsonl = expected.map((row) => JSON.stringify(row)).join('\n') + '\n';
const mapping = { textColumn: 'text', topic: { kind: 'column' as const, column: 'topic' }, idColumn: 'id' };

async function expectStored(name: string) {
  const corpus = await corpusNamed(name);
  expect(corpus).not.toBeNull();
  const texts = await textsOf(corpus!.id);
  expect(texts.map((row) => ({ id: row.externalId, topic: row.topic, text: row.text }))).toEqual(expected);
  expect(corpus!.itemCount).toBe(3);
  return texts;
}

describe('each format goes through the database', () => {
  it.each([
    ['CSV (BOM, CRLF, quotes, embedded newline)', 'corpus.csv', () => csv(',')],
    ['TSV', 'corpus.tsv', () => csv('\t')],
    ['semicolon CSV (detected delimiter)', 'semicolon.csv', () => csv(';')],
    ['JSONL', 'corpus.jsonl', () => jsonl],
    ['JSON array', 'corpus.json', () => JSON.stringify(expected, null, 2)],
    ['gzip JSONL', 'corpus.jsonl.gz', () => gzip(jsonl)],
    ['gzip CSV', 'corpus.csv.gz', () => gzip(csv(','))],
  ])('%s', async (_label, fileName, content) => {
    const name = uniqueName(fileName);
    const { outcome, record } = await importFile(await temp.file(`${name}-${fileName}`.replaceAll(' ', '_'), content()), newCorpus(name, mapping));
    expect(outcome).toMatchObject({ status: 'COMPLETED', rowsInserted: 3, duplicates: 0, errors: 0 });
    expect(record).toMatchObject({ status: 'COMPLETED', rowsRead: 3, rowsInserted: 3, errorCount: 0 });
    const texts = await expectStored(name);
    expect(texts.map((row) => row.line)).toEqual(fileName.includes('json') && !fileName.includes('jsonl') ? [2, 7, 12] : fileName.includes('jsonl') ? [1, 2, 3] : [2, 3, 5]);
  });

  it('Parquet', async () => {
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'id', data: expected.map((row) => row.id), type: 'STRING' },
        { name: 'topic', data: expected.map((row) => row.topic), type: 'STRING' },
        { name: 'text', data: expected.map((row) => row.text), type: 'STRING' },
      ],
    });
    const name = uniqueName('parquet');
    const { outcome } = await importFile(await temp.file(`${name.replaceAll(' ', '_')}.parquet`, new Uint8Array(buffer)), newCorpus(name, mapping));
    expect(outcome.status).toBe('COMPLETED');
    const texts = await expectStored(name);
    expect(texts.map((row) => row.line)).toEqual([1, 2, 3]);
  });

  it('plain text, one item per line, with a fixed topic and no id', async () => {
    const name = uniqueName('text');
    const file = await temp.file(`${name.replaceAll(' ', '_')}.txt`, 'first line\r\n\nsecond line  \nthird\n');
    const { outcome } = await importFile(file, newCorpus(name, { textColumn: 'text', topic: { kind: 'fixed', value: 'self-harm' } }));
    expect(outcome).toMatchObject({ status: 'COMPLETED', rowsInserted: 3 });
    const texts = await textsOf((await corpusNamed(name))!.id);
    expect(texts.map((row) => [row.text, row.topic, row.line, row.externalId])).toEqual([
      ['first line', 'self-harm', 1, null],
      ['second line  ', 'self-harm', 3, null],
      ['third', 'self-harm', 4, null],
    ]);
  });

  it('keeps chosen metadata columns with their JSON types, and topics default to "unlabelled"', async () => {
    const name = uniqueName('metadata');
    const rows = [
      { text: 'one', source: 'forum', score: 0.5, tags: ['a', 'b'], extra: 'dropped' },
      { text: 'two', score: null, nested: { deep: [1, { x: 'y' }] } },
    ];
    const file = await temp.file(`${name.replaceAll(' ', '_')}.jsonl`, rows.map((row) => JSON.stringify(row)).join('\n'));
    const { outcome } = await importFile(file, newCorpus(name, { textColumn: 'text', metadataColumns: ['source', 'score', 'tags', 'nested'] }));
    expect(outcome.status).toBe('COMPLETED');
    const texts = await textsOf((await corpusNamed(name))!.id);
    expect(texts.map((row) => [row.topic, row.metadata])).toEqual([
      ['unlabelled', { source: 'forum', score: 0.5, tags: ['a', 'b'] }],
      ['unlabelled', { score: null, nested: { deep: [1, { x: 'y' }] } }],
    ]);
  });
});

describe('duplicates', () => {
  it('skips exact duplicates after normalisation (case, whitespace, NFC) within a file and across imports, and counts them', async () => {
    const name = uniqueName('dups');
    const lines = ['Same text here', '  same   TEXT here ', 'Caf\u00e9 au lait', 'Cafe\u0301 au lait', 'Different', 'Same text here'];
    const first = await importFile(await temp.file(`${name.replaceAll(' ', '_')}-1.txt`, lines.join('\n')), newCorpus(name, { textColumn: 'text' }), { batchRows: 2 });
    expect(first.outcome).toMatchObject({ status: 'COMPLETED', rowsInserted: 3, duplicates: 3 });
    const corpus = (await corpusNamed(name))!;
    // The first occurrence is stored, exactly as written.
    expect((await textsOf(corpus.id)).map((row) => row.text)).toEqual(['Same text here', 'Caf\u00e9 au lait', 'Different']);

    const second = await importFile(
      await temp.file(`${name.replaceAll(' ', '_')}-2.txt`, 'DIFFERENT\nnew one\n'),
      { kind: 'corpus', target: { mode: 'existing', corpusId: corpus.id }, mapping: { textColumn: 'text' } },
    );
    expect(second.outcome).toMatchObject({ status: 'COMPLETED', rowsInserted: 1, duplicates: 1 });
    const after = await db().corpus.findUniqueOrThrow({ where: { id: corpus.id } });
    expect(after).toMatchObject({ itemCount: 4, duplicateCount: 4 });
    expect(new Set((await textsOf(corpus.id)).map((row) => row.dedupHash)).size).toBe(4);
    expect(normaliseForDedup('  same   TEXT here ')).toBe(normaliseForDedup('Same text here'));
  });
});

describe('exotic text round-trips byte for byte through Postgres', () => {
  const exotic = [
    'Family emoji 👨‍👩‍👧‍👦 and flags 🇳🇱🏳️‍🌈, skin tone 👍🏽',
    'Arabic: مرحبا بالعالم — Hebrew: שלום עולם',
    'zero\u200bwidth\u200cjoiners\u200d and BOM\ufeff inside, word\u2060joiner',
    'Combining: e\u0301 a\u0308 (decomposed) vs \u00e9 (composed)',
    'Tabs\tand\u00a0non-breaking\u2003spaces, trailing spaces   ',
    '   leading spaces and a final newline\n',
    'CJK 日本語のテキスト 한국어 中文',
    'Math 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 and astral 𓀀 characters',
    'Right-to-left override \u202Eevil\u202C and LRM\u200E',
    'Line\r\nwith CRLF inside',
  ];

  it.each([
    ['JSONL', 'jsonl', () => exotic.map((text, index) => JSON.stringify({ id: index, text })).join('\n')],
    ['CSV', 'csv', () => `id,text\n${exotic.map((text, index) => `${index},"${text.replaceAll('"', '""')}"`).join('\n')}\n`],
    ['Parquet', 'parquet', () => new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'id', data: exotic.map((_, index) => String(index)), type: 'STRING' }, { name: 'text', data: exotic, type: 'STRING' }] }))],
  ])('%s', async (_label, extension, content) => {
    const name = uniqueName(`exotic ${extension}`);
    const { outcome } = await importFile(await temp.file(`${name.replaceAll(' ', '_')}.${extension}`, content()), newCorpus(name, { textColumn: 'text', idColumn: 'id' }));
    expect(outcome).toMatchObject({ status: 'COMPLETED', rowsInserted: exotic.length, duplicates: 0 });
    const corpus = (await corpusNamed(name))!;
    // Compare the bytes Postgres holds, not a string the driver may have decoded leniently.
    const stored = await db().$queryRaw<{ externalId: string; bytes: Uint8Array }[]>`
      SELECT "externalId", convert_to(text, 'UTF8') AS bytes FROM "SourceText" WHERE "corpusId" = ${corpus.id} ORDER BY id`;
    expect(stored.map((row) => Number(row.externalId))).toEqual(exotic.map((_, index) => index));
    stored.forEach((row, index) => expect(Buffer.from(row.bytes).equals(Buffer.from(exotic[index], 'utf8'))).toBe(true));
  });
});
