'use client';

import { useState, useTransition } from 'react';
import { useRouter } from 'next/navigation';
import { Button } from '@/components/ui/button';
import { setAuditStatusAction } from '@/lib/actions/audits';

export function AuditStatusToggle({ auditId, status }: { auditId: string; status: 'OPEN' | 'CLOSED' }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const next = status === 'OPEN' ? 'CLOSED' : 'OPEN';
  return (
    <>
      <Button
        variant="secondary"
        disabled={pending}
        onClick={() =>
          startTransition(async () => {
            const result = await setAuditStatusAction({ auditId, status: next });
            setError(result.ok ? null : result.error);
            router.refresh();
          })
        }
      >
        {status === 'OPEN' ? 'Close audit' : 'Reopen audit'}
      </Button>
      {error && (
        <span role="alert" className="text-sm text-rose-600">
          {error}
        </span>
      )}
    </>
  );
}
