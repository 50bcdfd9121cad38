import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { aimdAdvance, clampLimit, DEFAULT_AIMD_PARAMS, grantableSlots, windowClosed, type AimdOutcome, type AimdParams, type AimdState } from '@/lib/llm/aimd';
import type { AcquireRequest, RateLimiter, Release } from '@/lib/llm/ports';
import { NOW_UTC, sqlInteger, sqlLiteral, sqlNumber, sqlNumberOrNull } from '@/lib/llm/postgres/sql';
import { abortReason, enqueueWaiter, saneLimits, type Waiter } from '@/lib/llm/limiter-helpers';
import type { EndpointLimits } from '@/lib/llm/types';

/*
 * Rate limits that hold across every process sharing the database.
 *
 * Concurrency — leases. One ConcurrencyLease row is one slot of one endpoint; a row whose
 * expiresAt has passed is free again, so a process killed with SIGKILL gives its slots back
 * after the lease TTL (30 s by default) at the latest. Leases are granted by
 *
 *     BEGIN ISOLATION LEVEL READ COMMITTED;
 *     SELECT pg_advisory_xact_lock(<endpoint>);      -- one granter per endpoint at a time
 *     WITH expired AS (DELETE … expired leases), live AS (SELECT count(*) … live leases)
 *     INSERT … generate_series(1, LEAST(<wanted>, <limit> − live)) RETURNING id;
 *     COMMIT;
 *
 * sent as ONE multi-statement query (one round trip). The INSERT is a separate statement after
 * the lock, so under READ COMMITTED it takes a fresh snapshot and sees every lease committed by
 * the previous lock holder: two processes can never together hold more than <limit> live leases.
 * Returning leases (DELETE) needs no lock since it only lowers the count; renewing them (every
 * TTL/3) takes the lock and only extends leases that have not expired, so an expired lease that
 * a granter already reclaimed is never revived. Lease ids are random per process, so a process
 * only ever renews or deletes its own.
 *
 * Fast path — a process leases slots in blocks (as many as it has waiting calls) and hands them
 * out locally: a call that finds an idle leased slot starts without touching the database.
 * Released slots go to the next local waiter; a slot idle for `lingerMs` goes back to the
 * database. So under steady load there is no per-call database work for concurrency at all.
 *
 * Waiting and fairness — a process whose waiters found no free slot in the database polls with
 * backoff (10 → 250 ms) and is woken at once by LISTEN/NOTIFY when another process returns
 * slots. It also NOTIFYs "want"; a process that hears that another one wants slots of the same
 * endpoint caps itself at its fair share (limit / number of wanting processes) and returns the
 * excess as its calls finish, so one busy worker cannot starve another. Without the LISTEN
 * connection everything still works, by polling only.
 *
 * Requests and tokens per minute — token buckets in RateLimitBucket, refilled continuously
 * (capacity = one minute of quota) and taken from with one atomic statement (SELECT … FOR UPDATE
 * of the row, then UPDATE … RETURNING in the same statement). That is one round trip per call,
 * only for endpoints that have an rpm or tpm limit. Token charges are corrected with the real
 * usage when the call ends.
 *
 * Adaptive concurrency — the limit above is the endpoint's configured concurrency lowered while
 * it answers 429 (AIMD, lib/llm/aimd.ts), kept in the endpoint's RateLimitBucket row so that all
 * processes share it: `aimdLimit` (null = the configured value), what the step remembers across
 * windows (`aimdNoiseShare`, `aimdCutShare`, `aimdCutFrom`) and a window of outcomes. Each
 * process counts its calls' outcomes (success / 429) and adds them to the row every `aimdFlushMs`
 * (one short transaction: lock the row, add, and take the AIMD step when the window is over);
 * the lease grant reads `aimdLimit` from the row, so no process grants above it. A lowered limit
 * takes effect as calls finish: a process above its share returns leases instead of reusing them.
 *
 * Known limit: a process frozen for longer than the TTL (e.g. stopped in a debugger) loses its
 * leases while its calls may still be running; it notices at the next renewal and stops using them.
 */

const CHANNEL = 'llm_limiter';

