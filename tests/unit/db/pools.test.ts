import { describe, expect, it } from 'vitest';

import { poolBudget, poolNames, poolSize, totalConnections } from '@/lib/db/pools';

describe('the pool budget', () => {
  it('gives 34 connections per process by default, Prisma and pg-boss included', () => {
    expect(totalConnections({})).toBe(34);
    expect(Object.keys(poolBudget).sort()).toEqual([...poolNames].sort());
  });

  it('takes each size from its own variable, and ignores values that are not positive integers', () => {
    expect(poolSize('imports', { IMPORT_POOL_SIZE: '3' })).toBe(3);
    expect(poolSize('prisma', { DATABASE_POOL_SIZE: '0' })).toBe(10);
    expect(poolSize('exports', { EXPORT_POOL_SIZE: 'many' })).toBe(4);
    expect(totalConnections({ DATABASE_POOL_SIZE: '5', JOBS_POOL_SIZE: '2' })).toBe(27);
  });
});
