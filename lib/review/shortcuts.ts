// Client-safe keyboard map of the review views.

export const shortcutActions = ['next', 'previous', 'toggleSelect', 'edit', 'help', 'keep', 'drop'] as const;
export type ShortcutAction = (typeof shortcutActions)[number];

export const shortcutKeys: Record<string, ShortcutAction> = {
  j: 'next',
  k: 'previous',
  x: 'toggleSelect',
  e: 'edit',
  '?': 'help',
  K: 'keep',
  D: 'drop',
};

export const shortcutHelp: { keys: string; action: ShortcutAction; description: string }[] = [
  { keys: 'j', action: 'next', description: 'Next pair (opens it in the detail panel)' },
  { keys: 'k', action: 'previous', description: 'Previous pair' },
  { keys: 'x', action: 'toggleSelect', description: 'Select or unselect the current pair for a bulk action' },
  { keys: 'e', action: 'edit', description: 'Edit the instruction of the current pair' },
  { keys: 'Shift+K', action: 'keep', description: 'Keep the current pair (your decision overrides the pipeline)' },
  { keys: 'Shift+D', action: 'drop', description: 'Drop the current pair' },
  { keys: '?', action: 'help', description: 'Show or hide these shortcuts' },
];

type KeyTarget = { tagName?: string; isContentEditable?: boolean; type?: string } | null;
export type KeyEventLike = { key: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean; target: KeyTarget | EventTarget | null };

const textInputTypes = new Set(['text', 'search', 'email', 'password', 'number', 'url', 'tel', 'date', 'datetime-local', 'month', 'time', 'week', '']);

/** True while the user types somewhere: shortcuts must not steal those keys. */
export function isTypingTarget(target: KeyTarget | EventTarget | null): boolean {
  if (!target || typeof target !== 'object') return false;
  const element = target as { tagName?: string; isContentEditable?: boolean; type?: string };
  if (element.isContentEditable) return true;
  const tag = element.tagName?.toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') return textInputTypes.has((element.type ?? '').toLowerCase());
  return false;
}

/** The action a key press asks for, or null when it is not a shortcut here. */
export function shortcutFor(event: KeyEventLike): ShortcutAction | null {
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  if (isTypingTarget(event.target)) return null;
  return shortcutKeys[event.key] ?? null;
}
