import { describe, expect, it } from 'vitest';
import { activeFilters, likePattern, pairQueryToSearchParams, parsePairQuery } from '@/lib/review/filters';
import { timelineBucketSeconds } from '@/lib/review/dashboard-types';
import { effectiveDecision } from '@/lib/review/types';

describe('review filters in the URL', () => {
  it('round-trips a query through the URL without default values', () => {
    const params = new URLSearchParams('run=r1&topic=self-harm&iv=FAIL&human=ANY&edited=yes&tag=needs-fix&q=%20knife%20&in=source&sort=old&limit=50');
    const parsed = parsePairQuery(params);
    expect(parsed).toEqual({
      ok: true,
      query: { run: 'r1', topic: 'self-harm', iv: 'FAIL', human: 'ANY', edited: 'yes', tag: 'needs-fix', q: 'knife', in: 'source', sort: 'old', limit: 50 },
    });
    if (!parsed.ok) return;
    expect(pairQueryToSearchParams(parsed.query).toString()).toBe('run=r1&topic=self-harm&iv=FAIL&human=ANY&edited=yes&tag=needs-fix&q=knife&in=source&sort=old');
    expect(activeFilters(parsed.query)).toEqual(['run', 'topic', 'iv', 'human', 'edited', 'tag', 'q']);
  });

  it('reads Next.js searchParams objects (arrays take the first value)', () => {
    expect(parsePairQuery({ topic: ['hate', 'nsfw'], audit: 'REJECTED', sort: undefined })).toEqual({ ok: true, query: { topic: 'hate', audit: 'REJECTED', in: 'all', sort: 'new', limit: 50 } });
  });

  it('bounds the page size and refuses nonsense', () => {
    expect(parsePairQuery(new URLSearchParams('limit=5000')).ok).toBe(false);
    expect(parsePairQuery(new URLSearchParams('status=MAYBE')).ok).toBe(false);
    expect(parsePairQuery(new URLSearchParams('in=everything')).ok).toBe(false);
  });

  it('escapes LIKE wildcards and the escape character itself', () => {
    expect(likePattern('100%_sure\\')).toBe('%100\\%\\_sure\\\\%');
    expect(likePattern('plain')).toBe('%plain%');
  });
});

describe('small review helpers', () => {
  it('lets a human decision override the pipeline', () => {
    expect(effectiveDecision({ status: 'DROPPED', humanStatus: 'KEPT' })).toBe('KEPT');
    expect(effectiveDecision({ status: 'DROPPED', humanStatus: null })).toBe('DROPPED');
  });

  it('chooses timeline buckets that keep a chart under 60 points', () => {
    expect(timelineBucketSeconds(30_000)).toBe(1);
    expect(timelineBucketSeconds(10 * 60_000)).toBe(10);
    expect(timelineBucketSeconds(5 * 3600_000)).toBe(300);
    expect(timelineBucketSeconds(40 * 86400_000)).toBe(86400);
    for (const span of [1, 59_000, 3_600_000, 86_400_000, 365 * 86_400_000]) expect(span / 1000 / timelineBucketSeconds(span)).toBeLessThanOrEqual(60);
  });
});
