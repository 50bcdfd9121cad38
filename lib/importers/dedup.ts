/**
 * The key duplicates are compared by (the DB layer hashes it). Only for comparison: stored text is
 * never normalised. NFC first so that composed and decomposed accents compare equal.
 */
export function normaliseForDedup(text: string): string {
  return text.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();
}
