'use client';

import { useEffect, useRef } from 'react';
import { shortcutHelp } from '@/lib/review/shortcuts';

export function ShortcutsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) element.showModal();
    if (!open && element.open) element.close();
  }, [open]);
  return (
    <dialog
      ref={dialog}
      aria-labelledby="shortcuts-title"
      onClose={onClose}
      className="m-auto rounded-lg border border-slate-200 bg-white p-6 text-slate-900 shadow-xl backdrop:bg-slate-900/40 dark:border-slate-800 dark:bg-slate-900 dark:text-slate-100"
    >
      <h2 id="shortcuts-title" className="mb-3 text-base font-semibold">
        Keyboard shortcuts
      </h2>
      <table className="text-sm">
        <tbody>
          {shortcutHelp.map((entry) => (
            <tr key={entry.keys}>
              <td className="py-1 pr-4">
                <kbd className="rounded border border-slate-300 px-1.5 py-0.5 font-mono text-xs dark:border-slate-700">{entry.keys}</kbd>
              </td>
              <td className="py-1">{entry.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="mt-3 text-xs text-slate-500">Shortcuts are off while you type in a field. Esc closes this.</p>
      <button type="button" onClick={onClose} className="mt-4 text-sm text-indigo-600 hover:underline dark:text-indigo-400">
        Close
      </button>
    </dialog>
  );
}
