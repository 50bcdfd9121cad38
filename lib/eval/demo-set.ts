/** The bundled demo prompt set (lib/eval/demo-set/README.md), loaded through the ordinary set import. */
import path from 'node:path';
import type { AuditActor } from '@/lib/audit-log/record';
import { db } from '@/lib/db/client';
import { importEvalSet } from '@/lib/eval/sets';

export const demoSetName = 'Demo prompts (mild, for the simulator)';
const demoSetDescription = '40 mild prompts written for this project to try evaluations offline. Not a benchmark: results on it say nothing about real models.';

export function demoSetFile(): string {
  return path.join(process.cwd(), 'lib', 'eval', 'demo-set', 'demo-set.jsonl');
}

/** Idempotent: the demo set is loaded once and reused afterwards. */
export async function loadDemoEvalSet(actor: AuditActor): Promise<{ setId: string; created: boolean }> {
  const existing = await db().evalSet.findFirst({ where: { name: demoSetName, builtIn: true }, select: { id: true } });
  if (existing) return { setId: existing.id, created: false };
  const imported = await importEvalSet(
    demoSetFile(),
    { name: demoSetName, description: demoSetDescription, mapping: { promptColumn: 'prompt', groupColumn: 'group', idColumn: 'id' } },
    actor,
    { fileName: 'demo-set.jsonl' },
  );
  await db().evalSet.update({ where: { id: imported.setId }, data: { builtIn: true } });
  return { setId: imported.setId, created: true };
}
