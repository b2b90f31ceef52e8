/**
 * The docs page in headless Chromium: open /docs, expand ShowVersion, Try it
 * out → Execute, and see the 200 reply. A screenshot goes to a temp folder.
 * On a fleet gateway the operation has the X-VPP-Node header as a list of
 * the nodes: the call goes to the node picked there.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { startFleet, untilFleetReady, type Fleet } from './support/fleet.ts';
import { scrape } from './support/observe.ts';
import { READY_MS, startStack, type Stack } from './support/stack.ts';

let browser: Browser;
before(async () => {
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
});

/** The docs page of the gateway at `rest`, every URL it requests, and ShowVersion's operation, unfolded, tried out. */
async function showVersion(rest: string): Promise<{ page: Page; op: Locator; requests: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  // a hang guard for every step: Chromium takes a while on a busy machine
  page.setDefaultTimeout(READY_MS);
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`${rest}/docs`, { waitUntil: 'domcontentloaded' });
  // the page opens with the Vpe module, folded; open it
  const tag = page.locator('#operations-tag-Vpe');
  await tag.waitFor();
  await tag.click();
  const op = page.locator('#operations-Vpe-Vpe_ShowVersion');
  await op.waitFor();
  await op.scrollIntoViewIfNeeded();
  await op.locator('.opblock-summary').click();
  await op.getByRole('button', { name: 'Try it out' }).click();
  return { page, op, requests };
}

/**
 * Execute: the gateway's answer to the page's request, once the page shows a
 * response body with `shows` in it (a response shown before stays until the new
 * one replaces it).
 */
async function execute(
  page: Page,
  op: Locator,
  shows: RegExp,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/Vpe/ShowVersion/request') && r.request().method() === 'POST'),
    op.getByRole('button', { name: 'Execute' }).click(),
  ]);
  await op.locator('.live-responses-table .microlight', { hasText: shows }).first().waitFor();
  const status = (await op.locator('.live-responses-table .response .response-col_status').first().innerText()).trim();
  assert.equal(status, String(response.status()), 'the page shows the status the gateway answered');
  return { status: response.status(), headers: response.request().headers(), body: await response.text() };
}

async function screenshot(page: Page, name: string): Promise<void> {
  const shot = join(mkdtempSync(join(tmpdir(), 'vpp-rpc-docs-')), name);
  await page.screenshot({ path: shot, fullPage: false });
  console.log(`screenshot: ${shot}`);
}

describe('the docs page of a gateway in front of one server', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
  });

  it('runs ShowVersion from the Swagger UI page and shows the 200 reply', async () => {
    const { page, op, requests } = await showVersion(stack.rest);
    const { status, body } = await execute(page, op, /"program": "vpe"/);
    assert.equal(status, 200, body);
    await screenshot(page, 'docs-show-version.png');
    // the page loads the module it shows, not the whole document of every module
    assert.ok(requests.includes(`${stack.rest}/openapi/Vpe.json`), requests.join(' '));
    assert.ok(!requests.includes(`${stack.rest}/openapi.json`));
    // everything the page loaded came from the gateway itself: the docs work offline
    assert.deepEqual(
      requests.filter((u) => !u.startsWith(stack.rest)),
      [],
    );
    await page.close();
  });
});

describe('the docs page of a fleet gateway', () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await startFleet(['a', 'b']);
    await untilFleetReady(fleet);
  });
  after(async () => {
    await fleet?.stop();
  });

  /** The calls the gateway made to each node, as its metrics count them. */
  const callsTo = async (node: string): Promise<number> =>
    (await scrape(fleet.gatewayMetricsPort)).get(`vpp_rpc_gateway_node_calls_total{node="${node}",code="OK"}`) ?? 0;

  it('its index page shows the fleet: /nodes, and an example call with the X-VPP-Node header', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(READY_MS);
    await page.goto(`${fleet.rest}/`, { waitUntil: 'domcontentloaded' });
    const [listed] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/nodes'),
      page.locator('a[href="/nodes"]').click(),
    ]);
    assert.deepEqual(
      ((await listed.json()) as { nodes: { name: string }[] }).nodes.map((n) => n.name),
      ['a', 'b'],
    );
    await page.goBack();
    assert.match(await page.locator('pre').innerText(), /-H 'X-VPP-Node: \*'/);
    assert.match(await page.locator('body').innerText(), /at least one node of the fleet is ready/);
    await page.close();
  });

  it('offers the nodes in the X-VPP-Node header, and a call goes to the node picked', async () => {
    const { page, op, requests } = await showVersion(fleet.rest);
    const header = op.locator('tr[data-param-name="X-VPP-Node"]');
    await header.waitFor();
    const picker = header.locator('select');
    const offered = (await picker.locator('option').allInnerTexts()).map((t) => t.trim());
    assert.deepEqual(
      offered.filter((t) => t !== '--'),
      ['a', 'b', '*'],
    );
    const [a, b] = [await callsTo('a'), await callsTo('b')];
    await picker.selectOption('b');
    const one = await execute(page, op, /"program": "vpe"/);
    assert.equal(one.status, 200, one.body);
    assert.equal(one.headers['x-vpp-node'], 'b');
    // the gateway sent it to b, and to b only
    assert.equal(await callsTo('b'), b + 1);
    assert.equal(await callsTo('a'), a);
    await screenshot(page, 'docs-fleet-show-version.png');
    // every node at once: a line per node
    await picker.selectOption('*');
    const all = await execute(page, op, /"node"/);
    assert.equal(all.status, 200, all.body);
    assert.equal(all.headers['x-vpp-node'], '*');
    const lines = all.body
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { node: string; reply?: { program?: string } });
    assert.deepEqual(lines.map((l) => l.node).sort(), ['a', 'b']);
    for (const l of lines) assert.equal(l.reply?.program, 'vpe', JSON.stringify(l));
    assert.deepEqual(
      requests.filter((u) => !u.startsWith(fleet.rest)),
      [],
    );
    await page.close();
  });
});
