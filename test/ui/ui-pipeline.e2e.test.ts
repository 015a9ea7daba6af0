// Issue 7 acceptance, end to end with nothing stubbed: a real server-lite (startServer, SQLite on
// disk, serving the built UI itself), the example Node service pushing with @kprof/sdk, and the
// example Go service (net/http/pprof, -self-load) that server-lite scrapes in pull mode (static
// scrape config), next to a dead target. Headless Chromium then walks every view; the assertions read the
// accessible DOM (function table, tooltip, breadcrumb, status lines), and each view is saved as a
// screenshot in test-artifacts/ui/pipeline-*.png.
//
// The Node diff needs one window without the hot path and one with it: the service first serves
// only /report (renderReport), then, after an idle gap that keeps the 1 s upload windows apart,
// only /cpu (burnCpu).
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildGoProgram, closedLoopbackPort, makeTempDir, startLoad, startProcess, type RunningProcess } from '@kprof/test-support';
import type { KprofServer } from '../../packages/server-lite/src/index.js';
import { startTestServer } from '../../packages/server-lite/test/helpers/test-server.js';
import { parseTimeInput } from '../../packages/server-lite/ui/src/time-input.js';
import { buildUi, clickFrame, currentCrumb, findFrame, functionRow, launchBrowser, locateFrame, openPage, shot, tooltipAt } from './browser-helpers.js';

const repo = resolve(__dirname, '..', '..');
const tmp = makeTempDir('kprof-ui-pipeline-');
const NODE_HOT = 'burnCpu';
const NODE_BASELINE = 'renderReport';
const GO_HOT = 'main.hashChain';

let server: KprofServer;
let context: BrowserContext;
let closeBrowser: (() => Promise<void>) | undefined;
/** Started in beforeAll for every test of the file; stopped in afterAll. */
const procs: RunningProcess[] = [];
/** Unix seconds: the Node baseline window [start, boundary) and the hot window [boundary, end). */
const windows = { start: 0, boundary: 0, end: 0 };
let deadPort = 0;
let goAddr = '';

/** Polls `check` every 250 ms until it holds (expect.poll only works inside tests, this runs in beforeAll). */
async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  await vi.waitFor(
    async () => {
      if (!(await check())) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    },
    { timeout: timeoutMs, interval: 250 },
  );
}

/** Names in a `/render` answer for `query` over [from, until). */
async function renderedNames(query: string, from: string | number, until: string | number): Promise<string[]> {
  const qs = new URLSearchParams({ query, from: String(from), until: String(until), format: 'json' });
  const res = await fetch(`${server.url}/render?${qs.toString()}`);
  if (res.status !== 200) return [];
  return ((await res.json()) as { flamebearer: { names: string[] } }).flamebearer.names;
}

/** Starts the Go example; returns its host:port. */
async function startGoService(): Promise<string> {
  const bin = await buildGoProgram(join(repo, 'examples', 'go-service'), join(tmp.dir, 'go-service'), { env: { CGO_ENABLED: '0' } });
  const proc = startProcess(bin, ['-listen', '127.0.0.1:0', '-self-load'], { stopWhenTestEnds: false });
  procs.push(proc);
  const [, addr] = await proc.waitFor(/listening on http:\/\/(\S+) /);
  return addr as string;
}

