/**
 * What an audit report tells a dataset card: counts, the estimated precision of the kept pairs and
 * the agreement between reviewers. The audit module owns this shape (lib/audit/report.ts fills
 * it); the exporters' dataset card reads it.
 */
export type CardInterval = { estimate: number; low: number; high: number; level: number };
export type CardAgreement = { measure: string; between: string; value: number; items: number };

export type CardAudit = {
  audited: number;
  accepted: number;
  rejected: number;
  /** Estimated precision of the kept pairs (e.g. Wilson interval, reweighted by stratum) from the audit module. */
  precision?: CardInterval;
  agreement?: readonly CardAgreement[];
};
