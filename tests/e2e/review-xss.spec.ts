import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type Page } from '@playwright/test';
import type pg from 'pg';
import { e2eAdmin } from '../../playwright.config';
import { signIn } from './helpers';
import { connectE2eDatabase, seedDataset, seedRun } from './review-fixtures';

let client: pg.Client;
let beacon: http.Server;
let beaconHits: string[] = [];
let beaconPort = 0;

/** Every way data could turn into markup, script or a network request if it were not plain text. */
function payload(field: string): string {
  return [
    `${field}:`,
    `<script>window.__xss = '${field}'; alert('${field}')</script>`,
    `<img src=x onerror="window.__xss = '${field}'; alert('${field}')">`,
    `<a href="javascript:alert('${field}')">click ${field}</a>`,
    `[markdown link](javascript:alert('${field}'))`,
    `![beacon](http://127.0.0.1:${beaconPort}/beacon/${field})`,
    `<img src="http://127.0.0.1:${beaconPort}/img/${field}">`,
    `<svg onload="alert('${field}')"></svg><iframe src="javascript:alert('${field}')"></iframe>`,
    `  indented\n\ttabbed & "quoted" </div></pre>`,
  ].join('\n');
}

let datasetId: string;
let datasetPairIds: string[];
let runId: string;
let runPairIds: string[];

test.beforeAll(async () => {
  beacon = http.createServer((request, response) => {
    beaconHits.push(request.url ?? '');
    response.writeHead(200, { 'content-type': 'image/png' }).end();
  });
  await new Promise<void>((resolve) => beacon.listen(0, '127.0.0.1', resolve));
  beaconPort = (beacon.address() as AddressInfo).port;

  client = await connectE2eDatabase();
  ({ datasetId, pairIds: datasetPairIds } = await seedDataset(client, payload('dataset-name'), [
    {
      instruction: payload('instruction'),
      chosen: payload('chosen'),
      rejected: payload('rejected'),
      topic: payload('topic'),
      tags: [payload('tag')],
      instructionVerdict: 'FAIL',
      instructionReason: payload('instruction-reason'),
      responseVerdict: 'FAIL',
      responseReason: payload('response-reason'),
    },
  ]));
  ({ runId, pairIds: runPairIds } = await seedRun(client, payload('run-name'), [
    {
      source: payload('source'),
      rejected: payload('run-rejected'),
      instruction: payload('run-instruction'),
      chosen: payload('run-chosen'),
      instructionVerdict: 'FAIL',
      instructionReason: payload('judge-reason'),
      status: 'DROPPED',
      stages: [
        { stage: 'INDUCE', prompt: payload('prompt'), rawOutput: payload('raw-output') },
        { stage: 'FILTER_INSTRUCTION', verdict: 'FAIL', reason: payload('stage-reason'), prompt: payload('judge-prompt'), rawOutput: payload('judge-raw') },
        { stage: 'GENERATE_RESPONSE', ok: false, error: payload('stage-error'), prompt: payload('expert-prompt'), rawOutput: payload('expert-raw') },
      ],
    },
  ]));
  // A human change whose before/after carry the payload, as the history panel shows them.
  await client.query(`INSERT INTO "AuditLog" ("id", "actorEmail", "action", "targetType", "targetId", "before", "after") VALUES ($1, $2, 'pair.edit_chosen', 'Pair', $3, $4, $5)`, [
    `xss-${runPairIds[0]}`,
    payload('actor'),
    runPairIds[0],
    JSON.stringify({ chosen: payload('history-before') }),
    JSON.stringify({ chosen: payload('history-after') }),
  ]);
  await client.query(`INSERT INTO "PairComment" ("pairId", "authorEmail", "body") VALUES ($1, $2, $3)`, [runPairIds[0], payload('comment-author'), payload('comment')]);
});

test.afterAll(async () => {
  await client.end();
  await new Promise((resolve) => beacon.close(resolve));
});

/** Fails the test on any dialog, and records requests that left for the beacon. */
function watch(page: Page) {
  const dialogs: string[] = [];
  const requests: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('request', (request) => {
    if (request.url().includes(`:${beaconPort}`) || request.url().startsWith('javascript:')) requests.push(request.url());
  });
  return { dialogs, requests };
}