/** The Node service's app URL and its admin URL (`/debug/kprof/stats` counts the SDK's uploads). */
async function startNodeService(): Promise<{ url: string; admin: string }> {
  const proc = startProcess(process.execPath, [join(repo, 'examples', 'node-service', 'dist', 'main.js')], {
    env: {
      PORT: '0', ADMIN_PORT: '0', KPROF_SERVER_ADDRESS: server.url, KPROF_UPLOAD_INTERVAL_MS: '1000',
      KPROF_APP_NAME: 'node-service', DEPLOY_ENV: 'e2e',
    },
    stopWhenTestEnds: false,
  });
  procs.push(proc);
  const [, port] = await proc.waitFor(/listening on http:\/\/localhost:(\d+)/);
  const [, admin] = await proc.waitFor(/pprof on (http:\/\/\S+)\/debug\/pprof\//);
  return { url: `http://127.0.0.1:${port}`, admin: admin as string };
}

/** Time profiles the Node service's SDK has cut so far; each covers the time since the previous one. */
async function timeUploads(admin: string): Promise<number> {
  const res = await fetch(`${admin}/debug/kprof/stats`);
  return ((await res.json()) as { uploads: { timeProfiles: number } }).uploads.timeProfiles;
}

/** Waits until the SDK has cut `n` more time profiles (upload windows) than now. */
async function nextUploads(admin: string, n: number): Promise<void> {
  const target = (await timeUploads(admin)) + n;
  await waitUntil(`${n} more Node upload windows`, async () => (await timeUploads(admin)) >= target);
}

/**
 * Pull mode: server-lite scrapes the Go service's /debug/pprof/profile (CPU, fitted inside the
 * 3 s interval) and a dead target, both as static targets; a third target has no application
 * name, so it is dropped.
 */
function scrapeConfig(goAddr: string, deadPort: number): string {
  return `scrape-configs:
  - job-name: go-apps
    scrape-interval: 3s
    enabled-profiles: [cpu]
    static-configs:
      - application: go-service
        targets: ['${goAddr}']
        labels: {env: e2e}
      - application: gone-service
        targets: ['127.0.0.1:${deadPort}']
        labels: {env: e2e}
      - targets: ['127.0.0.1:${deadPort + 1}']
`;
}

interface ActiveTarget { scrapeUrl: string; health: string; lastError: string; labels: Record<string, string> }

async function activeTargets(): Promise<ActiveTarget[]> {
  const res = await fetch(`${server.url}/api/v1/targets`);
  return ((await res.json()) as { data: { activeTargets: ActiveTarget[] } }).data.activeTargets;
}

/**
 * Drives the Node service: /report only, an idle gap, then /cpu only; records the windows. The
 * gaps are counted in the SDK's upload windows (each cut covers the time since the previous cut,
 * stamped with whole seconds), so neither load spills across the boundary however late a cut is.
 */
async function runNodeWindows(node: { url: string; admin: string }): Promise<void> {
  windows.start = Math.floor(Date.now() / 1000) - 1;
  const baseline = startLoad(node.url, ['/report?rows=4000'], { concurrency: 2 });
  await waitUntil(`${NODE_BASELINE} in node-service.cpu`,
    async () => (await renderedNames('node-service.cpu', windows.start, 'now')).includes(NODE_BASELINE));
  await nextUploads(node.admin, 2);
  const a = await baseline.stop();
  if (a.failed > 0) throw new Error(`baseline load failed: ${a.errors.join('; ')}`);
  // The window open at the stop is cut next; the one after it is idle throughout.
  await nextUploads(node.admin, 2);
  windows.boundary = Math.ceil(Date.now() / 1000);
  await waitUntil('the boundary second to pass', async () => Date.now() >= windows.boundary * 1000);
  // The window open at the boundary (idle, stamped before it) is cut; the next one starts after it.
  await nextUploads(node.admin, 1);
  const hot = startLoad(node.url, ['/cpu?ms=30'], { concurrency: 2 });
  await waitUntil(`${NODE_HOT} in node-service.cpu`,
    async () => (await renderedNames('node-service.cpu', windows.boundary, 'now')).includes(NODE_HOT));
  await nextUploads(node.admin, 2);
  const b = await hot.stop();
  if (b.failed > 0) throw new Error(`hot load failed: ${b.errors.join('; ')}`);
  windows.end = Math.ceil(Date.now() / 1000) + 5;
}

beforeAll(async () => {
  buildUi();
  goAddr = await startGoService();
  // The dead scrape target: a loopback port nothing listens on.
  deadPort = await closedLoopbackPort();
  server = await startTestServer(join(tmp.dir, 'db'), scrapeConfig(goAddr, deadPort), { closeOnFinish: false });
  const node = await startNodeService();
  const scraped = waitUntil(`${GO_HOT} in go-service.cpu (scraped)`,
    async () => (await renderedNames('go-service.cpu', 'now-5m', 'now')).includes(GO_HOT), 60_000);
  await Promise.all([scraped, runNodeWindows(node)]);
  await waitUntil('the dead target to be down', async () => (await activeTargets()).some((t) => t.labels['__name__'] === 'gone-service' && t.health === 'down'));
  ({ context, close: closeBrowser } = await launchBrowser());
}, 240_000);

afterAll(async () => {
  await closeBrowser?.();
  for (const p of procs) await p.stop('SIGTERM', { killAfterMs: 5_000 });
  await server?.close();
  tmp.cleanup();
});

function open(path: string): Promise<Page> {
  return openPage(context, server.url + path);
}

/** Controls (inputs, selects, buttons, links) with no accessible name, as short HTML. Evaluated in the page. */
const UNLABELLED_CONTROLS = `(() => {
  const named = (el) => {
    if (el.getAttribute('aria-label')?.trim()) return true;
    const by = el.getAttribute('aria-labelledby');
    if (by && by.split(/\\s+/).some((id) => document.getElementById(id)?.textContent?.trim())) return true;
    if (el.labels && [...el.labels].some((l) => l.textContent.trim())) return true;
    if (el.matches('button, a') && el.textContent.trim()) return true;
    return false;
  };
  return [...document.querySelectorAll('input, select, textarea, button, a[href]')]
    .filter((el) => el.type !== 'hidden' && !named(el))
    .map((el) => el.outerHTML.slice(0, 120));
})()`;

describe('kprof UI on server-lite fed by the real SDK and a real Go program', () => {
  it('lists both apps with when they were last seen', async () => {
    const page = await open('/');
    const apps = page.getByRole('list', { name: 'Applications' });
    await expect.poll(() => apps.locator(':scope > li h3').allTextContents()).toEqual(['go-service', 'node-service']);
    expect(await page.getByRole('list', { name: 'go-service profile types' }).getByRole('link').allTextContents()).toContain('cpu');
    expect(await page.getByRole('list', { name: 'node-service profile types' }).getByRole('link').allTextContents())
      .toEqual(expect.arrayContaining(['cpu', 'wall']));
    // Both apps pushed within the last minute or so; the title holds the absolute time.
    for (const time of await apps.locator(':scope > li .last-seen time').all()) {
      expect(await time.textContent()).toMatch(/^(just now|\d+ s ago|1 min ago)$/);
      expect(await time.getAttribute('title')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    }
    expect(await apps.locator(':scope > li .last-seen time').count()).toBe(2);
    expect(await page.evaluate(UNLABELLED_CONTROLS)).toEqual([]);
    await shot(page, 'pipeline-apps');
  });

  it('renders the Go service: hot function in table and tooltip, click zooms, search highlights, URL round-trips', async () => {
    const page = await open('/');
    await page.getByRole('list', { name: 'go-service profile types' }).getByRole('link', { name: 'cpu' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('query')).toBe('go-service.cpu');
    const hot = functionRow(page, GO_HOT);
    await expect.poll(() => hot.count()).toBe(1);
    // Real CPU time from runtime/pprof, shown as time.
    expect(await hot.locator('td').nth(1).textContent()).toMatch(/^[\d.]+ (ms|s) \(\d+(\.\d+)?%\)$/);
    await shot(page, 'pipeline-go');

    const { row, x } = await locateFrame(page, GO_HOT);
    expect(await page.locator('#flame-tooltip .tooltip-name').textContent()).toBe(GO_HOT);
    expect(await page.locator('#flame-tooltip dl').textContent()).toMatch(/^Total[\d.]+ (ms|s) \([\d.]+%\)Self/);
    await clickFrame(page, row, x);
    await expect.poll(() => currentCrumb(page).textContent()).toBe(GO_HOT);
    // Zoomed: the hot function spans the whole row, so its right edge shows it too.
    const box = await page.locator('canvas.flame-canvas').boundingBox();
    expect(await findFrame(page, row, GO_HOT)).toBeLessThan(10);
    expect(await tooltipAt(page, row, (box?.width ?? 0) - 6)).toBe(GO_HOT);
    await shot(page, 'pipeline-go-zoomed');

    await page.getByLabel('Search functions').fill('hashChain');
    const status = page.locator('.search-status');
    await expect.poll(() => status.textContent()).toMatch(/^\d+ frames? match “hashChain”: [\d.]+% of total/);
    // -self-load spends most of its CPU hashing, so the match is most of the profile.
    expect(Number(/: ([\d.]+)% of total/.exec((await status.textContent()) ?? '')?.[1])).toBeGreaterThan(50);
    expect(await page.locator('table.fn-table tbody th').allTextContents()).toEqual([GO_HOT]);
    expect(await page.evaluate(UNLABELLED_CONTROLS)).toEqual([]);
    await shot(page, 'pipeline-go-search');

    const url = new URL(page.url());
    expect(url.searchParams.get('search')).toBe('hashChain');
    // The range is relative (last hour) and scrapes keep arriving, so the totals may have grown.
    const again = await open(url.pathname + url.search);
    await expect.poll(() => again.locator('.search-status').textContent()).toMatch(/^1 frame match “hashChain”: [\d.]+% of total/);
    expect(await again.getByLabel('Search functions').inputValue()).toBe('hashChain');
    expect(await again.getByLabel('Profile type').inputValue()).toBe('go-service.cpu');
    expect(await again.getByRole('heading', { level: 2 }).textContent()).toBe('go-service.cpu');
  });

  it('renders the Node service pushed by @kprof/sdk, with a real table and labelled controls', async () => {
    const page = await open(`/?view=single&query=node-service.cpu&from=${windows.start}&until=${windows.end}`);
    await expect.poll(() => functionRow(page, NODE_HOT).count()).toBe(1);
    expect(await functionRow(page, NODE_BASELINE).count()).toBe(1);
    // Screen-reader basics: a real <table> with column headers and a row header per function.
    const table = page.locator('table.fn-table');
    expect(await table.evaluate((el) => el.tagName)).toBe('TABLE');
    expect(await table.getByRole('columnheader').allTextContents()).toEqual(expect.arrayContaining([
      expect.stringMatching(/^Function/), expect.stringMatching(/^Self/), expect.stringMatching(/^Total/),
    ]));
    expect(await table.locator('thead th[scope="col"]').count()).toBe(await table.getByRole('columnheader').count());
    expect(await table.locator('tbody th[scope="row"]').count()).toBe(await table.locator('tbody tr').count());
    expect(await page.evaluate(UNLABELLED_CONTROLS)).toEqual([]);
    await shot(page, 'pipeline-node');
  });

  it('targets view: the scraped Go service is up, the dead target down with its error (from the real /api/v1/targets)', async () => {
    const page = await open('/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Targets' }).click();
    const table = page.getByRole('table', { name: /^2 scrape targets, 1 up$/ });
    await expect.poll(() => table.locator('tbody tr').count()).toBe(2);
    const row = (url: string) => table.locator('tbody tr').filter({ has: page.getByRole('rowheader', { name: url, exact: true }) });
    const api = await activeTargets();
    const goTarget = api.find((t) => t.labels['__name__'] === 'go-service')?.scrapeUrl ?? '';
    expect(goTarget.startsWith(`http://${goAddr}/debug/pprof/profile?`), goTarget).toBe(true);
    const up = await row(goTarget).locator('td').allTextContents();
    expect(up.slice(0, 4)).toEqual(['go-service', 'cpu', 'go-apps', 'up']);
    expect(up[4]).toMatch(/^(just now|\d+ s ago|1 min ago) \(took [\d.]+ s\)$/);
    expect(up[5]).toBe('');
    expect(await row(goTarget).locator('.labels li').allTextContents()).toEqual(expect.arrayContaining(['env=e2e', 'job=go-apps']));

    const dead = api.find((t) => t.labels['__name__'] === 'gone-service');
    const deadUrl = dead?.scrapeUrl ?? '';
    expect(deadUrl.startsWith(`http://127.0.0.1:${deadPort}/debug/pprof/profile?`), deadUrl).toBe(true);
    const down = await row(deadUrl).locator('td').allTextContents();
    expect(down.slice(0, 4)).toEqual(['gone-service', 'cpu', 'go-apps', 'down']);
    // The UI shows the server's own error text for the target: a refused connection.
    expect(dead?.lastError).toMatch(/ECONNREFUSED|refused/i);
    expect(down[5]).toBe(dead?.lastError);
    expect(await row(deadUrl).locator('td.health').getAttribute('class')).toContain('health-down');
    const dropped = page.getByRole('table', { name: '1 dropped target (discovered, not scraped)' });
    expect(await dropped.getByRole('rowheader').allTextContents()).toEqual([`127.0.0.1:${deadPort + 1}`]);
    expect(await dropped.locator('tbody td').nth(1).textContent()).toBe('no __name__ (application name) after relabeling');
    expect(new URL(page.url()).searchParams.get('view')).toBe('targets');
    expect(await page.evaluate(UNLABELLED_CONTROLS)).toEqual([]);
    await shot(page, 'pipeline-targets');
  });

  it('a diff of the window without the hot path against the window with it shows it as increased', async () => {
    const page = await open(`/?view=single&query=node-service.cpu&from=${windows.start}&until=${windows.end}`);
    await expect.poll(() => functionRow(page, NODE_HOT).count()).toBe(1);
    await page.getByRole('button', { name: 'Compare ranges (diff)' }).click();
    await page.getByLabel('Baseline from').fill(String(windows.start));
    await page.getByLabel('Baseline until').fill(String(windows.boundary));
    await page.getByLabel('Comparison from').fill(String(windows.boundary));
    await page.getByLabel('Comparison until').fill(String(windows.end));
    await page.getByRole('button', { name: 'Apply range' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('view')).toBe('diff');

    // The table shows the first 100 rows; the search narrows it to the function asked about.
    const search = page.getByLabel('Search functions');
    await search.fill(NODE_HOT);
    const hot = functionRow(page, NODE_HOT).locator('td.change');
    await expect.poll(() => hot.count()).toBe(1);
    // burnCpu did not run in the baseline window: it shows as new (or, if a late upload straddled
    // the boundary, as a large increase); renderReport went away.
    expect(await hot.textContent()).toMatch(/^(new|\+\d+(\.\d+)?%)$/);
    expect(await hot.getAttribute('class')).toContain('up');
    expect(Number(await hot.getAttribute('data-change'))).toBeGreaterThan(0);
    await search.fill(NODE_BASELINE);
    const gone = functionRow(page, NODE_BASELINE).locator('td.change');
    expect(await gone.textContent()).toBe('removed');
    expect(await gone.getAttribute('class')).toContain('down');
    await search.fill(NODE_HOT);
    const { x } = await locateFrame(page, NODE_HOT);
    expect(x).toBeGreaterThan(0);
    expect(await page.locator('#flame-tooltip dl').textContent()).toMatch(/^Baseline total.*Comparison total[\d.]+ (ms|s) .*Change(new|\+[\d.]+%)$/);
    expect(await page.evaluate(UNLABELLED_CONTROLS)).toEqual([]);
    await shot(page, 'pipeline-diff');

    const url = new URL(page.url());
    expect(Object.fromEntries(['leftFrom', 'leftUntil', 'rightFrom', 'rightUntil'].map((k) => [k, url.searchParams.get(k)]))).toEqual({
      leftFrom: String(windows.start), leftUntil: String(windows.boundary), rightFrom: String(windows.boundary), rightUntil: String(windows.end),
    });
    const again = await open(url.pathname + url.search);
    await expect.poll(() => functionRow(again, NODE_HOT).locator('td.change').textContent()).toBe(await hot.textContent());
    expect(await again.getByLabel('Search functions').inputValue()).toBe(NODE_HOT);
    // The field shows unix times as local date-times; read back, it is the same second.
    expect(parseTimeInput(await again.getByLabel('Baseline until').inputValue())).toBe(String(windows.boundary));
    await shot(again, 'pipeline-diff-reloaded');
  });
});

