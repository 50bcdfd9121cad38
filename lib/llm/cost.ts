export type TokenPrices = { priceInputPerMTok: number; priceOutputPerMTok: number };

const ROUNDING_UNITS_PER_USD = 1e9;

/**
 * USD cost of one call from prices per million tokens. Rounded to 1e-9 USD so that sums of
 * many calls do not drift with float noise (0.1 + 0.2 style).
 */
export function computeCostUsd(tokensIn: number, tokensOut: number, prices: TokenPrices): number {
  // tokens × price is exact for realistic magnitudes; only the division by 1e6 introduces noise.
  const micro = tokensIn * prices.priceInputPerMTok + tokensOut * prices.priceOutputPerMTok;
  return Math.round((micro / 1e6) * ROUNDING_UNITS_PER_USD) / ROUNDING_UNITS_PER_USD;
}

/** Adds costs without accumulating float noise. */
export function sumCostsUsd(costs: readonly number[]): number {
  let units = 0;
  for (const cost of costs) units += Math.round(cost * ROUNDING_UNITS_PER_USD);
  return units / ROUNDING_UNITS_PER_USD;
}
