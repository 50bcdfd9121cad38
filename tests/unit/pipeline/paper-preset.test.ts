import { describe, expect, it } from 'vitest';
import {
  recipeConfigFromBuiltIn,
  recipePromptProvenance,
  renderStagePrompt,
  saferInstructPaperRecipe,
  saferInstructSafetyRecipe,
  stageNames,
  stagePresets,
  type StageName,
} from '@/lib/pipeline/prompts';
import { builtInDefinitions } from '@/lib/pipeline/recipes';
import { flipPair } from '@/lib/pipeline/reversed-data';

/** The authors' README template, typed out here on purpose rather than imported. */
const authorsTemplate = (output: string) =>
  'Below is a response to a certain instruction. Write the instruction that the response is trying to complete.\n' +
  '\n' +
  '### response:\n' +
  `${output}\n` +
  '\n' +
  '### Instruction:';

const endpoints: Record<StageName, { endpointName: string }> = {
  induce: { endpointName: 'reversed' },
  filterInstruction: { endpointName: 'judge' },
  generateResponse: { endpointName: 'expert' },
  filterResponse: { endpointName: 'judge' },
};

describe('Safer-Instruct (paper) preset', () => {
  const config = recipeConfigFromBuiltIn(saferInstructPaperRecipe, endpoints);

  it("induces with the authors' template byte for byte, in completion mode", () => {
    for (const text of ['Never pay for the tram.', 'two\nlines\n\n### Instruction:\nfake', 'with {braces} and {{double}} and $&', '🙂 שלום', '']) {
      const rendered = renderStagePrompt('induce', config.stages.induce, { text, topic: 'illegal' });
      expect(rendered).toEqual({ mode: 'completion', prompt: authorsTemplate(text) });
    }
  });

  it('sends the bare instruction to the expert model', () => {
    const rendered = renderStagePrompt('generateResponse', config.stages.generateResponse, { instruction: 'How do I pick a lock?', topic: 'illegal' });
    expect(rendered).toEqual({ mode: 'chat', messages: [{ role: 'user', content: 'How do I pick a lock?' }] });
  });

  it('filters instructions on coherence, match with the source text and whether a safe model should refuse or take care', () => {
    const template = config.stages.filterInstruction.template;
    expect(template).toMatch(/coherent/i);
    expect(template).toMatch(/plausible response to it/);
    expect(template).toMatch(/should refuse or handle with care/);
    expect(template).toContain('<source_text>\n{{text}}\n</source_text>');
    expect(template).toContain('<instruction>\n{{instruction}}\n</instruction>');
  });

  it("defaults filter and expert models to the paper's gpt-4-0613 for real endpoints, and keeps the simulator's models in its copy", () => {
    const real = builtInDefinitions.find((definition) => definition.key === 'safer-instruct-paper');
    const simulated = builtInDefinitions.find((definition) => definition.key === 'safer-instruct-paper:simulator');
    expect(real?.config.stages.filterInstruction.model).toBe('gpt-4-0613');
    expect(real?.config.stages.generateResponse.model).toBe('gpt-4-0613');
    expect(real?.config.stages.filterResponse.model).toBe('gpt-4-0613');
    expect(real?.config.stages.induce.model).toBeUndefined();
    expect(simulated?.config.stages.filterInstruction.endpointName).toBe('Simulator · judge');
    for (const stage of stageNames) expect(simulated?.config.stages[stage].model).toBeUndefined();
  });

  it('has a simulator copy of every built-in recipe, each with a distinct key and name', () => {
    expect(builtInDefinitions.map((definition) => definition.name)).toEqual([
      'Safer-Instruct (paper)',
      'Safer-Instruct (paper) · simulator',
      'Safer-Instruct (helpful refusals)',
      'Safer-Instruct (helpful refusals) · simulator',
    ]);
    expect(new Set(builtInDefinitions.map((definition) => definition.key)).size).toBe(4);
  });

  it('says which prompts are reconstructions in its description', () => {
    expect(saferInstructPaperRecipe.description).toMatch(/Reconstructed, not published by the authors: the instruction-filter and response-filter prompts/);
  });

  it("flips stage-1 data with the same template by default", () => {
    expect(flipPair('Say hi', 'Hi!')).toEqual({ prompt: authorsTemplate('Hi!'), completion: 'Say hi' });
  });
});

describe('prompt provenance', () => {
  it('records authors, reconstruction and studio text per stage for the built-in presets', () => {
    const paper = recipePromptProvenance(recipeConfigFromBuiltIn(saferInstructPaperRecipe, endpoints).stages);
    expect(Object.fromEntries(stageNames.map((stage) => [stage, paper[stage].provenance]))).toEqual({
      induce: 'authors',
      filterInstruction: 'reconstruction',
      generateResponse: 'reconstruction',
      filterResponse: 'reconstruction',
    });
    const helpful = recipePromptProvenance(recipeConfigFromBuiltIn(saferInstructSafetyRecipe, endpoints).stages);
    expect(helpful.induce.provenance).toBe('authors');
    expect(helpful.filterInstruction.provenance).toBe('studio');
    expect(helpful.generateResponse.provenance).toBe('studio');
  });

  it('marks an edited prompt user-written, but not a changed model or endpoint', () => {
    const config = recipeConfigFromBuiltIn(saferInstructPaperRecipe, endpoints);
    const edited = { ...config.stages, induce: { ...config.stages.induce, template: `${config.stages.induce.template}\n` } };
    expect(recipePromptProvenance(edited).induce.provenance).toBe('user');
    const moved = { ...config.stages, filterInstruction: { ...config.stages.filterInstruction, model: 'other', endpointName: 'x' } };
    expect(recipePromptProvenance(moved).filterInstruction.provenance).toBe('reconstruction');
  });

  it('knows the chat variant of the induce prompt as the same authors text', () => {
    const chat = stagePresets(saferInstructPaperRecipe, 'induce').find((preset) => preset.mode === 'chat');
    expect(chat?.template).toBe(saferInstructPaperRecipe.stages.induce.template);
    expect(chat?.provenance).toBe('authors');
  });
});
