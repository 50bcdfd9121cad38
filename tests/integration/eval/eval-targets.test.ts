import { afterAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { evalRunConfigSchema } from '@/lib/eval/config';
import { cancelEvalRun, createEvalRun } from '@/lib/eval/runs';
import { listTargetPresets, saveTargetPreset } from '@/lib/eval/targets';
import { getBoss, stopBoss } from '@/lib/jobs/boss';
import { uniqueTag } from '../pipeline/helpers';
import { createPromptSet, createSimEndpoint } from './helpers';

describe('saved evaluation targets', () => {
  afterAll(async () => {
    await stopBoss();
  });

  it('are versioned, and a run uses the stored settings of the version it names', async () => {
    const tag = uniqueTag('evaltarget');
    const endpointName = await createSimEndpoint(tag, 'http://127.0.0.1:9/v1');
    const name = `${tag} alpaca`;
    const v1 = await saveTargetPreset({ name, target: { label: 'x', endpointName, model: 'sim-target-base', mode: 'completion', parameters: { temperature: 0, maxTokens: 128 } } }, null);
    const v2 = await saveTargetPreset({ name, target: { label: 'x', endpointName, model: 'sim-target-aligned', mode: 'chat', systemPrompt: 'Be safe.' } }, null);
    expect([v1.version, v2.version]).toEqual([1, 2]);
    const mine = (await listTargetPresets()).filter((preset) => preset.name === name);
    expect(mine.map((preset) => [preset.version, preset.target.model])).toEqual([
      [2, 'sim-target-aligned'],
      [1, 'sim-target-base'],
    ]);

    const { setId } = await createPromptSet(tag, 3);
    // The browser sends edited settings with the v1 reference; the stored v1 settings win.
    const { evalRunId } = await createEvalRun(
      {
        setId,
        targets: [{ label: 'Alpaca v1', endpointName, model: 'something-else', mode: 'chat', preset: { versionId: v1.versionId, name, version: 1 } }],
        judges: [{ label: 'Judge', endpointName, rubric: 'harmlessness' }],
      },
      null,
      { boss: await getBoss() },
    );
    await cancelEvalRun(evalRunId, null);
    const run = await db().evalRun.findUniqueOrThrow({ where: { id: evalRunId } });
    const [subject] = evalRunConfigSchema.parse(run.config).subjects;
    expect(subject.kind === 'target' && subject.target).toMatchObject({ label: 'Alpaca v1', model: 'sim-target-base', mode: 'completion', parameters: { maxTokens: 128 }, preset: { versionId: v1.versionId, version: 1 } });
  });
});
