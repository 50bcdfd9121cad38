'use client';

import { useState, useTransition } from 'react';
import { setBlurPreferenceAction } from '@/lib/actions/preferences';

export function BlurPreferenceToggle({ initial }: { initial: boolean }) {
  const [blur, setBlur] = useState(initial);
  const [pending, startTransition] = useTransition();
  return (
    <label className="flex items-start gap-3 text-sm">
      <input
        type="checkbox"
        className="mt-0.5"
        checked={blur}
        disabled={pending}
        onChange={(event) => {
          const next = event.target.checked;
          setBlur(next);
          startTransition(async () => {
            const result = await setBlurPreferenceAction({ blurHarmful: next });
            if (!result.ok) setBlur(!next);
          });
        }}
      />
      <span>
        Blur harmful text (source and rejected texts) until I reveal it
        <span className="block text-xs text-slate-500">Recommended. You can still reveal single items.</span>
      </span>
    </label>
  );
}
