'use client';

import { useState, useTransition } from 'react';

import type { ActionResult } from '@/lib/actions/authorized-action';
import { Button, type ButtonVariant } from '@/components/ui/button';

/**
 * A button that runs one server action and shows its error under the button: the shape shared by
 * "Load the sample corpus", "Load the demo prompt set" and "Sign out everywhere".
 */
export function ActionButton<T>({
  label,
  pendingLabel,
  variant,
  run,
  onDone,
}: {
  label: string;
  pendingLabel?: string;
  variant?: ButtonVariant;
  run: () => Promise<ActionResult<T>>;
  /** Called with the action's data when it succeeded (navigate, refresh…). */
  onDone: (data: T) => void | Promise<void>;
}) {
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="space-y-2">
      <Button
        variant={variant}
        disabled={pending}
        onClick={() =>
          startTransition(async () => {
            setError(null);
            const result = await run();
            if (!result.ok) setError(result.error);
            else await onDone(result.data);
          })
        }
      >
        {pending && pendingLabel ? pendingLabel : label}
      </Button>
      {error && (
        <p role="alert" className="text-sm text-rose-600 dark:text-rose-400">
          {error}
        </p>
      )}
    </div>
  );
}
