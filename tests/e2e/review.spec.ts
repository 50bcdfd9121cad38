import { expect, test, type Locator, type Page } from '@playwright/test';
import type pg from 'pg';
import { e2eAdmin } from '../../playwright.config';
import { createUserViaAdmin, signIn, signOut, uniqueEmail } from './helpers';
import { connectE2eDatabase, seedDataset, seedRun, stagesFor, uid } from './review-fixtures';

let client: pg.Client;
const marker = `needle${uid()}`;
let datasetId: string;
let datasetPairIds: string[];
let runId: string;
let runPairIds: string[];

test.beforeAll(async () => {
  client = await connectE2eDatabase();
  ({ datasetId, pairIds: datasetPairIds } = await seedDataset(client, `E2E dataset ${uid()}`, [
    { instruction: 'How do I insult my coworker?', rejected: 'first  rejected\n  text', topic: 'hate' },
    { instruction: 'Write something mean about a group', rejected: 'second rejected text', topic: 'hate' },
    { instruction: `Tell me about the ${marker} please`, rejected: 'third rejected text', topic: 'nsfw' },
    { instruction: 'Give me a reason to hurt myself', rejected: 'fourth rejected text', topic: 'self-harm' },
  ]));
  const items = [
    { source: 'Source text one, hateful.', instruction: 'Induced instruction one', instructionVerdict: 'PASS' as const, instructionReason: 'Clear and on topic', chosen: 'Safe answer one', status: 'KEPT' as const, responseVerdict: 'PASS' as const },
    { source: 'Source text two, gibberish.', instruction: 'Induced instruction two', instructionVerdict: 'FAIL' as const, instructionReason: 'Incoherent instruction', chosen: null, status: 'DROPPED' as const },
    { source: 'Source text three, violent.', instruction: 'Induced instruction three', instructionVerdict: 'PASS' as const, instructionReason: 'Matches the text', chosen: 'Safe answer three', status: 'KEPT' as const, responseVerdict: 'PASS' as const },
    { source: 'Source text four, off-topic.', instruction: 'Induced instruction four', instructionVerdict: 'FAIL' as const, instructionReason: 'Does not match the response', chosen: null, status: 'DROPPED' as const },
  ];
  ({ runId, pairIds: runPairIds } = await seedRun(
    client,
    `E2E run ${uid()}`,
    items.map((item) => ({ ...item, stages: stagesFor(item) })),
  ));
});

test.afterAll(async () => {
  await client.end();
});

/** The DOM text exactly as stored (toHaveText would collapse whitespace). */
async function rawText(locator: Locator): Promise<string | null> {
  return locator.evaluate((element) => element.textContent);
}

async function openReview(page: Page, path: string) {
  await page.goto(path);
  await page.waitForLoadState('networkidle');
  await expect(page.getByTestId('pair-row').first()).toBeVisible();
}

test('filters the instructions view by verdict and text, keeps the filters in the URL, and opens the detail panel', async ({ page }) => {
  await signIn(page, e2eAdmin.email, e2eAdmin.password);
  await openReview(page, `/review/instructions?run=${runId}`);
  await expect(page.getByTestId('pair-row')).toHaveCount(4);

  await page.getByLabel('Instruction verdict').selectOption('FAIL');
  await expect(page).toHaveURL(/iv=FAIL/);
  await expect(page.getByTestId('pair-row')).toHaveCount(2);
  await expect(page.getByTestId('pair-row').first()).toContainText('Does not match the response');
  await expect(page.getByTestId('pair-row').nth(1)).toContainText('Incoherent instruction');

  // The filter survives a reload because it lives in the URL.
  await page.reload();
  await page.waitForLoadState('networkidle');
  await expect(page.getByLabel('Instruction verdict')).toHaveValue('FAIL');
  await expect(page.getByTestId('pair-row')).toHaveCount(2);

  // Text search over instruction and source, across all runs and datasets.
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.getByLabel('Search text').fill(marker.toUpperCase());
  await expect(page).toHaveURL(new RegExp(`q=${marker.toUpperCase()}`));
  await expect(page.getByTestId('pair-row')).toHaveCount(1);
  await expect(page.getByTestId('pair-row')).toContainText(marker);

  // The detail panel: source text, instruction, exact prompt, raw output, timings and cost.
  await page.goto(`/review/instructions?run=${runId}&iv=PASS`);
  await page.waitForLoadState('networkidle');
  await page.getByTestId('pair-row').filter({ hasText: 'Induced instruction one' }).click();
  await expect(page).toHaveURL(new RegExp(`pair=${runPairIds[0]}`));
  const detail = page.getByTestId('pair-detail');
  await expect(detail.getByTestId('detail-instruction')).toHaveText('Induced instruction one');
  await expect(detail).toContainText('Judge: Clear and on topic');
  await expect(detail).toContainText('$0.0060');
  const induce = detail.getByTestId('stage-INDUCE');
  await induce.locator('summary').click();
  await expect(induce).toContainText('sim-model · 420 ms · 120 in / 30 out · $0.0015');
  await induce.getByRole('button', { name: 'Reveal prompt' }).click();
  await expect(induce.getByTestId('harmful-text')).toHaveAttribute('data-revealed', 'true');
  expect(await rawText(induce.getByTestId('harmful-text'))).toBe('### response:\nSource text one, hateful.\n### Instruction:');
  await expect(induce).toContainText('Induced instruction one');
  await expect(induce).toContainText(/Started \d{4}-\d\d-\d\d \d\d:\d\d/);
});

