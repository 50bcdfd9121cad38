import { FAULT_KINDS, type FaultKind } from './faults';

/** Plain copy of the counters, as served by `GET /__sim/stats`. */
export interface SimulatorStatsSnapshot {
  totalRequests: number;
  byPath: Record<string, number>;
  byModel: Record<string, number>;
  byStatus: Record<string, number>;
  inFlight: number;
  maxInFlight: number;
  faults: Record<FaultKind, number>;
}

/** Live counters kept by the server; read them at any time, or `snapshot()` for a stable copy. */
export interface SimulatorStats extends Readonly<SimulatorStatsSnapshot> {
  snapshot(): SimulatorStatsSnapshot;
  /** Zeroes every counter; `maxInFlight` restarts from the requests in flight right now. */
  reset(): void;
}

function zeroFaults(): Record<FaultKind, number> {
  return Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
}

function increment(table: Record<string, number>, key: string): void {
  table[key] = (table[key] ?? 0) + 1;
}

export class SimulatorStatsCollector implements SimulatorStats {
  totalRequests = 0;
  byPath: Record<string, number> = {};
  byModel: Record<string, number> = {};
  byStatus: Record<string, number> = {};
  inFlight = 0;
  maxInFlight = 0;
  faults: Record<FaultKind, number> = zeroFaults();

  requestStarted(path: string): void {
    this.totalRequests += 1;
    increment(this.byPath, path);
    this.inFlight += 1;
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
  }

  requestEnded(status: number | null): void {
    this.inFlight -= 1;
    // A dropped or hung socket never got a status; count it apart so totals still add up.
    increment(this.byStatus, status === null ? 'none' : String(status));
  }

  modelRequested(model: string): void {
    increment(this.byModel, model);
  }

  faultInjected(kind: FaultKind): void {
    this.faults[kind] += 1;
  }

  snapshot(): SimulatorStatsSnapshot {
    return {
      totalRequests: this.totalRequests,
      byPath: { ...this.byPath },
      byModel: { ...this.byModel },
      byStatus: { ...this.byStatus },
      inFlight: this.inFlight,
      maxInFlight: this.maxInFlight,
      faults: { ...this.faults },
    };
  }

  reset(): void {
    this.totalRequests = 0;
    this.byPath = {};
    this.byModel = {};
    this.byStatus = {};
    this.maxInFlight = this.inFlight;
    this.faults = zeroFaults();
  }
}
