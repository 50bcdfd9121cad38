import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';

import { normaliseForDedup, readSourceRows, type ImportFormat } from '@/lib/importers';

import { collect, gzip, tempDirForThisFile } from './helpers';

const temp = tempDirForThisFile();

const singleLineTexts = [
  'emoji 😀 and a family 👩‍👩‍👧 and flags 🇳🇱',
  'مرحبا بالعالم — right-to-left with \u202Eoverride\u202C',
  'zero\u200Bwidth\u200Cnon\u200Djoiner\u2060word\uFEFFjoiner',
  '  leading and trailing spaces  ',
  '\ttabs\tand\u00A0no-break spaces\u00A0',
  'NFC caf\u00E9',
  'NFD cafe\u0301',
  'Ｆｕｌｌｗｉｄｔｈ and 𝔪𝔞𝔱𝔥 and 中文',
  'a "quoted" word, a comma; a pipe | and a backslash \\',
];
const multiLineTexts = ['line one\nline two', 'crlf one\r\nand two\r\n', '\n\nleading newlines'];

function csvField(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

const writers: Record<ImportFormat, (texts: string[]) => Uint8Array | string> = {
  csv: (texts) => ['text,n', ...texts.map((text, index) => `${csvField(text)},${index}`)].join('\r\n'),
  tsv: (texts) => ['text\tn', ...texts.map((text, index) => `${csvField(text)}\t${index}`)].join('\n'),
  jsonl: (texts) => texts.map((text) => JSON.stringify({ text })).join('\n'),
  json: (texts) => JSON.stringify(texts.map((text) => ({ text })), null, 1),
  text: (texts) => texts.join('\n'),
  parquet: (texts) => new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'text', data: texts, type: 'STRING' }] })),
};

const extensions: Record<ImportFormat, string> = { csv: 'csv', tsv: 'tsv', jsonl: 'jsonl', json: 'json', text: 'txt', parquet: 'parquet' };

describe('exotic text round-trips byte for byte', () => {
  it.each(Object.keys(writers) as ImportFormat[])('%s', async (format) => {
    const texts = format === 'text' ? singleLineTexts : [...singleLineTexts, ...multiLineTexts];
    const path = await temp.file(`exotic.${extensions[format]}`, writers[format](texts));
    const gzPath = await temp.file(`exotic-gz.${extensions[format]}.gz`, gzip(writers[format](texts)));
    for (const input of [path, gzPath]) {
      const results = await collect(readSourceRows(input, { textColumn: 'text' }));
      const stored = results.map((result) => ('row' in result ? result.row.text : `error: ${result.error.reason}`));
      expect(stored).toEqual(texts);
      for (const [index, text] of stored.entries()) {
        expect(Buffer.from(text, 'utf8').equals(Buffer.from(texts[index], 'utf8'))).toBe(true);
      }
    }
  });

  it('removes only the file BOM: a U+FEFF that starts the first item is text', async () => {
    const path = await temp.file('bom.txt', '\uFEFF\uFEFFfirst item\n\uFEFFsecond\n');
    const texts = (await collect(readSourceRows(path, { textColumn: 'text' }))).map((result) => ('row' in result ? result.row.text : ''));
    expect(texts).toEqual(['\uFEFFfirst item', '\uFEFFsecond']);
  });

  it('keeps NFC and NFD spellings apart in storage', async () => {
    const path = await temp.file('nf.jsonl', ['{"text":"caf\u00E9"}', '{"text":"cafe\u0301"}'].join('\n'));
    const texts = (await collect(readSourceRows(path, { textColumn: 'text' }))).map((result) => ('row' in result ? result.row.text : ''));
    expect(texts).toEqual(['caf\u00E9', 'cafe\u0301']);
    expect(texts[0]).not.toBe(texts[1]);
  });
});

describe('normaliseForDedup', () => {
  it('NFC-normalises, collapses whitespace, trims and lowercases', () => {
    expect(normaliseForDedup('  Hello\u00A0\n\t WORLD  ')).toBe('hello world');
    expect(normaliseForDedup('Cafe\u0301')).toBe(normaliseForDedup('CAF\u00C9'));
    expect(normaliseForDedup('مرحبا  بالعالم')).toBe('مرحبا بالعالم');
  });

  it('keeps genuinely different texts apart', () => {
    expect(normaliseForDedup('hate speech')).not.toBe(normaliseForDedup('hate  speeches'));
    expect(normaliseForDedup('a😀')).not.toBe(normaliseForDedup('a😁'));
  });
});