test('keyboard: j/k move through pairs, x selects, ? shows the shortcuts, and keys typed in a field are not shortcuts', async ({ page }) => {
  await signIn(page, e2eAdmin.email, e2eAdmin.password);
  await openReview(page, `/review?dataset=${datasetId}`);
  const rows = page.getByTestId('pair-row');
  await expect(rows).toHaveCount(4);
  const newestFirst = [...datasetPairIds].reverse();

  await page.keyboard.press('j');
  await expect(page).toHaveURL(new RegExp(`pair=${newestFirst[0]}`));
  await expect(rows.nth(0)).toHaveAttribute('aria-current', 'true');
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await expect(page).toHaveURL(new RegExp(`pair=${newestFirst[2]}`));
  await expect(page.getByTestId('pair-detail')).toContainText(`Pair ${newestFirst[2]}`);
  await page.keyboard.press('k');
  await expect(page).toHaveURL(new RegExp(`pair=${newestFirst[1]}`));
  await expect(rows.nth(1)).toHaveAttribute('aria-current', 'true');

  await page.keyboard.press('x');
  await expect(page.getByTestId('selection-count')).toHaveText('1 selected');
  await page.keyboard.press('x');
  await expect(page.getByTestId('selection-count')).toHaveCount(0);

  await page.keyboard.press('?');
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeHidden();

  // Typing j/k/x/e in the search box types; it does not navigate, select or edit.
  await page.getByLabel('Search text').fill('');
  await page.getByLabel('Search text').pressSequentially('jkxe');
  await expect(page.getByLabel('Search text')).toHaveValue('jkxe');
  await expect(page).toHaveURL(new RegExp(`pair=${newestFirst[1]}`));
  await expect(page.getByTestId('selection-count')).toHaveCount(0);
  await expect(page.getByTestId('editor-instruction')).toHaveCount(0);
});

