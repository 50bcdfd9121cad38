/**
 * A deliberately tiny markdown subset for audit guidelines: headings, paragraphs, bullet and
 * numbered lists, fenced code, bold, italic, inline code and links. It parses to a tree that the
 * renderer turns into React elements, so text is always escaped by React: raw HTML stays visible
 * as text, images become their alt text, and a link keeps its href only when it is an absolute
 * http(s) URL.
 */

export type Inline =
  | { type: 'text'; text: string }
  | { type: 'strong'; children: Inline[] }
  | { type: 'em'; children: Inline[] }
  | { type: 'code'; text: string }
  | { type: 'link'; href: string | null; children: Inline[] };

export type Block =
  | { type: 'heading'; level: 1 | 2 | 3 | 4 | 5 | 6; children: Inline[] }
  | { type: 'paragraph'; children: Inline[] }
  | { type: 'list'; ordered: boolean; items: Inline[][] }
  | { type: 'code'; text: string };

/** The URL when it is an absolute http(s) URL, otherwise null (javascript:, data:, relative…). */
export function safeHref(url: string): string | null {
  const trimmed = url.trim();
  if (!/^https?:\/\//i.test(trimmed)) return null;
  try {
    const parsed = new URL(trimmed);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

const ESCAPABLE = new Set('\\`*_{}[]()#+-.!|>~<'.split(''));

function pushText(nodes: Inline[], text: string): void {
  if (text === '') return;
  const last = nodes[nodes.length - 1];
  if (last?.type === 'text') last.text += text;
  else nodes.push({ type: 'text', text });
}

/** `[label](url)` starting at `start` (the "["): label, url and the index after ")", or null. */
function matchLink(source: string, start: number): { label: string; url: string; end: number } | null {
  let depth = 0;
  let close = -1;
  for (let i = start; i < source.length; i += 1) {
    if (source[i] === '\\') {
      i += 1;
      continue;
    }
    if (source[i] === '[') depth += 1;
    if (source[i] === ']') {
      depth -= 1;
      if (depth === 0) {
        close = i;
        break;
      }
    }
  }
  if (close < 0 || source[close + 1] !== '(') return null;
  const end = source.indexOf(')', close + 2);
  if (end < 0) return null;
  const url = source.slice(close + 2, end).trim().split(/\s+/)[0] ?? '';
  return { label: source.slice(start + 1, close), url, end: end + 1 };
}

/** Closing delimiter for `marker` at or after `from`, not preceded by a backslash; -1 if none. */
function findClosing(source: string, marker: string, from: number): number {
  for (let i = from; i <= source.length - marker.length; i += 1) {
    if (source[i] === '\\') {
      i += 1;
      continue;
    }
    if (source.startsWith(marker, i) && i > from) {
      // A single * must not be half of a ** that closes something else.
      if (marker.length === 1 && source[i + 1] === marker) {
        i += 1;
        continue;
      }
      return i;
    }
  }
  return -1;
}

export function parseInline(source: string): Inline[] {
  const nodes: Inline[] = [];
  let i = 0;
  while (i < source.length) {
    const char = source[i];
    if (char === '\\' && i + 1 < source.length && ESCAPABLE.has(source[i + 1])) {
      pushText(nodes, source[i + 1]);
      i += 2;
      continue;
    }
    if (char === '`') {
      const end = source.indexOf('`', i + 1);
      if (end > i + 1) {
        nodes.push({ type: 'code', text: source.slice(i + 1, end) });
        i = end + 1;
        continue;
      }
    }
    if (char === '!' && source[i + 1] === '[') {
      const image = matchLink(source, i + 1);
      if (image) {
        // No images, ever: show the alt text instead.
        pushText(nodes, image.label);
        i = image.end;
        continue;
      }
    }
    if (char === '[') {
      const link = matchLink(source, i);
      if (link) {
        nodes.push({ type: 'link', href: safeHref(link.url), children: parseInline(link.label) });
        i = link.end;
        continue;
      }
    }
    if ((char === '*' || char === '_') && source[i + 1] === char) {
      const marker = char + char;
      const end = findClosing(source, marker, i + 2);
      if (end > i + 2) {
        nodes.push({ type: 'strong', children: parseInline(source.slice(i + 2, end)) });
        i = end + 2;
        continue;
      }
    }
    if (char === '*' || char === '_') {
      // `_` inside a word (snake_case) is not emphasis.
      const wordBefore = char === '_' && i > 0 && /\w/.test(source[i - 1]);
      const end = wordBefore ? -1 : findClosing(source, char, i + 1);
      const wordAfter = char === '_' && end > 0 && /\w/.test(source[end + 1] ?? '');
      if (end > i + 1 && !wordAfter && source[i + 1] !== ' ') {
        nodes.push({ type: 'em', children: parseInline(source.slice(i + 1, end)) });
        i = end + 1;
        continue;
      }
    }
    pushText(nodes, char);
    i += 1;
  }
  return nodes;
}

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^\s{0,3}[-*+]\s+(.*)$/;
const NUMBERED = /^\s{0,3}\d{1,9}[.)]\s+(.*)$/;
const FENCE = /^\s{0,3}(```|~~~)/;

export function parseMarkdown(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  let list: { ordered: boolean; items: string[] } | null = null;

  const flushParagraph = () => {
    if (paragraph.length > 0) blocks.push({ type: 'paragraph', children: parseInline(paragraph.join(' ')) });
    paragraph = [];
  };
  const flushList = () => {
    if (list) blocks.push({ type: 'list', ordered: list.ordered, items: list.items.map(parseInline) });
    list = null;
  };

  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index];
    const fence = FENCE.exec(line);
    if (fence) {
      flushParagraph();
      flushList();
      const body: string[] = [];
      index += 1;
      while (index < lines.length && !lines[index].trimStart().startsWith(fence[1])) {
        body.push(lines[index]);
        index += 1;
      }
      blocks.push({ type: 'code', text: body.join('\n') });
      continue;
    }
    if (line.trim() === '') {
      flushParagraph();
      flushList();
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      flushParagraph();
      flushList();
      blocks.push({ type: 'heading', level: heading[1].length as 1 | 2 | 3 | 4 | 5 | 6, children: parseInline(heading[2]) });
      continue;
    }
    const bullet = BULLET.exec(line);
    const numbered = bullet ? null : NUMBERED.exec(line);
    const item = bullet ?? numbered;
    if (item) {
      flushParagraph();
      const ordered = numbered !== null;
      if (list && list.ordered !== ordered) flushList();
      list ??= { ordered, items: [] };
      list.items.push(item[1]);
      continue;
    }
    if (list && /^\s+\S/.test(line)) {
      // An indented line continues the previous list item.
      list.items[list.items.length - 1] += ` ${line.trim()}`;
      continue;
    }
    flushList();
    paragraph.push(line.trim().replace(/^>\s?/, ''));
  }
  flushParagraph();
  flushList();
  return blocks;
}
