/**
 * Tiny prompt template language.
 *
 * - `{{name}}` (spaces inside the braces allowed: `{{ name }}`) is replaced by `vars.name`.
 *   Names are letters, digits and `_`, not starting with a digit.
 * - `\{{` is a literal `{{`. Any other `{{` that does not form a valid tag is an error, so a typo
 *   such as `{{ topic }` cannot silently reach the model. A lone `}}` is literal text.
 * - Values are inserted verbatim: no HTML escaping (the output is a prompt, not a web page) and no
 *   re-scanning, so a value containing `{{x}}` stays literal text and cannot inject variables.
 * - Errors are `TemplateError`s carrying the variable name and a 1-based line and column.
 *
 * Chat templates (`renderChatTemplate`) split the template into messages at lines that consist of a
 * role marker only: `<|system|>`, `<|user|>` or `<|assistant|>`. Markers are found in the template
 * before values are inserted, so a value can never start a new message.
 */
import type { ChatMessage, ChatRole } from '@/lib/llm/types';

export type { ChatMessage, ChatRole };

export type TemplateValue = string | number;
export type TemplateVariables = Readonly<Record<string, TemplateValue | undefined>>;

export interface TemplatePosition {
  /** 0-based offset into the template string. */
  offset: number;
  /** 1-based line. */
  line: number;
  /** 1-based column, in UTF-16 code units. */
  column: number;
}

export class TemplateError extends Error {
  readonly variable: string | undefined;
  readonly position: TemplatePosition;

  constructor(message: string, position: TemplatePosition, variable?: string) {
    super(message);
    this.name = 'TemplateError';
    this.variable = variable;
    this.position = position;
  }
}

type Segment = { kind: 'text'; text: string } | { kind: 'variable'; name: string; offset: number };

const TAG_AT = /\{\{[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*\}\}/y;

export function locateOffset(template: string, offset: number): TemplatePosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i += 1) {
    if (template.charCodeAt(i) === 10) {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}

function describe(position: TemplatePosition): string {
  return `line ${position.line}, column ${position.column}`;
}

/** Parses template[start, end) into segments; offsets stay relative to the whole template. */
function parseSegments(template: string, start = 0, end = template.length): Segment[] {
  const segments: Segment[] = [];
  let text = '';
  let i = start;
  while (i < end) {
    if (template.startsWith('\\{{', i) && i + 3 <= end) {
      text += '{{';
      i += 3;
      continue;
    }
    if (template.startsWith('{{', i) && i + 2 <= end) {
      TAG_AT.lastIndex = i;
      const match = TAG_AT.exec(template);
      if (!match || i + match[0].length > end) {
        const position = locateOffset(template, i);
        throw new TemplateError(
          `Malformed template tag at ${describe(position)}: expected {{name}} with a name of letters, digits and _; ` +
            'write \\{{ for a literal {{',
          position,
        );
      }
      if (text) segments.push({ kind: 'text', text });
      text = '';
      segments.push({ kind: 'variable', name: match[1], offset: i });
      i += match[0].length;
      continue;
    }
    text += template[i];
    i += 1;
  }
  if (text) segments.push({ kind: 'text', text });
  return segments;
}

function renderSegments(template: string, segments: readonly Segment[], vars: TemplateVariables): string {
  let output = '';
  for (const segment of segments) {
    if (segment.kind === 'text') {
      output += segment.text;
      continue;
    }
    const value = Object.hasOwn(vars, segment.name) ? vars[segment.name] : undefined;
    if (value === undefined) {
      const position = locateOffset(template, segment.offset);
      const known = Object.keys(vars).filter((name) => vars[name] !== undefined);
      throw new TemplateError(
        `Unknown template variable "${segment.name}" at ${describe(position)}; ` +
          `known variables: ${known.length > 0 ? known.join(', ') : '(none)'}`,
        position,
        segment.name,
      );
    }
    output += String(value);
  }
  return output;
}

/** Renders `{{name}}` variables; throws `TemplateError` naming an unknown variable and where it is. */
export function renderTemplate(template: string, vars: TemplateVariables): string {
  return renderSegments(template, parseSegments(template), vars);
}

/** Distinct variable names in order of first use. Throws `TemplateError` on malformed tags. */
export function listTemplateVariables(template: string): string[] {
  const names: string[] = [];
  for (const segment of parseSegments(template)) {
    if (segment.kind === 'variable' && !names.includes(segment.name)) names.push(segment.name);
  }
  return names;
}

/**
 * Problems that would make the template fail for a stage offering `allowed` variables:
 * malformed tags and variables outside `allowed`. Empty when the template is usable.
 */
export function checkTemplate(template: string, allowed: readonly string[]): TemplateError[] {
  let segments: Segment[];
  try {
    segments = parseSegments(template);
  } catch (error) {
    if (error instanceof TemplateError) return [error];
    throw error;
  }
  return segments.flatMap((segment) => {
    if (segment.kind !== 'variable' || allowed.includes(segment.name)) return [];
    const position = locateOffset(template, segment.offset);
    return [
      new TemplateError(
        `Unknown template variable "${segment.name}" at ${describe(position)}; available here: ${allowed.join(', ')}`,
        position,
        segment.name,
      ),
    ];
  });
}

const ROLE_MARKER_LINE = /^[ \t]*<\|(system|user|assistant)\|>[ \t]*(?:\r?\n|$)/gm;
const LEADING_BLANK_LINES = /^(?:[ \t]*\r?\n)+/;
const TRAILING_BLANK_LINES = /(?:\r?\n[ \t]*)+$/;

interface ChatSection {
  role: ChatRole;
  start: number;
  end: number;
  markerOffset: number;
}

function splitChatSections(template: string): ChatSection[] {
  const markers = [...template.matchAll(ROLE_MARKER_LINE)];
  if (markers.length === 0) return [{ role: 'user', start: 0, end: template.length, markerOffset: 0 }];
  const preamble = template.slice(0, markers[0].index);
  if (preamble.trim() !== '') {
    const position = locateOffset(template, preamble.search(/\S/));
    throw new TemplateError(
      `Text before the first role marker at ${describe(position)}; start the template with <|system|> or <|user|>`,
      position,
    );
  }
  return markers.map((marker, index) => {
    const next = markers[index + 1];
    const rawStart = marker.index + marker[0].length;
    const rawEnd = next ? next.index : template.length;
    const raw = template.slice(rawStart, rawEnd);
    const leading = LEADING_BLANK_LINES.exec(raw)?.[0].length ?? 0;
    const trailing = TRAILING_BLANK_LINES.exec(raw.slice(leading))?.[0].length ?? 0;
    return { role: marker[1] as ChatRole, start: rawStart + leading, end: rawEnd - trailing, markerOffset: marker.index };
  });
}

/**
 * Renders a chat template into messages. Without role markers the whole template is one user
 * message. Blank lines around each message are dropped; an empty message is an error.
 */
export function renderChatTemplate(template: string, vars: TemplateVariables): ChatMessage[] {
  return splitChatSections(template).map((section) => {
    if (section.end <= section.start || template.slice(section.start, section.end).trim() === '') {
      const position = locateOffset(template, section.markerOffset);
      throw new TemplateError(`Empty <|${section.role}|> message at ${describe(position)}`, position);
    }
    const content = renderSegments(template, parseSegments(template, section.start, section.end), vars);
    return { role: section.role, content };
  });
}
