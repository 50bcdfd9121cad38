import { describe, expect, it } from 'vitest';
import { isTypingTarget, shortcutFor, shortcutHelp, shortcutKeys } from '@/lib/review/shortcuts';

const press = (key: string, target: object | null = { tagName: 'BODY' }, modifiers: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {}) =>
  shortcutFor({ key, target, ctrlKey: false, metaKey: false, altKey: false, ...modifiers });

describe('review keyboard shortcuts', () => {
  it('maps j/k/x/e/? to navigation, selection, edit and help', () => {
    expect(['j', 'k', 'x', 'e', '?'].map((key) => press(key))).toEqual(['next', 'previous', 'toggleSelect', 'edit', 'help']);
    expect(press('K')).toBe('keep');
    expect(press('D')).toBe('drop');
    expect(press('q')).toBeNull();
  });

  it('never fires while the user types in inputs, textareas, selects or editable content', () => {
    for (const target of [{ tagName: 'INPUT', type: 'text' }, { tagName: 'input', type: 'search' }, { tagName: 'TEXTAREA' }, { tagName: 'SELECT' }, { tagName: 'DIV', isContentEditable: true }, { tagName: 'INPUT' }]) {
      expect(press('j', target)).toBeNull();
      expect(isTypingTarget(target)).toBe(true);
    }
    // A checkbox or a button has focus after a click: keys there are still shortcuts.
    expect(press('j', { tagName: 'INPUT', type: 'checkbox' })).toBe('next');
    expect(press('x', { tagName: 'BUTTON' })).toBe('toggleSelect');
  });

  it('leaves browser and system shortcuts alone', () => {
    expect(press('k', undefined, { ctrlKey: true })).toBeNull();
    expect(press('j', undefined, { metaKey: true })).toBeNull();
    expect(press('e', undefined, { altKey: true })).toBeNull();
  });

  it('documents every shortcut it handles', () => {
    expect(new Set(shortcutHelp.map((entry) => entry.action))).toEqual(new Set(Object.values(shortcutKeys)));
  });
});
