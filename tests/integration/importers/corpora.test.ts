import { describe, expect, it } from 'vitest';

import { db } from '@/lib/db/client';
import { deleteCorpus, getCorpus, listCorpora, listSourceTexts, parseBrowseParams } from '@/lib/importers/corpora';

import { createTestUser } from '../helpers';
import { corpusNamed, importFile, newCorpus, tempFiles, uniqueName } from './helpers';

const temp = tempFiles();

async function seedCorpus() {
  const name = uniqueName('browse');
  const rows = Array.from({ length: 60 }, (_, index) => ({ id: `r${index}`, topic: index % 3 === 0 ? 'hate' : 'nsfw', text: index === 7 ? 'Has 100% of the_underscore and \\ backslash' : `Row number ${index} ${index % 10 === 0 ? 'MATCHING needle' : 'plain'}` }));
  await importFile(await temp.file(`${name.replaceAll(' ', '_')}.jsonl`, rows.map((row) => JSON.stringify(row)).join('\n')), newCorpus(name, { textColumn: 'text', topic: { kind: 'column', column: 'topic' }, idColumn: 'id' }));
  return (await corpusNamed(name))!;
}

describe('corpus pages', () => {
  it('lists corpora with their topics and counts topics on the detail', async () => {
    const corpus = await seedCorpus();
    const listed = (await listCorpora()).find((item) => item.id === corpus.id);
    expect(listed).toMatchObject({ itemCount: 60, topics: ['hate', 'nsfw'], importState: null });
    expect((await getCorpus(corpus.id))!.topicCounts).toEqual([
      { topic: 'nsfw', count: 40 },
      { topic: 'hate', count: 20 },
    ]);
  });

  it('pages with a keyset both ways, filters by topic and searches case-insensitively with literal % and _', async () => {
    const corpus = await seedCorpus();
    const first = await listSourceTexts(corpus.id, {}, { limit: 25 });
    expect(first.items.map((item) => item.externalId)).toEqual(Array.from({ length: 25 }, (_, index) => `r${index}`));
    expect(first.prevBefore).toBeNull();
    const second = await listSourceTexts(corpus.id, {}, { after: BigInt(first.nextAfter!), limit: 25 });
    expect(second.items[0].externalId).toBe('r25');
    const third = await listSourceTexts(corpus.id, {}, { after: BigInt(second.nextAfter!), limit: 25 });
    expect(third.items).toHaveLength(10);
    expect(third.nextAfter).toBeNull();
    const back = await listSourceTexts(corpus.id, {}, { before: BigInt(third.prevBefore!), limit: 25 });
    expect(back.items.map((item) => item.externalId)).toEqual(second.items.map((item) => item.externalId));

    const needles = await listSourceTexts(corpus.id, { query: 'matching NEEDLE' }, {});
    expect(needles.items.map((item) => item.externalId)).toEqual(['r0', 'r10', 'r20', 'r30', 'r40', 'r50']);
    const hateNeedles = await listSourceTexts(corpus.id, { query: 'needle', topic: 'hate' }, {});
    expect(hateNeedles.items.map((item) => item.externalId)).toEqual(['r0', 'r30']);
    expect((await listSourceTexts(corpus.id, { query: '100%' }, {})).items.map((item) => item.externalId)).toEqual(['r7']);
    expect((await listSourceTexts(corpus.id, { query: 'the_under' }, {})).items).toHaveLength(1);
    expect((await listSourceTexts(corpus.id, { query: '0_' }, {})).items).toHaveLength(0);
    expect((await listSourceTexts(corpus.id, { query: '\\ back' }, {})).items).toHaveLength(1);
  });

  it('ignores malformed browse parameters', () => {
    expect(parseBrowseParams({ q: ' hi ', topic: ['hate', 'x'], after: '12', before: 'DROP TABLE' })).toEqual({ query: 'hi', topic: 'hate', after: 12n, before: null });
  });

  it('deletes a corpus only with its exact name, and records who did it', async () => {
    const corpus = await seedCorpus();
    const user = await createTestUser('RESEARCHER');
    await expect(deleteCorpus(corpus.id, 'not the name', { id: user.id, email: user.email })).rejects.toThrow(/Type the name/);
    await deleteCorpus(corpus.id, corpus.name, { id: user.id, email: user.email });
    expect(await db().corpus.findUnique({ where: { id: corpus.id } })).toBeNull();
    expect(await db().sourceText.count({ where: { corpusId: corpus.id } })).toBe(0);
    const audit = await db().auditLog.findFirstOrThrow({ where: { action: 'corpus.delete', targetId: corpus.id } });
    expect(audit).toMatchObject({ actorId: user.id, before: { name: corpus.name, itemCount: 60 } });
  });
});
