'use client';

import { useCallback, useMemo } from 'react';
import { usePathname, useSearchParams } from 'next/navigation';
import { filterKeys } from '@/lib/review/filters';

/** URL parameters that shape the list (everything but the open pair and the page cursor). */
const listParamKeys = [...filterKeys, 'in', 'sort'] as const;

/**
 * Filter state lives in the URL: shareable, survives reloads, and the back button works. Updates
 * use history.replaceState, which Next.js mirrors into useSearchParams without a server round trip.
 */
export function useReviewParams() {
  const searchParams = useSearchParams();
  const pathname = usePathname();

  const listKey = useMemo(() => {
    const params = new URLSearchParams();
    for (const key of listParamKeys) {
      const value = searchParams.get(key);
      if (value) params.set(key, value);
    }
    return params.toString();
  }, [searchParams]);

  const setParams = useCallback(
    (patch: Record<string, string | undefined>) => {
      const params = new URLSearchParams(window.location.search);
      for (const [key, value] of Object.entries(patch)) {
        if (value === undefined || value === '') params.delete(key);
        else params.set(key, value);
      }
      params.delete('after');
      const query = params.toString();
      window.history.replaceState(null, '', query ? `${pathname}?${query}` : pathname);
    },
    [pathname],
  );

  return { get: (key: string) => searchParams.get(key) ?? '', listKey, setParams, openPairId: searchParams.get('pair') };
}
