/**
 * Saved evaluation targets, versioned like recipes: a version never changes, and saving a target
 * under an existing name creates the next version. A run copies the chosen version's settings into
 * its own config (with the version's id, for provenance), so later versions never change a run.
 */
import { z } from 'zod';
import { recordAudit, type AuditActor } from '@/lib/audit-log/record';
import { db, Prisma } from '@/lib/db/client';
import { evalTargetSchema } from '@/lib/eval/config';

export const saveTargetPresetInputSchema = z.object({
  name: z.string().trim().min(1, 'Give the target a name.').max(100),
  target: evalTargetSchema,
});
export type SaveTargetPresetInput = z.input<typeof saveTargetPresetInputSchema>;

export interface TargetPresetVersion {
  versionId: string;
  name: string;
  version: number;
  target: z.output<typeof evalTargetSchema>;
  createdAt: string;
}

/** Saves `target` as the next version of the preset `name` (version 1 for a new name). */
export async function saveTargetPreset(rawInput: SaveTargetPresetInput, actor: AuditActor): Promise<{ versionId: string; version: number }> {
  const input = saveTargetPresetInputSchema.parse(rawInput);
  return db().$transaction(async (tx) => {
    await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext(${`studio:eval-target:${input.name}`}))::text AS locked`;
    const preset = (await tx.evalTargetPreset.findUnique({ where: { name: input.name } })) ?? (await tx.evalTargetPreset.create({ data: { name: input.name } }));
    const last = await tx.evalTargetPresetVersion.findFirst({ where: { presetId: preset.id }, orderBy: { version: 'desc' }, select: { version: true } });
    const version = (last?.version ?? 0) + 1;
    const created = await tx.evalTargetPresetVersion.create({
      data: { presetId: preset.id, version, config: input.target as unknown as Prisma.InputJsonValue, createdById: actor?.id ?? null },
    });
    await recordAudit({ actor, action: 'eval_target.save', targetType: 'EvalTargetPreset', targetId: preset.id, after: { name: input.name, version, target: input.target } }, tx);
    return { versionId: created.id, version };
  });
}

/** Every version of every preset, newest version first within a name. */
export async function listTargetPresets(): Promise<TargetPresetVersion[]> {
  const versions = await db().evalTargetPresetVersion.findMany({ include: { preset: { select: { name: true } } }, orderBy: [{ preset: { name: 'asc' } }, { version: 'desc' }] });
  return versions.map((version) => ({
    versionId: version.id,
    name: version.preset.name,
    version: version.version,
    target: evalTargetSchema.parse(version.config),
    createdAt: version.createdAt.toISOString(),
  }));
}