export type PostgresRateLimiterOptions = {
  /** A separate connection for LISTEN; without it waiters only poll. */
  listenConnectionString?: string;
  leaseTtlMs?: number;
  heartbeatMs?: number;
  /** An idle leased slot is kept this long for the next local call before going back to the database. */
  lingerMs?: number;
  pollMinMs?: number;
  pollMaxMs?: number;
  /** A "want" from another process counts for this long. */
  contenderWindowMs?: number;
  aimd?: Partial<AimdParams>;
  /** Call outcomes are added to the endpoint's AIMD window this often (ms). */
  aimdFlushMs?: number;
  warn: (message: string) => void;
};

export type PostgresRateLimiter = RateLimiter & {
  /** Leased slots this process holds for the endpoint (in use or idle). */
  owned(endpointId: string): number;
  active(endpointId: string): number;
  waiting(endpointId: string): number;
  /** Slots the endpoint may use, as this process last read it from the database (null: not yet). */
  concurrencyLimit(endpointId: string): number | null;
  /** Adds this process's pending call outcomes to the endpoint rows now. */
  flushOutcomes(): Promise<void>;
  /** True once the LISTEN connection is up (tests wait for it). */
  readonly listening: boolean;
  /** Returns every lease, stops timers and the LISTEN connection; queued calls are rejected. */
  close(): Promise<void>;
};

type FreeLease = { id: string; since: number };


type EndpointState = {
  endpointId: string;
  lockKey: string;
  limits: EndpointLimits;
  free: FreeLease[];
  busy: Set<string>;
  queue: Waiter[];
  pumping: boolean;
  retryTimer: ReturnType<typeof setTimeout> | null;
  pollDelayMs: number;
  lingerTimer: ReturnType<typeof setTimeout> | null;
  contenders: Map<string, number>;
  lastWantAt: number;
  dbFailures: number;
  /** The endpoint's adaptive limit as last read from its row; undefined = not read yet. */
  aimdLimit: number | null | undefined;
  pending: { successes: number; rateLimited: number };
  flushTimer: ReturnType<typeof setTimeout> | null;
};

type BucketTake = { ok: true } | { ok: false; waitMs: number };

const MINUTE_MS = 60_000;
const MAX_CONSECUTIVE_DB_FAILURES = 3;