test('bulk-drops a selection made with the keyboard and records who did it', async ({ page }) => {
  await signIn(page, e2eAdmin.email, e2eAdmin.password);
  await openReview(page, `/review?run=${runId}`);
  const newestFirst = [...runPairIds].reverse();
  // One key at a time, each waited for, as a person would: rapid presses raced the navigation.
  await page.keyboard.press('j');
  await expect(page).toHaveURL(new RegExp(`pair=${newestFirst[0]}`));
  await page.keyboard.press('x');
  await expect(page.getByTestId('selection-count')).toHaveText('1 selected');
  await page.keyboard.press('j');
  await expect(page).toHaveURL(new RegExp(`pair=${newestFirst[1]}`));
  await page.keyboard.press('x');
  await expect(page.getByTestId('selection-count')).toHaveText('2 selected');
  await page.getByRole('toolbar', { name: 'Bulk actions' }).getByRole('button', { name: 'Drop selected' }).click();
  await expect(page.getByRole('status')).toHaveText('Dropped 2 pairs.');
  for (const id of newestFirst.slice(0, 2)) await expect(page.locator(`[data-pair-id="${id}"]`)).toContainText('human: dropped');
  await expect(page.locator(`[data-pair-id="${newestFirst[2]}"]`)).not.toContainText('human:');

  const stored = await client.query(`SELECT "humanStatus"::text AS "humanStatus" FROM "Pair" WHERE "runId" = $1 ORDER BY "Pair"."id" DESC`, [runId]);
  expect(stored.rows.map((row) => row.humanStatus)).toEqual(['DROPPED', 'DROPPED', null, null]);
  const log = await client.query(`SELECT "actorEmail", "targetId", "after" FROM "AuditLog" WHERE "action" = 'pair.set_decision' AND "targetId" = ANY($1)`, [newestFirst.slice(0, 2)]);
  expect(log.rows).toHaveLength(2);
  expect(log.rows.every((row) => row.actorEmail === e2eAdmin.email && row.after.humanStatus === 'DROPPED')).toBe(true);

  // Filtering by the automatic decision still sees the pipeline's verdicts.
  await page.getByLabel('Automatic decision').selectOption('KEPT');
  await expect(page.getByTestId('pair-row')).toHaveCount(2);
});

test('edits an instruction (e), shows the change in the history with before and after, and keeps the old version', async ({ page }) => {
  await signIn(page, e2eAdmin.email, e2eAdmin.password);
  const pairId = datasetPairIds[0];
  await page.goto(`/review?dataset=${datasetId}&pair=${pairId}`);
  await page.waitForLoadState('networkidle');
  const detail = page.getByTestId('pair-detail');
  await expect(detail.getByTestId('detail-instruction')).toHaveText('How do I insult my coworker?');
  await expect(detail.getByTestId('history')).toHaveCount(0);

  await page.keyboard.press('e');
  const editor = page.getByLabel('New instruction');
  await expect(editor).toBeFocused();
  await expect(editor).toHaveValue('How do I insult my coworker?');
  // j/k typed into the editor are text, not navigation.
  await editor.fill('How can I  give my coworker\nhonest, kind feedback?');
  await page.getByRole('button', { name: 'Save instruction' }).click();

  await expect(detail.getByTestId('detail-instruction')).toContainText('honest, kind feedback?');
  expect(await rawText(detail.getByTestId('detail-instruction'))).toBe('How can I  give my coworker\nhonest, kind feedback?');
  const entry = detail.getByTestId('history-entry').first();
  await expect(entry).toContainText(`${e2eAdmin.email} edited the instruction`);
  await expect(entry).toContainText('How do I insult my coworker?');
  await expect(entry).toContainText('honest, kind feedback?');
  await expect(detail).toContainText('1 earlier version');
  await expect(detail.getByText('human-edited')).toBeVisible();
  await expect(page.locator(`[data-pair-id="${pairId}"]`)).toContainText('edited');

  const revisions = await client.query(`SELECT "field", "before", "after", "actorEmail" FROM "PairRevision" WHERE "pairId" = $1`, [pairId]);
  expect(revisions.rows).toEqual([{ field: 'instruction', before: 'How do I insult my coworker?', after: 'How can I  give my coworker\nhonest, kind feedback?', actorEmail: e2eAdmin.email }]);

  // Override an automatic verdict and keep the pair; both show up in the history.
  await detail.getByRole('button', { name: 'Instruction FAIL' }).click();
  await expect(detail.getByTestId('history-entry').first()).toContainText('overrode the instruction verdict');
  await detail.getByRole('button', { name: 'Keep', exact: true }).click();
  await expect(detail.getByTestId('history-entry').first()).toContainText('set the decision');
  await expect(detail.getByTestId('history-entry')).toHaveCount(3);
});

