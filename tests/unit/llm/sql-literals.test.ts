import { describe, expect, it } from 'vitest';
import { sqlInteger, sqlLiteral, sqlNumber, sqlNumberOrNull } from '@/lib/llm/postgres/sql';

describe('SQL literals of the multi-statement limiter scripts', () => {
  it('quotes strings, doubling quotes and escaping backslashes', () => {
    expect(sqlLiteral("it's")).toBe("'it''s'");
    expect(sqlLiteral('a\\b')).toBe(" E'a\\\\b'");
    expect(() => sqlLiteral('nul\u0000')).toThrow(/NUL/);
  });

  it('writes integers and finite floats, and refuses anything else', () => {
    expect(sqlInteger(42)).toBe('42');
    expect(() => sqlInteger(1.5)).toThrow(/integer/);
    expect(sqlNumber(12.75)).toBe('12.75::float8');
    expect(sqlNumber(1e-7)).toBe('1e-7::float8');
    expect(() => sqlNumber(Number.NaN)).toThrow(/finite/);
    expect(() => sqlNumber(Infinity)).toThrow(/finite/);
    expect(sqlNumberOrNull(null)).toBe('NULL');
    expect(sqlNumberOrNull(0.25)).toBe('0.25::float8');
    expect(() => sqlNumberOrNull(Number.NaN)).toThrow(/finite/);
  });
});