export function createPostgresRateLimiter(pool: pg.Pool, options: PostgresRateLimiterOptions): PostgresRateLimiter {
  const ttlMs = options.leaseTtlMs ?? 30_000;
  const heartbeatMs = options.heartbeatMs ?? Math.max(100, Math.floor(ttlMs / 3));
  const lingerMs = options.lingerMs ?? 250;
  const pollMinMs = options.pollMinMs ?? 10;
  const pollMaxMs = options.pollMaxMs ?? 250;
  const contenderWindowMs = options.contenderWindowMs ?? 1_000;
  const aimdParams: AimdParams = { ...DEFAULT_AIMD_PARAMS, ...options.aimd };
  const aimdFlushMs = options.aimdFlushMs ?? 200;
  const warn = options.warn;
  const token = randomUUID();
  let leaseSeq = 0;
  let closed = false;
  const states = new Map<string, EndpointState>();
  const returning = new Set<Promise<void>>();
  const flushing = new Set<Promise<void>>();

  // ───────────── database statements ─────────────

  /** Runs a BEGIN … COMMIT script in one round trip and returns the rows of statement `index`. */
  async function runScript<R extends pg.QueryResultRow>(statements: string[], index: number): Promise<R[]> {
    const client = await pool.connect();
    try {
      const results = (await client.query(['BEGIN ISOLATION LEVEL READ COMMITTED', ...statements, 'COMMIT'].join(';\n'))) as unknown as pg.QueryResult<R>[];
      return results[index + 1].rows;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  function lockStatement(state: EndpointState): string {
    return `SELECT pg_advisory_xact_lock(hashtextextended(${state.lockKey}, 0))`;
  }

  async function grantLeases(state: EndpointState, wanted: number): Promise<string[]> {
    const endpoint = sqlLiteral(state.endpointId);
    leaseSeq += 1;
    const prefix = sqlLiteral(`${token}:${leaseSeq}:`);
    const cap = sqlInteger(state.limits.concurrency);
    const rows = await runScript<{ id: string }>(
      [
        lockStatement(state),
        `WITH expired AS (
           DELETE FROM "ConcurrencyLease" WHERE "endpointId" = ${endpoint} AND "expiresAt" <= ${NOW_UTC}
         ), live AS (
           SELECT count(*)::int AS n FROM "ConcurrencyLease" WHERE "endpointId" = ${endpoint} AND "expiresAt" > ${NOW_UTC}
         ), cap AS (
           SELECT GREATEST(1, LEAST(${cap}, COALESCE(floor((SELECT "aimdLimit" FROM "RateLimitBucket" WHERE "endpointId" = ${endpoint})), ${cap})))::int AS n
         )
         INSERT INTO "ConcurrencyLease" ("id", "endpointId", "expiresAt")
         SELECT ${prefix} || g, ${endpoint}, ${NOW_UTC} + make_interval(secs => ${ttlMs / 1000})
         FROM live, cap, generate_series(1, GREATEST(0, LEAST(${sqlInteger(wanted)}, cap.n - live.n))) AS g
         RETURNING "id"`,
      ],
      1,
    );
    return rows.map((row) => row.id);
  }

  async function renewLeases(state: EndpointState, ids: string[]): Promise<Set<string>> {
    const rows = await runScript<{ id: string }>(
      [
        lockStatement(state),
        `UPDATE "ConcurrencyLease" SET "expiresAt" = ${NOW_UTC} + make_interval(secs => ${ttlMs / 1000})
         WHERE "endpointId" = ${sqlLiteral(state.endpointId)} AND "id" = ANY(ARRAY[${ids.map(sqlLiteral).join(',')}]::text[]) AND "expiresAt" > ${NOW_UTC}
         RETURNING "id"`,
      ],
      1,
    );
    return new Set(rows.map((row) => row.id));
  }

  async function deleteLeases(state: EndpointState, ids: string[]): Promise<void> {
    await pool.query(
      `WITH gone AS (DELETE FROM "ConcurrencyLease" WHERE "id" = ANY($1::text[]) RETURNING 1)
       SELECT pg_notify($2, $3), (SELECT count(*) FROM gone) AS n`,
      [ids, CHANNEL, `r ${state.endpointId} ${token}`],
    );
  }

  async function takeFromBuckets(state: EndpointState, requests: number, tokens: number): Promise<BucketTake> {
    const rpm = state.limits.rpm ?? 0;
    const tpm = state.limits.tpm ?? 0;
    const params = [state.endpointId, rpm, tpm, requests, tokens];
    const takeSql = `WITH cur AS (
        SELECT "requestTokens", "tokenTokens", GREATEST(0, EXTRACT(EPOCH FROM (${NOW_UTC} - "updatedAt"))) AS elapsed
        FROM "RateLimitBucket" WHERE "endpointId" = $1 FOR UPDATE
      ), calc AS (
        SELECT LEAST($2::float8, "requestTokens" + elapsed * $2::float8 / 60) AS r,
               LEAST($3::float8, "tokenTokens" + elapsed * $3::float8 / 60) AS t
        FROM cur
      ), upd AS (
        UPDATE "RateLimitBucket" b
        SET "requestTokens" = calc.r - CASE WHEN calc.r >= $4::float8 AND calc.t >= $5::float8 THEN $4::float8 ELSE 0 END,
            "tokenTokens" = calc.t - CASE WHEN calc.r >= $4::float8 AND calc.t >= $5::float8 THEN $5::float8 ELSE 0 END,
            "updatedAt" = ${NOW_UTC}
        FROM calc WHERE b."endpointId" = $1
        RETURNING 1
      )
      SELECT r, t, (r >= $4::float8 AND t >= $5::float8) AS ok FROM calc`;
    let { rows } = await pool.query<{ r: number; t: number; ok: boolean }>(takeSql, params);
    if (rows.length === 0) {
      // A new bucket starts full: the first minute may burst up to the whole quota.
      await pool.query(
        `INSERT INTO "RateLimitBucket" ("endpointId", "requestTokens", "tokenTokens", "updatedAt") VALUES ($1, $2, $3, ${NOW_UTC}) ON CONFLICT ("endpointId") DO NOTHING`,
        [state.endpointId, rpm, tpm],
      );
      ({ rows } = await pool.query<{ r: number; t: number; ok: boolean }>(takeSql, params));
    }
    const row = rows[0];
    if (!row) throw new Error(`The rate-limit bucket of endpoint ${state.endpointId} could not be created`);
    if (row.ok) return { ok: true };
    const waitFor = (have: number, need: number, perMinute: number) => (perMinute > 0 && have < need ? ((need - have) * MINUTE_MS) / perMinute : 0);
    return { ok: false, waitMs: Math.max(waitFor(row.r, requests, rpm), waitFor(row.t, tokens, tpm)) };
  }

  function correctTokenCharge(state: EndpointState, delta: number): void {
    const tpm = state.limits.tpm;
    if (!tpm || delta === 0) return;
    pool
      .query(`UPDATE "RateLimitBucket" SET "tokenTokens" = GREATEST(-$3::float8, LEAST($3::float8, "tokenTokens" + $2::float8)) WHERE "endpointId" = $1`, [state.endpointId, delta, tpm])
      .catch((err: unknown) => warn(`could not correct the token charge of endpoint ${state.endpointId}: ${String(err)}`));
  }

  /**
   * Adds this process's outcomes to the endpoint's AIMD window and takes the step when the window
   * is over: the row is locked, so steps of different processes never interleave. Two round trips
   * (BEGIN + upsert + SELECT … FOR UPDATE, then UPDATE + COMMIT, each one multi-statement query)
   * instead of five: at 200 ms per flush these were as many statements as the cache stores.
   */
  async function flushAimd(state: EndpointState): Promise<void> {
    const { successes, rateLimited } = state.pending;
    if (successes + rateLimited === 0) return;
    state.pending = { successes: 0, rateLimited: 0 };
    const endpoint = sqlLiteral(state.endpointId);
    const client = await pool.connect();
    try {
      const opened = (await client.query(
        [
          'BEGIN',
          `INSERT INTO "RateLimitBucket" ("endpointId", "requestTokens", "tokenTokens", "updatedAt")
           VALUES (${endpoint}, ${sqlNumber(state.limits.rpm ?? 0)}, ${sqlNumber(state.limits.tpm ?? 0)}, ${NOW_UTC}) ON CONFLICT ("endpointId") DO NOTHING`,
          `SELECT "aimdLimit" AS "limit", "aimdNoiseShare" AS "noiseShare", "aimdCutShare" AS "cutShare", "aimdCutFrom" AS "cutFrom",
                  "aimdSuccesses" AS successes, "aimdRateLimited" AS "rateLimited",
                  EXTRACT(EPOCH FROM (${NOW_UTC} - "aimdWindowStart")) * 1000 AS "ageMs"
           FROM "RateLimitBucket" WHERE "endpointId" = ${endpoint} FOR UPDATE`,
        ].join(';\n'),
      )) as unknown as pg.QueryResult<AimdState & { successes: number; rateLimited: number; ageMs: number }>[];
      const row = opened[2].rows[0];
      const cap = state.limits.concurrency;
      // A window opens with its first outcome, so an idle endpoint does not step on one call.
      const fresh = row.successes + row.rateLimited === 0;
      const window = { successes: row.successes + successes, rateLimited: row.rateLimited + rateLimited };
      let limit = row.limit === null ? null : clampLimit(row.limit, cap);
      let update: string;
      if (!fresh && windowClosed(0, Number(row.ageMs), aimdParams)) {
        const next = aimdAdvance({ limit, noiseShare: row.noiseShare, cutShare: row.cutShare, cutFrom: row.cutFrom }, cap, window, aimdParams);
        limit = next.limit;
        update = `UPDATE "RateLimitBucket" SET "aimdLimit" = ${sqlNumberOrNull(next.limit)}, "aimdNoiseShare" = ${sqlNumberOrNull(next.noiseShare)},
                  "aimdCutShare" = ${sqlNumberOrNull(next.cutShare)}, "aimdCutFrom" = ${sqlNumberOrNull(next.cutFrom)},
                  "aimdSuccesses" = 0, "aimdRateLimited" = 0, "aimdWindowStart" = ${NOW_UTC} WHERE "endpointId" = ${endpoint}`;
      } else {
        update = `UPDATE "RateLimitBucket" SET "aimdSuccesses" = ${sqlInteger(window.successes)}, "aimdRateLimited" = ${sqlInteger(window.rateLimited)}${fresh ? `, "aimdWindowStart" = ${NOW_UTC}` : ''} WHERE "endpointId" = ${endpoint}`;
      }
      await client.query(`${update};\nCOMMIT`);
      state.aimdLimit = limit;
      trimToCap(state);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      // The outcomes are only a signal; losing one flush's worth does not matter.
      warn(`rate limiter: could not record call outcomes of endpoint ${state.endpointId}: ${String(err)}`);
    } finally {
      client.release();
    }
  }

  function report(state: EndpointState, outcome: AimdOutcome): void {
    if (outcome === 'success') state.pending.successes += 1;
    else state.pending.rateLimited += 1;
    if (state.flushTimer || closed) return;
    state.flushTimer = setTimeout(() => {
      state.flushTimer = null;
      trackFlush(state);
    }, aimdFlushMs);
    state.flushTimer.unref();
  }

  function trackFlush(state: EndpointState): void {
    const done = flushAimd(state).finally(() => flushing.delete(done));
    flushing.add(done);
  }

  // ───────────── local bookkeeping ─────────────

  function stateFor(endpointId: string, limits: EndpointLimits): EndpointState {
    let state = states.get(endpointId);
    if (!state) {
      state = {
        endpointId,
        lockKey: sqlLiteral(`llm-limiter:${endpointId}`),
        limits: saneLimits(limits),
        free: [],
        busy: new Set(),
        queue: [],
        pumping: false,
        retryTimer: null,
        pollDelayMs: pollMinMs,
        lingerTimer: null,
        contenders: new Map(),
        lastWantAt: 0,
        dbFailures: 0,
        aimdLimit: undefined,
        pending: { successes: 0, rateLimited: 0 },
        flushTimer: null,
      };
      states.set(endpointId, state);
    } else {
      state.limits = saneLimits(limits);
      trimToCap(state);
    }
    return state;
  }

  function owned(state: EndpointState): number {
    return state.free.length + state.busy.size;
  }

  /** How many slots this process should hold: the limit, or its fair share while others want slots too. */
  function capFor(state: EndpointState): number {
    const now = Date.now();
    for (const [other, seenAt] of state.contenders) if (now - seenAt > contenderWindowMs) state.contenders.delete(other);
    const processes = state.contenders.size + 1;
    return Math.max(1, Math.ceil(grantableSlots(state.aimdLimit, state.limits.concurrency) / processes));
  }

  function trimToCap(state: EndpointState): void {
    const excess = owned(state) - capFor(state);
    if (excess > 0 && state.free.length > 0) returnLeases(state, state.free.splice(0, Math.min(excess, state.free.length)).map((lease) => lease.id));
  }

  function returnLeases(state: EndpointState, ids: string[]): void {
    if (ids.length === 0) return;
    const done = deleteLeases(state, ids)
      // The leases are no longer renewed, so they expire on their own if this failed.
      .catch((err: unknown) => warn(`could not return ${ids.length} concurrency lease(s) of endpoint ${state.endpointId}: ${String(err)}`))
      .finally(() => returning.delete(done));
    returning.add(done);
  }

  function scheduleLinger(state: EndpointState): void {
    if (state.lingerTimer || state.free.length === 0) return;
    state.lingerTimer = setTimeout(() => {
      state.lingerTimer = null;
      const cutoff = Date.now() - lingerMs;
      const idle = state.free.filter((lease) => lease.since <= cutoff);
      if (idle.length > 0) {
        state.free = state.free.filter((lease) => lease.since > cutoff);
        returnLeases(state, idle.map((lease) => lease.id));
      }
      scheduleLinger(state);
    }, lingerMs);
    state.lingerTimer.unref();
  }

  function scheduleRetry(state: EndpointState, delayMs: number): void {
    if (state.retryTimer) clearTimeout(state.retryTimer);
    state.retryTimer = setTimeout(() => {
      state.retryTimer = null;
      void pump(state);
    }, Math.max(1, Math.ceil(delayMs)));
  }

  function announceWant(state: EndpointState): void {
    const now = Date.now();
    if (now - state.lastWantAt < 100) return;
    state.lastWantAt = now;
    pool.query('SELECT pg_notify($1, $2)', [CHANNEL, `w ${state.endpointId} ${token}`]).catch(() => {});
  }

  function grant(state: EndpointState, leaseId: string, tokensCharged: number): Release {
    state.busy.add(leaseId);
    let released = false;
    return (outcome) => {
      if (released) return;
      released = true;
      if (tokensCharged > 0 && outcome?.tokensUsed !== undefined) correctTokenCharge(state, tokensCharged - outcome.tokensUsed);
      if (outcome?.outcome) report(state, outcome.outcome);
      releaseLease(state, leaseId);
    };
  }

  function releaseLease(state: EndpointState, leaseId: string): void {
    // Not busy: the lease was lost (expired and reclaimed) or the limiter was closed.
    if (!state.busy.delete(leaseId) || closed) return;
    if (owned(state) >= capFor(state)) returnLeases(state, [leaseId]);
    else state.free.push({ id: leaseId, since: Date.now() });
    if (state.queue.length > 0) void pump(state);
    else scheduleLinger(state);
  }

  function failQueued(state: EndpointState, err: Error): void {
    for (const waiter of state.queue.splice(0)) {
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.reject(err);
    }
  }

  /** Grants queued calls in order while slots (and bucket quota) allow; at most one pump per endpoint runs. */
  async function pump(state: EndpointState): Promise<void> {
    if (state.pumping || closed) return;
    state.pumping = true;
    try {
      while (state.queue.length > 0 && !closed) {
        const lease = state.free.pop();
        if (!lease) {
          const wanted = Math.min(capFor(state) - owned(state), state.queue.length);
          const ids = wanted > 0 ? await grantLeases(state, wanted) : [];
          state.dbFailures = 0;
          if (ids.length > 0) {
            const now = Date.now();
            for (const id of ids) state.free.push({ id, since: now });
            state.pollDelayMs = pollMinMs;
            continue;
          }
          // A local call may have finished while we asked the database.
          if (state.free.length > 0) continue;
          announceWant(state);
          scheduleRetry(state, state.pollDelayMs * (0.75 + Math.random() * 0.5));
          state.pollDelayMs = Math.min(pollMaxMs, state.pollDelayMs * 2);
          return;
        }
        const waiter = state.queue[0];
        let charge = 0;
        if (usesBuckets(state.limits)) {
          charge = state.limits.tpm ? Math.min(waiter.tokens, state.limits.tpm) : 0;
          const taken = await takeFromBuckets(state, state.limits.rpm ? 1 : 0, charge);
          state.dbFailures = 0;
          if (!taken.ok) {
            state.free.push(lease);
            scheduleRetry(state, taken.waitMs + 5);
            return;
          }
          // The caller gave up while we took quota for it: the quota is spent, the slot is not.
          if (state.queue[0] !== waiter) {
            state.free.push(lease);
            continue;
          }
        }
        state.queue.shift();
        if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
        waiter.resolve(grant(state, lease.id, charge));
      }
    } catch (err) {
      state.dbFailures += 1;
      warn(`rate limiter: database error for endpoint ${state.endpointId} (${state.dbFailures}×): ${String(err)}`);
      if (state.dbFailures >= MAX_CONSECUTIVE_DB_FAILURES) {
        state.dbFailures = 0;
        failQueued(state, new Error(`The rate limiter cannot reach the database: ${String(err)}`));
      } else {
        scheduleRetry(state, 200 * state.dbFailures);
      }
    } finally {
      state.pumping = false;
    }
  }

  // ───────────── renewal and notifications ─────────────

  async function renewAll(): Promise<void> {
    for (const state of states.values()) {
      const ids = [...state.free.map((lease) => lease.id), ...state.busy];
      if (ids.length === 0) continue;
      try {
        const kept = await renewLeases(state, ids);
        // Leases returned while the renewal ran are gone on purpose, not lost.
        const stillHeld = new Set([...state.free.map((lease) => lease.id), ...state.busy]);
        const lost = ids.filter((id) => !kept.has(id) && stillHeld.has(id));
        if (lost.length > 0) {
          warn(`rate limiter: ${lost.length} lease(s) of endpoint ${state.endpointId} expired before renewal (was this process frozen?); they no longer count as held`);
          const lostIds = new Set(lost);
          state.free = state.free.filter((lease) => !lostIds.has(lease.id));
          for (const id of lost) state.busy.delete(id);
          if (state.queue.length > 0) void pump(state);
        }
      } catch (err) {
        warn(`rate limiter: could not renew leases of endpoint ${state.endpointId}: ${String(err)}`);
      }
    }
  }

  let renewing: Promise<void> | null = null;
  const heartbeat = setInterval(() => {
    renewing ??= renewAll().finally(() => {
      renewing = null;
    });
  }, heartbeatMs);
  heartbeat.unref();

  function onNotification(payload: string): void {
    const [kind, endpointId, from] = payload.split(' ');
    if (from === token) return;
    const state = states.get(endpointId);
    if (!state) return;
    if (kind === 'r' && state.queue.length > 0) {
      state.pollDelayMs = pollMinMs;
      if (state.retryTimer) clearTimeout(state.retryTimer);
      state.retryTimer = null;
      void pump(state);
    } else if (kind === 'w') {
      state.contenders.set(from, Date.now());
      trimToCap(state);
    }
  }

  const listener = options.listenConnectionString ? createListener(options.listenConnectionString, onNotification, warn) : null;

  return {
    acquire(endpointId: string, request: AcquireRequest): Promise<Release> {
      if (closed) return Promise.reject(new Error('The rate limiter is closed'));
      if (request.signal?.aborted) return Promise.reject(abortReason(request.signal));
      const state = stateFor(endpointId, request.limits);
      if (state.queue.length === 0 && !usesBuckets(state.limits)) {
        const lease = state.free.pop();
        if (lease) return Promise.resolve(grant(state, lease.id, 0));
      }
      return new Promise<Release>((resolve, reject) => {
        enqueueWaiter(state.queue, request, resolve, reject);
        void pump(state);
      });
    },
    owned: (endpointId) => {
      const state = states.get(endpointId);
      return state ? owned(state) : 0;
    },
    active: (endpointId) => states.get(endpointId)?.busy.size ?? 0,
    waiting: (endpointId) => states.get(endpointId)?.queue.length ?? 0,
    concurrencyLimit: (endpointId) => {
      const state = states.get(endpointId);
      return state && state.aimdLimit !== undefined ? grantableSlots(state.aimdLimit, state.limits.concurrency) : null;
    },
    async flushOutcomes() {
      for (const state of states.values()) {
        if (state.flushTimer) clearTimeout(state.flushTimer);
        state.flushTimer = null;
        trackFlush(state);
      }
      await Promise.all([...flushing]);
    },
    get listening() {
      return listener?.ready ?? false;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      for (const state of states.values()) {
        if (state.retryTimer) clearTimeout(state.retryTimer);
        if (state.lingerTimer) clearTimeout(state.lingerTimer);
        if (state.flushTimer) clearTimeout(state.flushTimer);
        failQueued(state, new Error('The rate limiter was closed'));
        const ids = [...state.free.map((lease) => lease.id), ...state.busy];
        state.free = [];
        state.busy.clear();
        returnLeases(state, ids);
      }
      await renewing;
      await Promise.all([...returning, ...flushing]);
      await listener?.close();
    },
  };
}

function usesBuckets(limits: EndpointLimits): boolean {
  return limits.rpm !== null || limits.tpm !== null;
}




type Listener = { readonly ready: boolean; close(): Promise<void> };

/** LISTEN on its own connection, reconnecting after errors; the limiter polls meanwhile. */
function createListener(connectionString: string, onPayload: (payload: string) => void, warn: (message: string) => void): Listener {
  let client: pg.Client | null = null;
  let ready = false;
  let stopped = false;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;

  async function connect(): Promise<void> {
    if (stopped) return;
    const next = new pg.Client({ connectionString });
    next.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload) onPayload(message.payload);
    });
    next.on('error', (err) => {
      if (stopped) return;
      warn(`rate limiter: LISTEN connection lost, polling until it is back: ${String(err)}`);
      ready = false;
      next.end().catch(() => {});
      scheduleReconnect();
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANNEL}`);
      client = next;
      ready = true;
      // The connection alone must not keep a finished script alive.
      (next as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
      if (stopped) await next.end();
    } catch (err) {
      await next.end().catch(() => {});
      if (!stopped) {
        warn(`rate limiter: cannot LISTEN (${String(err)}); polling instead`);
        scheduleReconnect();
      }
    }
  }

  function scheduleReconnect(): void {
    if (stopped || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void connect();
    }, 2_000);
    retryTimer.unref();
  }

  void connect();
  return {
    get ready() {
      return ready;
    },
    async close() {
      stopped = true;
      ready = false;
      if (retryTimer) clearTimeout(retryTimer);
      await client?.end().catch(() => {});
    },
  };
}
