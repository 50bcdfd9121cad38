// Child process for the cross-process limit tests (run with `npx tsx`, DATABASE_URL inherited).
//   mode "calls": makes CALLS concurrent calls to LLM_ENDPOINT_ID through the full service and
//                 prints one JSON line with what it saw;
//   mode "hold":  takes every slot of the endpoint's concurrency limit, prints "held" and waits
//                 (the test SIGKILLs it to show that the leases expire).
import { createLlmService } from '@/lib/llm/service';
import { createPostgresRateLimiter } from '@/lib/llm/postgres/limiter';
import { createLlmPool } from '@/lib/llm/postgres/sql';

const mode = process.argv[2];
const endpointId = process.env.LLM_ENDPOINT_ID ?? '';

async function makeCalls(): Promise<void> {
  const calls = Number(process.env.CALLS ?? 10);
  const service = createLlmService();
  const endpoint = await service.endpoint(endpointId);
  const results = await Promise.all(
    Array.from({ length: calls }, (_, i) =>
      service.callModel({
        endpoint: endpointId,
        messages: [{ role: 'user', content: `${process.env.TAG} call ${i}: what should I do about online harassment?` }],
        runId: process.env.RUN_ID,
        purpose: `worker-${process.env.TAG}`,
      }),
    ),
  );
  await service.close();
  console.log(JSON.stringify({ ok: results.length, cacheHits: results.filter((r) => r.cacheHit).length, limit: endpoint.limits.concurrency }));
}

async function holdAll(): Promise<void> {
  const concurrency = Number(process.env.LIMIT ?? 2);
  const pool = createLlmPool(process.env.DATABASE_URL ?? '', 2);
  const limiter = createPostgresRateLimiter(pool, { leaseTtlMs: Number(process.env.LEASE_TTL_MS ?? 1500), warn: () => {} });
  for (let i = 0; i < concurrency; i++) await limiter.acquire(endpointId, { tokens: 1, limits: { concurrency, rpm: null, tpm: null } });
  console.log('held');
  setInterval(() => {}, 60_000);
}

(mode === 'hold' ? holdAll() : makeCalls()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