async function revealEverything(page: Page) {
  const closed = page.locator('main details:not([open]) > summary');
  while ((await closed.count()) > 0) await closed.first().click();
  for (;;) {
    const button = page.locator('main').getByRole('button', { name: /^Reveal / }).first();
    if ((await button.count()) === 0) break;
    await button.click();
  }
}

/** Nothing from the data became an element, an event handler, a script or a javascript: link. */
async function expectInert(page: Page) {
  const injected = await page.evaluate(() => ({
    xss: (window as unknown as { __xss?: string }).__xss ?? null,
    images: document.querySelectorAll('main img').length,
    scripts: document.querySelectorAll('main script').length,
    iframes: document.querySelectorAll('iframe').length,
    handlers: [...document.querySelectorAll('main *')].filter((element) => [...element.attributes].some((attribute) => attribute.name.startsWith('on'))).length,
    jsLinks: document.querySelectorAll('a[href^="javascript:" i]').length,
    svgWithOnload: document.querySelectorAll('svg[onload]').length,
  }));
  expect(injected).toEqual({ xss: null, images: 0, scripts: 0, iframes: 0, handlers: 0, jsLinks: 0, svgWithOnload: 0 });
}

async function expectLiteral(page: Page, field: string) {
  // The exact payload is in the page as text, line breaks included.
  const found = await page.evaluate((text) => [...document.querySelectorAll('main *')].some((element) => element.childNodes.length > 0 && [...element.childNodes].some((node) => node.nodeType === Node.TEXT_NODE && node.textContent === text)), payload(field));
  expect(found, `payload of ${field} shown literally`).toBe(true);
}

test('script tags, event handlers, javascript: links and markdown image beacons in every text field stay inert text', async ({ page }) => {
  const { dialogs, requests } = watch(page);
  beaconHits = [];
  await signIn(page, e2eAdmin.email, e2eAdmin.password);

  // Imported pair: list (clipped) and detail (full text).
  await page.goto(`/review?dataset=${datasetId}&pair=${datasetPairIds[0]}`);
  await page.waitForLoadState('networkidle');
  await expect(page.getByTestId('pair-detail')).toBeVisible();
  await revealEverything(page);
  for (const field of ['instruction', 'chosen', 'rejected']) await expectLiteral(page, field);
  await expect(page.getByTestId('pair-detail')).toContainText("<script>window.__xss = 'instruction-reason'");
  await expect(page.getByTestId('pair-detail')).toContainText("![beacon](http://127.0.0.1:");
  await expectInert(page);

  // Instructions view of the same dataset (topic, reason and the dataset name in the filter bar).
  await page.goto(`/review/instructions?dataset=${datasetId}`);
  await page.waitForLoadState('networkidle');
  await expect(page.getByTestId('pair-row')).toHaveCount(1);
  await expect(page.getByTestId('pair-row')).toContainText("<img src=x onerror=");
  await expectInert(page);

  // Pipeline pair: source, prompts, raw outputs, judge reasons, errors, history and comments.
  await page.goto(`/review?run=${runId}&pair=${runPairIds[0]}`);
  await page.waitForLoadState('networkidle');
  await expect(page.getByTestId('pair-detail')).toBeVisible();
  await revealEverything(page);
  for (const field of ['run-instruction', 'run-chosen', 'run-rejected', 'source', 'prompt', 'raw-output', 'stage-reason', 'judge-prompt', 'stage-error', 'history-before', 'history-after', 'comment']) {
    await expectLiteral(page, field);
  }
  await expectInert(page);

  // Dashboards show run and dataset names and the drop reasons.
  for (const [path, shows] of [
    ['/review/dashboard', 'dataset-name:'],
    [`/review/dashboard/run/${runId}`, 'run-name:'],
    [`/review/dashboard/dataset/${datasetId}`, 'dataset-name:'],
  ]) {
    await page.goto(path);
    await page.waitForLoadState('networkidle');
    await expect(page.locator('main')).toContainText(shows);
    await expectInert(page);
  }
  await page.goto(`/review/dashboard/run/${runId}`);
  await expect(page.getByTestId('drop-reasons')).toContainText("stage-reason:");

  expect(dialogs).toEqual([]);
  expect(requests).toEqual([]);
  expect(beaconHits).toEqual([]);
});
