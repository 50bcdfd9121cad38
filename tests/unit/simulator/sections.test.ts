import { describe, expect, it } from 'vitest';
import { hasSections, parseSections, sectionBlock } from '@/lib/llm/simulator/sections';

describe('section contract', () => {
  it('round-trips a body verbatim, including blank lines, tags inside lines and CRLF input', () => {
    const body = 'line one\n\n  <instruction> inline is text </instruction>\nlast';
    const text = `Intro\n${sectionBlock('source_text', body)}\n\n${sectionBlock('instruction', 'Do X?')}`;
    expect(parseSections(text).last).toEqual({ source_text: body, instruction: 'Do X?' });
    expect(parseSections(text.replaceAll('\n', '\r\n')).last).toEqual({ source_text: body, instruction: 'Do X?' });
  });

  it('keeps every section in order, the last of a name wins, and an empty body is empty', () => {
    const text = [sectionBlock('instruction', 'example'), sectionBlock('instruction', ''), sectionBlock('chosen', 'A')].join('\n');
    const parsed = parseSections(text);
    expect(parsed.all.map((section) => [section.name, section.body, section.line])).toEqual([
      ['instruction', 'example', 1],
      ['instruction', '', 4],
      ['chosen', 'A', 7],
    ]);
    expect(parsed.last).toEqual({ instruction: '', chosen: 'A' });
  });

  it('does not nest, reports unclosed tags, and ignores tags that are not alone on their line', () => {
    const nested = parseSections('<chosen>\n<rejected>\nx\n</rejected>\n</chosen>');
    expect(nested.last).toEqual({ chosen: '<rejected>\nx\n</rejected>' });
    const open = parseSections('<instruction>\nno end\n<chosen>\nok\n</chosen>');
    expect(open.unclosed).toEqual([{ name: 'instruction', line: 1 }]);
    expect(open.last).toEqual({ chosen: 'ok' });
    expect(hasSections('Say <instruction>x</instruction> please')).toBe(false);
    expect(hasSections('<Instruction>\nx\n</Instruction>')).toBe(false);
  });

  it('refuses names outside the contract', () => {
    expect(() => sectionBlock('Bad Name', 'x')).toThrow(/not a valid section name/);
  });
});
