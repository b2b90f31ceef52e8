/**
 * The docs page in headless Chromium: open /docs, expand ShowVersion, Try it
 * out → Execute, and see the 200 reply. A screenshot goes to a temp folder.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { READY_MS, startStack, type Stack } from './support/stack.ts';

let stack: Stack;
let browser: Browser;
before(async () => {
  stack = await startStack();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

it('runs ShowVersion from the Swagger UI page and shows the 200 reply', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  // a hang guard for every step: a page of 1029 operations takes Chromium a while on a busy machine
  page.setDefaultTimeout(READY_MS);
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`${stack.rest}/docs`, { waitUntil: 'domcontentloaded' });
  // 1029 operations: the page opens with every module folded; open Vpe
  const tag = page.locator('#operations-tag-Vpe');
  await tag.waitFor();
  await tag.click();
  const op = page.locator('#operations-Vpe-Vpe_ShowVersion');
  await op.waitFor();
  await op.scrollIntoViewIfNeeded();
  await op.locator('.opblock-summary').click();
  await op.getByRole('button', { name: 'Try it out' }).click();
  await op.getByRole('button', { name: 'Execute' }).click();
  const status = op.locator('.live-responses-table .response .response-col_status').first();
  await status.waitFor();
  assert.equal((await status.innerText()).trim(), '200');
  const body = await op.locator('.live-responses-table .microlight').first().innerText();
  assert.match(body, /"program": "vpe"/);
  const shot = join(mkdtempSync(join(tmpdir(), 'vpp-rpc-docs-')), 'docs-show-version.png');
  await page.screenshot({ path: shot, fullPage: false });
  console.log(`screenshot: ${shot}`);
  // everything the page loaded came from the gateway itself: the docs work offline
  assert.deepEqual(
    requests.filter((u) => !u.startsWith(stack.rest)),
    [],
  );
});
