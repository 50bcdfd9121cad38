export type YamlValue = string | number | boolean | null | readonly YamlValue[] | { readonly [key: string]: YamlValue };

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** Strings YAML reads back unchanged without quotes; anything else is double-quoted. */
const PLAIN_STRING = /^[A-Za-z][A-Za-z0-9._/-]*$/;
/** YAML 1.1 readers (PyYAML, which `huggingface_hub` uses) turn these into booleans or null. */
const RESERVED_WORDS = new Set(['y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', 'null']);

function scalar(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`YAML front matter cannot hold the number ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (PLAIN_STRING.test(value) && !RESERVED_WORDS.has(value.toLowerCase())) return value;
  // JSON strings are valid YAML double-quoted scalars, which sidesteps YAML's plain-scalar traps (1e3, ": ", "#").
  return JSON.stringify(value);
}

/** Plain keys stay unquoted so the front matter reads like hand-written Hugging Face metadata. */
function key(name: string): string {
  return PLAIN_KEY.test(name) ? name : JSON.stringify(name);
}

function isBlock(value: YamlValue): value is readonly YamlValue[] | { readonly [key: string]: YamlValue } {
  if (value === null || typeof value !== 'object') return false;
  return Array.isArray(value) ? value.length > 0 : Object.keys(value).length > 0;
}

function emptyCollection(value: YamlValue): string | null {
  if (Array.isArray(value) && value.length === 0) return '[]';
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0) return '{}';
  return null;
}

function inline(value: YamlValue): string {
  const empty = emptyCollection(value);
  if (empty !== null) return empty;
  return scalar(value as string | number | boolean | null);
}

function emitMapping(map: { readonly [key: string]: YamlValue }, indent: string): string[] {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(map)) {
    if (isBlock(value)) {
      lines.push(`${indent}${key(name)}:`);
      lines.push(...emitBlock(value, Array.isArray(value) ? indent : `${indent}  `));
    } else {
      lines.push(`${indent}${key(name)}: ${inline(value)}`);
    }
  }
  return lines;
}

function emitSequence(items: readonly YamlValue[], indent: string): string[] {
  const lines: string[] = [];
  for (const item of items) {
    if (isBlock(item)) {
      const nested = emitBlock(item, `${indent}  `);
      // The first line of a nested block moves up onto the dash: "- name: x".
      lines.push(`${indent}- ${nested[0].slice(indent.length + 2)}`, ...nested.slice(1));
    } else {
      lines.push(`${indent}- ${inline(item)}`);
    }
  }
  return lines;
}

function emitBlock(value: readonly YamlValue[] | { readonly [key: string]: YamlValue }, indent: string): string[] {
  return Array.isArray(value)
    ? emitSequence(value, indent)
    : emitMapping(value as { readonly [key: string]: YamlValue }, indent);
}

/** Block-style YAML for a mapping; strings are always double-quoted. */
export function toYaml(map: { readonly [key: string]: YamlValue }): string {
  return emitMapping(map, '').join('\n') + '\n';
}
