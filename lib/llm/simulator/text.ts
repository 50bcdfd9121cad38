/** Deterministic token estimate: about four characters per token, as OpenAI's rule of thumb. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Cuts `text` to about `maxTokens` tokens (the inverse of `estimateTokens`). */
export function truncateToTokens(text: string, maxTokens: number): string {
  return text.slice(0, Math.max(0, maxTokens) * 4);
}

const STOPWORDS = new Set(
  (
    'about above after again against also always among another anyone anything around because been before being below ' +
    'between both cannot could does doing down during each either even every from further getting going gonna have having ' +
    'here hers herself himself into itself just know like little made make many maybe more most much must myself never ' +
    'nothing only other ought ours ourselves over really same said says shall should since some something still such ' +
    'than that thats their theirs them themselves then there these they thing things this those though through together ' +
    'under until very want wants were what whatever when where whether which while whom whose will with within without ' +
    'would your yours yourself yourselves dont cant wont isnt arent didnt doesnt youre theyre people think well okay yeah ' +
    'response instruction write given text following honestly actually basically literally seriously ' +
    'totally simply probably definitely already keeps letting getting'
  ).split(' '),
);

// Long inputs are scanned only in part: the gist is near the start and this keeps the server cheap.
const KEYWORD_SCAN_CHARS = 4000;

/** The few most frequent content words of `text`, most frequent first (ties: earliest first). */
export function extractKeywords(text: string, limit = 3): string[] {
  const words = text.slice(0, KEYWORD_SCAN_CHARS).toLowerCase().match(/[a-z][a-z'-]*[a-z]/g) ?? [];
  const counts = new Map<string, { count: number; first: number }>();
  words.forEach((raw, position) => {
    const word = raw.replace(/'/g, '');
    if (word.length < 4 || STOPWORDS.has(word)) return;
    const entry = counts.get(word);
    if (entry) entry.count += 1;
    else counts.set(word, { count: 1, first: position });
  });
  return [...counts.entries()]
    .sort((a, b) => b[1].count - a[1].count || a[1].first - b[1].first)
    .slice(0, limit)
    .map(([word]) => word);
}

export function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** Lower case with collapsed whitespace, for "contains verbatim" checks that ignore layout. */
export function normalizeForCompare(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * The text of the last `### Response:` block (any case), up to the following `### Instruction:`
 * header or the end. The reversed prompt template puts the response there and asks the model to
 * continue after `### Instruction:`; few-shot prompts repeat the pair, so the last one is the target.
 * Returns null when there is no such block.
 */
export function extractResponseBlock(text: string): string | null {
  const headers = [...text.matchAll(/^[ \t]*###[ \t]*response[ \t]*:?[ \t]*$/gim)];
  const last = headers.at(-1);
  if (!last || last.index === undefined) return null;
  const after = text.slice(last.index + last[0].length);
  const end = after.search(/^[ \t]*###[ \t]*instruction\b/im);
  return (end === -1 ? after : after.slice(0, end)).trim();
}

export const SECTION_LABELS = ['instruction', 'response', 'chosen', 'rejected'] as const;
export type SectionLabel = (typeof SECTION_LABELS)[number];

const LABEL_SYNONYMS: Record<string, SectionLabel> = {
  instruction: 'instruction',
  response: 'response',
  chosen: 'chosen',
  preferred: 'chosen',
  rejected: 'rejected',
  dispreferred: 'rejected',
};

const LABEL_WORDS = Object.keys(LABEL_SYNONYMS).join('|');
// `### Chosen`, `### Chosen response:`, `Chosen: text`, `**Rejected answer:** text`
const HEADER_LINE = new RegExp(
  `^[ \\t]*(#{1,6}[ \\t]*)?(?:\\*\\*)?(${LABEL_WORDS})s?(?:[ \\t]+(?:response|answer|output|text))?[ \\t]*(?:\\*\\*)?[ \\t]*(:)?[ \\t]*(?:\\*\\*)?[ \\t]*(.*)$`,
  'i',
);
const XML_SECTION = new RegExp(`<(${LABEL_WORDS})>([\\s\\S]*?)</\\1>`, 'gi');

/**
 * Finds labelled sections in a judge prompt: XML-ish tags (`<chosen>…</chosen>`) or header lines
 * (`### Chosen`, `Chosen:`, `**Rejected:**`). A header needs `#` or a colon so ordinary sentences
 * that start with "Instruction" are not taken for labels. The last occurrence of a label wins,
 * because few-shot judge prompts show examples before the item to judge.
 */
export function parseLabelledSections(text: string): Partial<Record<SectionLabel, string>> {
  const sections: Partial<Record<SectionLabel, string>> = {};
  for (const match of text.matchAll(XML_SECTION)) {
    sections[LABEL_SYNONYMS[match[1].toLowerCase()]] = match[2].trim();
  }
  if (Object.keys(sections).length > 0) return sections;

  let current: SectionLabel | null = null;
  let lines: string[] = [];
  const flush = () => {
    if (current) sections[current] = lines.join('\n').trim();
  };
  for (const line of text.split('\n')) {
    const header = HEADER_LINE.exec(line);
    // A colon makes a label; a markdown header needs none but must stand alone on its line.
    const isHeader = header !== null && (header[3] !== undefined || (header[1] !== undefined && header[4] === ''));
    if (header && isHeader) {
      flush();
      current = LABEL_SYNONYMS[header[2].toLowerCase()];
      lines = header[4] ? [header[4]] : [];
    } else if (current) {
      lines.push(line);
    }
  }
  flush();
  return sections;
}