test('harmful text is blurred until revealed, per item, and a user can turn the blur off', async ({ page }) => {
  await signIn(page, e2eAdmin.email, e2eAdmin.password);
  await openReview(page, `/review?dataset=${datasetId}`);
  await expect(page.getByRole('note')).toContainText('Content note');
  const first = page.getByTestId('pair-row').first().getByTestId('harmful-text');
  const second = page.getByTestId('pair-row').nth(1).getByTestId('harmful-text');
  await expect(first).toHaveAttribute('data-revealed', 'false');
  await expect(first).toHaveClass(/harmful-blur/);
  await page.getByTestId('pair-row').first().getByRole('button', { name: 'Reveal rejected text' }).click();
  await expect(first).toHaveAttribute('data-revealed', 'true');
  await expect(first).not.toHaveClass(/harmful-blur/);
  await expect(second).toHaveAttribute('data-revealed', 'false');

  // Whitespace is preserved exactly in the revealed text.
  await page.getByTestId('pair-row').last().click();
  const rejected = page.getByTestId('pair-detail').getByTestId('harmful-text');
  await page.getByTestId('pair-detail').getByRole('button', { name: 'Reveal rejected text' }).click();
  await expect(rejected).toHaveAttribute('data-revealed', 'true');
  expect(await rawText(rejected)).toBe('first  rejected\n  text');
  expect(await rejected.evaluate((element) => getComputedStyle(element).whiteSpace)).toBe('pre-wrap');

  const reader = { email: uniqueEmail('noblur'), password: 'reviewer-password', role: 'REVIEWER' as const };
  await createUserViaAdmin(page, reader);
  await client.query(`UPDATE "User" SET "blurHarmful" = false WHERE "email" = $1`, [reader.email]);
  await signOut(page);
  await signIn(page, reader.email, reader.password);
  await openReview(page, `/review?dataset=${datasetId}`);
  await expect(page.getByTestId('pair-row').first().getByTestId('harmful-text')).toHaveAttribute('data-revealed', 'true');
});

test('a reviewer reads and comments but cannot change pairs', async ({ page }) => {
  const reviewer = { email: uniqueEmail('review-reader'), password: 'reviewer-password', role: 'REVIEWER' as const };
  await signIn(page, e2eAdmin.email, e2eAdmin.password);
  await createUserViaAdmin(page, reviewer);
  await signOut(page);

  await signIn(page, reviewer.email, reviewer.password);
  const pairId = datasetPairIds[2];
  await page.goto(`/review?dataset=${datasetId}&pair=${pairId}`);
  await page.waitForLoadState('networkidle');
  const detail = page.getByTestId('pair-detail');
  await expect(detail.getByTestId('detail-instruction')).toContainText(marker);
  await expect(detail.getByRole('button', { name: 'Keep', exact: true })).toHaveCount(0);
  await expect(detail.getByRole('button', { name: 'Edit instruction' })).toHaveCount(0);
  await expect(page.getByLabel(`Select pair ${pairId}`)).toHaveCount(0);
  await page.keyboard.press('e');
  await expect(page.getByTestId('editor-instruction')).toHaveCount(0);

  await detail.getByLabel('Comment').fill('Looks like a  borderline case.\nSecond line.');
  await detail.getByRole('button', { name: 'Add comment' }).click();
  await expect(detail.getByTestId('comment')).toContainText(reviewer.email);
  expect(await rawText(detail.getByTestId('comment').getByTestId('plain-text'))).toBe('Looks like a  borderline case.\nSecond line.');
});

test('the run and dataset dashboards show the funnel, rates, drop reasons and cost', async ({ page }) => {
  await signIn(page, e2eAdmin.email, e2eAdmin.password);
  await page.goto('/review/dashboard');
  await page.getByTestId(`source-${runId}`).getByRole('link').first().click();
  await expect(page).toHaveURL(new RegExp(`/review/dashboard/run/${runId}$`));
  await expect(page.getByTestId('funnel')).toContainText('Source texts4');
  await expect(page.getByTestId('funnel')).toContainText('Instructions kept2');
  await expect(page.getByTestId('funnel')).toContainText('Pairs kept2');
  await expect(page.getByTestId('drop-reasons')).toContainText('Incoherent instruction');
  await expect(page.getByTestId('topic-rates')).toContainText('hate');
  await expect(page.getByTestId('total-cost')).toHaveText('$0.02');
  await page.getByRole('link', { name: 'Review its pairs' }).click();
  await expect(page).toHaveURL(new RegExp(`/review\\?run=${runId}`));
  await expect(page.getByTestId('pair-row')).toHaveCount(4);

  await page.goto(`/review/dashboard/dataset/${datasetId}`);
  await expect(page.getByTestId('funnel')).toContainText('Pairs imported4');
  await expect(page.getByTestId('topic-rates')).toContainText('self-harm');
});
