'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';

import { createSpotCheckAction } from '@/lib/actions/evaluations';
import { Button } from '@/components/ui/button';
import { Field, Input, Select } from '@/components/ui/field';

/** Creates a blind, seeded spot-check audit of one harmlessness judge's verdicts. */
export function SpotCheckForm({ evalRunId, judges }: { evalRunId: string; judges: { key: string; label: string }[] }) {
  const router = useRouter();
  const [judge, setJudge] = useState(judges[0]?.key ?? '');
  const [sampleSize, setSampleSize] = useState('30');
  const [seed, setSeed] = useState('1');
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  return (
    <form
      aria-label="Spot-check the judge"
      className="flex flex-wrap items-end gap-3"
      onSubmit={(event) => {
        event.preventDefault();
        startTransition(async () => {
          setError(null);
          const result = await createSpotCheckAction({ evalRunId, judge, sampleSize: Number(sampleSize), seed, blind: true });
          if (!result.ok) setError(result.error);
          else router.push(`/audits/${result.data.auditId}`);
        });
      }}
    >
      <Field label="Judge" htmlFor="spot-judge">
        <Select id="spot-judge" value={judge} onChange={(event) => setJudge(event.target.value)}>
          {judges.map((candidate) => (
            <option key={candidate.key} value={candidate.key}>
              {candidate.label}
            </option>
          ))}
        </Select>
      </Field>
      <Field label="Sample size" htmlFor="spot-size">
        <Input id="spot-size" inputMode="numeric" value={sampleSize} onChange={(event) => setSampleSize(event.target.value)} className="w-24" />
      </Field>
      <Field label="Seed" htmlFor="spot-seed">
        <Input id="spot-seed" value={seed} onChange={(event) => setSeed(event.target.value)} className="w-24" />
      </Field>
      <Button type="submit" disabled={pending || !judge}>
        {pending ? 'Creating…' : 'Create a spot-check audit'}
      </Button>
      {error && (
        <p role="alert" className="w-full text-sm text-rose-600 dark:text-rose-400">
          {error}
        </p>
      )}
    </form>
  );
}
