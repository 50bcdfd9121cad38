import { describe, expect, it } from 'vitest';
import { configInputFromForm, formFromConfig, issuesUnder, validateForm } from '@/components/pipeline/recipe-form';
import { renderPreview } from '@/components/pipeline/prompt-preview';
import { recipeConfigFromBuiltIn, saferInstructSafetyRecipe } from '@/lib/pipeline/prompts';
import { recipeConfigSchema } from '@/lib/pipeline/prompts/recipe-config';

const config = recipeConfigFromBuiltIn(saferInstructSafetyRecipe, {
  induce: { endpointName: 'Reversed model' },
  filterInstruction: { endpointName: 'Judge model', model: 'gpt-judge' },
  generateResponse: { endpointName: 'Expert model' },
  filterResponse: { endpointName: 'Judge model' },
});

describe('recipe form', () => {
  it('round-trips a config through the form unchanged', () => {
    const form = formFromConfig(config);
    expect(form.stages.induce.stop).toBe('###');
    expect(recipeConfigSchema.parse(configInputFromForm(form))).toEqual(config);
    const validated = validateForm(form);
    expect(validated.ok && validated.config).toEqual(config);
  });

  it('keys problems by config path so the editor can show them at the field', () => {
    const form = formFromConfig(config);
    form.instructionsPerSource = 'two';
    form.stages.induce.template = 'Text: {{chosen}}';
    form.stages.filterResponse.temperature = '3';
    form.stages.generateResponse.endpointName = '';
    const result = validateForm(form);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(issuesUnder(result.issues, 'instructionsPerSource')).toHaveLength(1);
    expect(issuesUnder(result.issues, 'stages.induce.template')[0]).toMatch(/"chosen"/);
    expect(issuesUnder(result.issues, 'stages.filterResponse')).toHaveLength(1);
    expect(issuesUnder(result.issues, 'stages.generateResponse.endpointName')[0]).toBe('choose an endpoint');
  });

  it('reports cross-field problems once the fields parse', () => {
    const form = formFromConfig(config);
    form.topics = 'hate, hate';
    form.stages.filterInstruction.rubric = '';
    const result = validateForm(form);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(issuesUnder(result.issues, 'topics')[0]).toMatch(/listed twice/);
    expect(issuesUnder(result.issues, 'stages.filterInstruction.rubric')[0]).toMatch(/no rubric is set/);
  });

  it('reads topic descriptions and keeps stop sequences with commas', () => {
    const form = formFromConfig(config);
    form.topicDescriptions = 'hate: about groups: of people\nnsfw:adult';
    form.stages.induce.stop = '###\n\nEND, really';
    const result = validateForm(form);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.topicDescriptions).toEqual({ hate: 'about groups: of people', nsfw: 'adult' });
    expect(result.config.stages.induce.parameters.stop).toEqual(['###', 'END, really']);
  });
});

describe('renderPreview', () => {
  const sample = { text: 'Tourists are loud.', topic: 'hate', instruction: 'Rant about tourists.', chosen: 'Let us not generalise.' };

  it('renders each stage with the sample item', () => {
    const judged = renderPreview('filterResponse', config.stages.filterResponse, sample, config.topicDescriptions);
    expect(judged.ok).toBe(true);
    if (!judged.ok || judged.rendered.mode !== 'chat') throw new Error('expected a chat prompt');
    expect(judged.rendered.messages[1].content).toContain('Let us not generalise.');
    expect(judged.rendered.messages[1].content).toContain('Tourists are loud.');
  });

  it('explains a template error with its position', () => {
    const preview = renderPreview('induce', { mode: 'completion', template: 'ok\n{{ text }' }, sample, {});
    expect(preview.ok).toBe(false);
    if (!preview.ok) expect(preview.error).toMatch(/line 2, column 1/);
  });
});
