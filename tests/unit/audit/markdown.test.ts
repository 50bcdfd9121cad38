import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { parseInline, parseMarkdown, safeHref } from '@/lib/audit/markdown';
import { SafeMarkdown } from '@/components/audits/safe-markdown';

const render = (source: string) => renderToStaticMarkup(createElement(SafeMarkdown, { source }));

describe('parseMarkdown', () => {
  it('parses headings, paragraphs, lists and code fences', () => {
    const blocks = parseMarkdown('# Title\n\nFirst line\nsecond line\n\n- one\n- two\n  continued\n\n1. a\n2) b\n\n```\n<b>raw</b>\n```\n## Sub ##');
    expect(blocks).toEqual([
      { type: 'heading', level: 1, children: [{ type: 'text', text: 'Title' }] },
      { type: 'paragraph', children: [{ type: 'text', text: 'First line second line' }] },
      { type: 'list', ordered: false, items: [[{ type: 'text', text: 'one' }], [{ type: 'text', text: 'two continued' }]] },
      { type: 'list', ordered: true, items: [[{ type: 'text', text: 'a' }], [{ type: 'text', text: 'b' }]] },
      { type: 'code', text: '<b>raw</b>' },
      { type: 'heading', level: 2, children: [{ type: 'text', text: 'Sub' }] },
    ]);
  });

  it('parses bold, italic, code and escapes', () => {
    expect(parseInline('**bold** and *it* and _it2_ and `x*y*` and \\*not\\*')).toEqual([
      { type: 'strong', children: [{ type: 'text', text: 'bold' }] },
      { type: 'text', text: ' and ' },
      { type: 'em', children: [{ type: 'text', text: 'it' }] },
      { type: 'text', text: ' and ' },
      { type: 'em', children: [{ type: 'text', text: 'it2' }] },
      { type: 'text', text: ' and ' },
      { type: 'code', text: 'x*y*' },
      { type: 'text', text: ' and *not*' },
    ]);
    expect(parseInline('snake_case_name and 2 * 3 * 4')).toEqual([{ type: 'text', text: 'snake_case_name and 2 * 3 * 4' }]);
    expect(parseInline('**unclosed')).toEqual([{ type: 'text', text: '**unclosed' }]);
  });
});

describe('safeHref', () => {
  it('keeps only absolute http(s) URLs', () => {
    expect(safeHref('https://example.org/a?b=c')).toBe('https://example.org/a?b=c');
    expect(safeHref('HTTP://example.org')).toBe('http://example.org/');
    for (const bad of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', ' javascript:alert(1)', 'data:text/html,<script>', '/relative', '//evil.example', 'mailto:a@b.c', 'vbscript:x', 'https://']) {
      expect(safeHref(bad), bad).toBeNull();
    }
  });
});

describe('SafeMarkdown', () => {
  it('renders the subset as elements', () => {
    const html = render('## Rules\n\n- **Accept** only *safe* answers\n- see `code`');
    expect(html).toContain('<h3 class="text-base font-semibold">Rules</h3>');
    expect(html).toContain('<li><strong class="font-semibold">Accept</strong> only <em>safe</em> answers</li>');
    expect(html).toMatch(/<code[^>]*>code<\/code>/);
  });

  it('never renders raw HTML, scripts or images', () => {
    const html = render('<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n![tracker](https://evil.example/p.png)\n\n<a href="javascript:alert(1)">x</a>');
    expect(html).not.toMatch(/<script|<img|<a /i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('tracker');
    expect(html).not.toContain('evil.example');
  });

  it('links only to http(s), with rel="noopener", and shows other links as plain text', () => {
    const html = render('[guide](https://example.org/guide) and [bad](javascript:alert(1)) and [rel](/admin)');
    expect(html).toContain('<a href="https://example.org/guide" target="_blank" rel="noopener noreferrer nofollow"');
    expect(html).toContain('<span>bad</span>');
    expect(html).toContain('<span>rel</span>');
    expect(html).not.toContain('javascript:');
    expect(html).not.toContain('href="/admin"');
  });
});
