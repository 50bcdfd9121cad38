'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';

import { deleteCorpusAction, deleteDatasetAction } from '@/lib/actions/corpora';
import { Button } from '@/components/ui/button';
import { Field, Input } from '@/components/ui/field';

const deleters = { corpus: deleteCorpusAction, dataset: deleteDatasetAction };
const nouns = { corpus: { thing: 'corpus', items: 'texts' }, dataset: { thing: 'dataset', items: 'pairs' } };

/** Deleting a corpus or dataset asks for its name first; the deletion is audit-logged. */
export function DeleteWithConfirmation({ kind, id, name, itemCount }: { kind: keyof typeof deleters; id: string; name: string; itemCount: number }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const noun = nouns[kind];
  if (!open) {
    return (
      <Button variant="danger" onClick={() => setOpen(true)}>
        Delete {noun.thing}…
      </Button>
    );
  }
  return (
    <form
      aria-label={`Delete ${noun.thing}`}
      className="w-full max-w-md space-y-3 rounded-md border border-rose-300 p-3 dark:border-rose-800"
      onSubmit={(event) => {
        event.preventDefault();
        startTransition(async () => {
          const result = await deleters[kind]({ id, confirmName: typed });
          if (!result.ok) setError(result.error);
          else router.push('/corpora');
        });
      }}
    >
      <p className="text-sm">
        This deletes “{name}” and its {itemCount.toLocaleString('en-US')} {noun.items} for good (pairs made from them by runs are not affected).
      </p>
      <Field label={`Type the ${noun.thing} name to confirm`} htmlFor="confirm-name" error={error ?? undefined}>
        <Input id="confirm-name" value={typed} onChange={(event) => setTyped(event.target.value)} autoComplete="off" />
      </Field>
      <div className="flex gap-2">
        <Button type="submit" variant="danger" disabled={pending || typed.trim() !== name.trim()}>
          Delete permanently
        </Button>
        <Button type="button" variant="ghost" onClick={() => setOpen(false)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
