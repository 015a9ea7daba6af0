// End-to-end: the built UI in real headless Chromium against a real HTTP server on loopback that
// answers with server-lite's own flamebearer/timeline/pprof encoders (see fixture-server.ts).
// Assertions go through the accessible DOM (tables, tooltips, labels, status), not pixels.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { readProfile } from '@kprof/test-support';
import {
  ARTIFACTS, ROW_PX, buildUi, clickFrame, currentCrumb, findFrame, functionRow, launchBrowser, openPage, shot, tooltipAt,
} from './browser-helpers.js';
import { HOT_FUNCTION, fixtureSeries } from './fixture-profiles.js';
import { type FixtureServer, startFixtureServer } from './fixture-server.js';

// Row of each frame in shop.cpu: root, goexit, conn.serve, serverHandler, ServeHTTP, handler, leaf.
const HANDLER_ROW = 5;
const HOT_ROW = 6;

let server: FixtureServer;
let context: BrowserContext;
let closeBrowser: (() => Promise<void>) | undefined;

beforeAll(async () => {
  buildUi();
  server = await startFixtureServer(fixtureSeries(Date.now()));
  ({ context, close: closeBrowser } = await launchBrowser());
});

afterAll(async () => {
  await closeBrowser?.();
  await server?.close();
});

function open(path: string): Promise<Page> {
  return openPage(context, server.url + path);
}

describe('kprof UI in Chromium', () => {
  it('lists apps grouped by name with their profile types, and filters them', async () => {
    const page = await open('/');
    const apps = page.getByRole('list', { name: 'Applications' });
    await expect.poll(() => apps.locator(':scope > li h3').allTextContents()).toEqual(['big', 'checkout', 'shop']);
    expect(await page.getByRole('list', { name: 'shop profile types' }).getByRole('link').allTextContents())
      .toEqual(['alloc_space', 'cpu']);
    // Last seen: shop's newest profile is 5 minutes old (shop.cpu), checkout's 15; the title is absolute UTC.
    const seen = apps.locator(':scope > li .last-seen time');
    expect(await seen.allTextContents()).toEqual(['30 min ago', '15 min ago', '5 min ago']);
    expect(await seen.nth(2).getAttribute('title')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    const title = (await seen.nth(2).getAttribute('title')) ?? '';
    const datetimeMs = Date.parse((await seen.nth(2).getAttribute('datetime')) ?? '');
    expect(Date.parse(title.replace(' ', 'T').replace(' UTC', 'Z'))).toBe(Math.floor(datetimeMs / 1000) * 1000);
    expect(Date.now() - datetimeMs).toBeGreaterThanOrEqual(5 * 60_000);
    await shot(page, 'apps');
    await page.getByLabel('Search applications').fill('check');
    await expect.poll(() => apps.locator(':scope > li h3').allTextContents()).toEqual(['checkout']);
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'apps' }).textContent()).toBe('1 of 3 apps');
  });

  it('opens an app: flamegraph, table with the hot function, tooltip, zoom in and out', async () => {
    const page = await open('/');
    await page.getByRole('list', { name: 'shop profile types' }).getByRole('link', { name: 'cpu' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('query')).toBe('shop.cpu');
    const hot = functionRow(page, HOT_FUNCTION);
    await expect.poll(() => hot.count()).toBe(1);
    // Self of the hot loop in the last hour: 4 profiles × 900 samples at 100 Hz = 36 s.
    expect(await hot.locator('td').first().textContent()).toMatch(/^3\.6k samples \(36 s\) \(\d+\.\d%\)$/);
    await expect.poll(() => page.locator('svg.timeline').getAttribute('aria-label')).toMatch(/^Timeline: \d+ samples/);
    await shot(page, 'flamegraph');

    const x = await findFrame(page, HOT_ROW, HOT_FUNCTION);
    expect(await page.locator('#flame-tooltip dl').textContent()).toMatch(/Total3\.6k samples \(36 s\) \(\d+\.\d%\)Self/);
    await clickFrame(page, HOT_ROW, x);
    const box = await page.locator('canvas.flame-canvas').boundingBox();
    await expect.poll(() => currentCrumb(page).textContent()).toBe(HOT_FUNCTION);
    // Zoomed: the hot loop now spans the whole row, its parent still sits above it.
    expect(await tooltipAt(page, HOT_ROW, (box?.width ?? 0) - 4)).toBe(HOT_FUNCTION);
    expect(await tooltipAt(page, HANDLER_ROW, 3)).toBe('main.handleCheckout');
    await shot(page, 'flamegraph-zoomed');
    await page.keyboard.press('Escape');
    await expect.poll(() => currentCrumb(page).textContent()).toBe('main.handleCheckout');
    await page.getByRole('navigation', { name: 'Flamegraph zoom path' }).getByRole('button', { name: 'total' }).click();
    await expect.poll(() => currentCrumb(page).textContent()).toBe('total');
  });

  it('keyboard: arrows move a frame cursor that is announced, Enter zooms, Escape zooms out', async () => {
    const page = await open('/?view=single&query=shop.cpu%7Benv%3D%22prod%22%7D');
    await expect.poll(() => functionRow(page, HOT_FUNCTION).count()).toBe(1);
    await page.locator('canvas.flame-canvas').focus();
    const announced = page.locator('#flame-cursor');
    // Children are in byte order: gcBgMarkWorker sits left of goexit, json left of the hot loop.
    await page.keyboard.press('ArrowDown');
    expect(await announced.textContent()).toMatch(/^runtime\.gcBgMarkWorker: Total 240 samples/);
    await page.keyboard.press('ArrowRight');
    for (let k = 0; k < 5; k++) await page.keyboard.press('ArrowDown');
    expect(await announced.textContent()).toMatch(/^encoding\/json\.Marshal: /);
    await page.keyboard.press('ArrowRight');
    expect(await announced.textContent()).toMatch(/^main\.hotLoop: Total 3\.6k samples \(36 s\) \(\d+\.\d%\), Self /);
    await page.keyboard.press('Enter');
    await expect.poll(() => currentCrumb(page).textContent()).toBe(HOT_FUNCTION);
    await page.keyboard.press('Escape');
    await expect.poll(() => currentCrumb(page).textContent()).toBe('main.handleCheckout');
  });

  it('search highlights matches with their share, filters the table, and round-trips through the URL', async () => {
    const page = await open('/?view=single&query=shop.cpu%7Benv%3D%22prod%22%7D');
    await expect.poll(() => functionRow(page, HOT_FUNCTION).count()).toBe(1);
    await page.getByLabel('Search functions').fill('json');
    // Two json frames under each handler; 200 of every 1460 samples lie under them, 4 profiles in the hour.
    const share = `${((200 / 1460) * 100).toFixed(1)}%`;
    const status = page.locator('.search-status');
    await expect.poll(() => status.textContent()).toBe(`4 frames match “json”: ${share} of total (800 samples (8 s))`);
    const names = await page.locator('table.fn-table tbody th').allTextContents();
    expect(names.sort()).toEqual(['encoding/json.(*encodeState).marshal', 'encoding/json.Marshal']);
    await shot(page, 'search');

    const url = page.url();
    expect(new URL(url).searchParams.get('search')).toBe('json');
    const again = await open(url.slice(server.url.length));
    await expect.poll(() => again.locator('.search-status').textContent()).toBe(`4 frames match “json”: ${share} of total (800 samples (8 s))`);
    expect(await again.getByLabel('Search functions').inputValue()).toBe('json');
    expect(await again.getByLabel('Profile type').inputValue()).toBe('shop.cpu');
    expect(await again.getByRole('heading', { level: 2 }).textContent()).toBe('shop.cpu{env="prod"}');
  });

  it('picking a table row highlights that function in the flamegraph', async () => {
    const page = await open('/?view=single&query=shop.cpu');
    await page.locator('table.fn-table').getByRole('button', { name: HOT_FUNCTION, exact: true }).click();
    await expect.poll(() => page.locator('.search-status').textContent()).toMatch(/^1 frame match “main\.hotLoop”: \d+\.\d% of total/);
    expect(new URL(page.url()).searchParams.get('search')).toBe(HOT_FUNCTION);
  });

  it('sorts the table by a column with aria-sort', async () => {
    const page = await open('/?view=single&query=shop.cpu%7Benv%3D%22prod%22%7D');
    await expect.poll(() => functionRow(page, HOT_FUNCTION).count()).toBe(1);
    const first = () => page.locator('table.fn-table tbody th').first().textContent();
    expect(await first()).toBe(HOT_FUNCTION);
    await page.getByRole('columnheader', { name: 'Function' }).getByRole('button').click();
    await expect.poll(() => page.getByRole('columnheader', { name: 'Function' }).getAttribute('aria-sort')).toBe('ascending');
    expect(await first()).toBe('database/sql.(*DB).conn');
  });

  it('adds a label filter with names from /labels and values from /label-values', async () => {
    const page = await open('/?view=single&query=shop.cpu');
    await expect.poll(() => functionRow(page, HOT_FUNCTION).count()).toBe(1);
    await page.getByRole('button', { name: '+ Label filter' }).click();
    const key = page.getByLabel('Label of filter 1');
    await expect.poll(() => key.locator('option').allTextContents()).toEqual(['(label)', 'env']);
    await key.selectOption('env');
    const suggested = async () => Promise.all((await page.locator('#filter-value-0-list option').all()).map((o) => o.getAttribute('value')));
    await expect.poll(suggested).toEqual(['prod', 'staging']);
    await page.getByLabel('Value of filter 1').fill('staging');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('query')).toBe('shop.cpu{env="staging"}');
    await expect.poll(() => functionRow(page, 'main.renderStaging').count()).toBe(1);
    expect(await functionRow(page, HOT_FUNCTION).count()).toBe(0);
    expect(server.requests.some((r) => r.startsWith('GET /label-values?label=env&query=shop.cpu'))).toBe(true);
  });

  it('diff of the window before and after the hot path shows it as increased', async () => {
    const page = await open('/?view=single&query=shop.cpu%7Benv%3D%22prod%22%7D');
    await page.getByRole('button', { name: 'Compare ranges (diff)' }).click();
    await page.getByLabel('Baseline from').fill('now-2h');
    await page.getByLabel('Baseline until').fill('now-1h');
    await page.getByLabel('Comparison from').fill('now-1h');
    await page.getByLabel('Comparison until').fill('now');
    await page.getByRole('button', { name: 'Apply range' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('view')).toBe('diff');
    const hot = functionRow(page, HOT_FUNCTION);
    await expect.poll(() => hot.count()).toBe(1);
    const change = hot.locator('td.change');
    const before = 50 / 610;
    const after = 900 / 1460;
    expect(await change.textContent()).toBe(`+${(((after - before) / before) * 100).toFixed(1)}%`);
    expect(await change.getAttribute('class')).toContain('up');
    // The diff table sorts by change, so the hot loop leads; a shrinking frame shows as down.
    expect(await page.locator('table.fn-table tbody th').first().textContent()).toBe(HOT_FUNCTION);
    expect(await functionRow(page, 'database/sql.(*DB).conn').locator('td.change').getAttribute('class')).toContain('down');
    const x = await findFrame(page, HOT_ROW, HOT_FUNCTION);
    expect(x).toBeGreaterThan(0);
    expect(await page.locator('#flame-tooltip dl').textContent()).toMatch(/Baseline total.*Comparison total.*Change\+\d+\.\d%/);
    await shot(page, 'diff');

    const again = await open(page.url().slice(server.url.length));
    await expect.poll(() => functionRow(again, HOT_FUNCTION).locator('td.change').textContent())
      .toBe(`+${(((after - before) / before) * 100).toFixed(1)}%`);
    expect(await again.getByLabel('Baseline from').inputValue()).toBe('now-2h');
  });

  it('dragging across the timeline selects an absolute sub-range', async () => {
    const page = await open('/?view=single&query=shop.cpu');
    const tl = page.locator('svg.timeline');
    await expect.poll(() => tl.count()).toBe(1);
    const box = await tl.boundingBox();
    if (!box) throw new Error('no timeline');
    await page.mouse.move(box.x + box.width * 0.2, box.y + 30);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + 30, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.7, box.y + 30, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => new URL(page.url()).searchParams.get('from')).toMatch(/^\d{10}$/);
    const p = new URL(page.url()).searchParams;
    const span = Number(p.get('until')) - Number(p.get('from'));
    expect(span).toBeGreaterThan(1500);
    expect(span).toBeLessThan(2100);
    await expect.poll(() => page.getByLabel('From', { exact: true }).inputValue()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it('downloads the current view as gzipped pprof', async () => {
    const page = await open('/?view=single&query=shop.cpu');
    const saved = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download pprof' }).click();
    const download = await saved;
    expect(download.suggestedFilename()).toBe('shop.cpu.pb.gz');
    const profile = readProfile(await download.path());
    const strings = profile.stringTable.strings;
    expect(strings).toContain(HOT_FUNCTION);
  });

  it.each([
    { name: 'empty range', path: '/?view=single&query=shop.cpu&from=now-7d&until=now-6d', role: 'status', text: /^No data in this range/ },
    { name: 'server error', path: '/?view=single&query=shop.cpu%7Benv%3D', role: 'alert', text: /^Could not load the profile\. The server answered 400: / },
    { name: 'targets API missing', path: '/?view=targets', role: 'status', text: /answered 404/ },
  ])('shows the $name state', async ({ path, role, text }) => {
    const page = await open(path);
    const msg = page.locator(`.message[role="${role}"]`);
    await expect.poll(async () => ((await msg.count()) ? msg.textContent() : '')).toMatch(text);
    await shot(page, `state-${path.includes('targets') ? 'targets' : role}`);
  });

  it('shows a loading state until the profile arrives', async () => {
    const release = server.holdRenders();
    const page = await open('/?view=single&query=shop.cpu');
    const body = page.locator('.profile-body');
    await expect.poll(() => body.locator('.message[role="status"]').textContent()).toBe('Loading profile…');
    expect(await body.getAttribute('aria-busy')).toBe('true');
    release();
    await expect.poll(() => functionRow(page, HOT_FUNCTION).count()).toBe(1);
    expect(await body.getAttribute('aria-busy')).toBe('false');
  });

  it('lists scrape targets with health, last error and labels', async () => {
    const targets = await startFixtureServer([], {
      targets: {
        status: 'success',
        data: {
          activeTargets: [
            { scrapePool: 'go-apps', scrapeUrl: 'http://10.0.0.7:8080/debug/pprof/profile?seconds=10', health: 'up', lastError: '',
              lastScrape: '2026-11-25T06:00:00Z', labels: { service_name: 'shop', namespace: 'prod' } },
            { scrapePool: 'go-apps', scrapeUrl: 'http://10.0.0.8:8080/debug/pprof/heap', health: 'down',
              lastError: 'Get "http://10.0.0.8:8080/debug/pprof/heap": connection refused', lastScrape: '2026-11-25T06:00:01Z', lastScrapeDuration: 0.0123,
              labels: { __name__: 'cart', __profile_name__: 'mem', __scrape_interval__: '10s', service_name: 'cart', instance: '10.0.0.8:8080' } },
            { scrapePool: 'go-apps', scrapeUrl: 'http://10.0.0.9:8080/debug/pprof/heap', health: 'unknown', lastError: '',
              lastScrape: '0001-01-01T00:00:00Z', lastScrapeDuration: 0, labels: { __name__: 'new' } },
          ],
          droppedTargets: [
            { scrapePool: 'kubernetes-pods', reason: 'dropped by relabeling',
              discoveredLabels: { __address__: '10.0.0.10:8080', __meta_kubernetes_pod_phase: 'Pending', job: 'kubernetes-pods' } },
          ],
        },
      },
    });
    onTestFinished(() => targets.close());
    const page = await openPage(context, `${targets.url}/?view=targets`);
    const table = page.getByRole('table', { name: '3 scrape targets, 1 up' });
    await expect.poll(() => table.locator('tbody tr').count()).toBe(3);
    const row = (url: string) => table.locator('tbody tr').filter({ has: page.getByRole('rowheader', { name: url }) });
    // `__` labels are left out of the labels cell (as Prometheus does); the app and profile get their own columns.
    const cells = await row('http://10.0.0.8:8080/debug/pprof/heap').locator('td').allTextContents();
    expect(cells).toEqual([
      'cart', 'mem', 'go-apps', 'down', expect.stringMatching(/^(just now|\d+ (s|min|h|d) ago) \(took 0\.01 s\)$/),
      'Get "http://10.0.0.8:8080/debug/pprof/heap": connection refused', 'instance=10.0.0.8:8080service_name=cart',
    ]);
    expect(await row('http://10.0.0.8:8080/debug/pprof/heap').locator('time').getAttribute('title')).toBe('2026-11-25 06:00:01 UTC');
    expect(await row('http://10.0.0.9:8080/debug/pprof/heap').locator('td').allTextContents()).toEqual(['new', '', 'go-apps', 'unknown', 'never', '', '']);
    const dropped = page.getByRole('table', { name: '1 dropped target (discovered, not scraped)' });
    expect(await dropped.getByRole('rowheader').allTextContents()).toEqual(['10.0.0.10:8080']);
    expect(await dropped.locator('tbody td').first().textContent()).toBe('kubernetes-pods');
    expect(await dropped.locator('tbody td').nth(1).textContent()).toBe('dropped by relabeling');
    await dropped.getByText('3 labels').click();
    expect(await dropped.locator('.labels li').allTextContents())
      .toEqual(['__address__=10.0.0.10:8080', '__meta_kubernetes_pod_phase=Pending', 'job=kubernetes-pods']);
    await shot(page, 'targets');
  });

  it('shows the no-apps state on an empty server', async () => {
    const empty = await startFixtureServer([]);
    onTestFinished(() => empty.close());
    const page = await openPage(context, `${empty.url}/`);
    await expect.poll(() => page.locator('.message[role="status"]').textContent()).toMatch(/^No applications yet\./);
  });

  it('compares two label sets in the diff view', async () => {
    const page = await open('/?view=diff&query=shop.cpu%7Benv%3D%22prod%22%7D&leftFrom=now-1h&leftUntil=now&rightFrom=now-1h&rightUntil=now');
    await expect.poll(() => functionRow(page, HOT_FUNCTION).count()).toBe(1);
    await page.getByLabel('Comparison query').fill('shop.cpu{env="staging"}');
    await page.getByRole('button', { name: 'Apply range' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('rightQuery')).toBe('shop.cpu{env="staging"}');
    await expect.poll(() => functionRow(page, 'main.renderStaging').locator('td.change').textContent()).toBe('new');
    expect(await functionRow(page, HOT_FUNCTION).locator('td.change').textContent()).toBe('removed');
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toBe('Diff: shop.cpu{env="prod"} vs shop.cpu{env="staging"}');
  });

  it('renders and zooms an 8,192-node profile (timings in test-artifacts/ui/bench.json)', async () => {
    const body = await (await fetch(`${server.url}/render?query=big.cpu&from=now-1h&until=now&format=json`)).json() as { flamebearer: { levels: number[][] } };
    const nodeCount = body.flamebearer.levels.reduce((n, row) => n + row.length / 4, 0);
    expect(nodeCount).toBeGreaterThanOrEqual(8192);

    const page = await open('/?view=single&query=big.cpu');
    const graph = page.locator('section.flamegraph');
    await expect.poll(() => graph.getAttribute('data-render-ms')).toMatch(/^\d+\.\d$/);
    // Since navigation start: page load, script, /render fetch, decode, first draw and table.
    const firstPaintMs = Number(await graph.getAttribute('data-painted-at-ms'));
    const renderMs = Number(await graph.getAttribute('data-render-ms'));
    const box = await page.locator('canvas.flame-canvas').boundingBox();
    if (!box) throw new Error('no canvas');
    // Zoom in and out of frames in row 2 (pkgN.Service.Handle); each click redraws synchronously.
    const zoomMs: number[] = [];
    for (let k = 0; k < 6; k++) {
      const x = box.x + 40 + k * 120;
      const y = box.y + (k % 2 === 0 ? 2 : 0) * ROW_PX + ROW_PX / 2;
      // A string, so this Node-typed file needs no DOM types; the click zooms and redraws synchronously.
      const ms = await page.evaluate(`(() => {
        const c = document.querySelector('canvas.flame-canvas');
        const t = performance.now();
        c.dispatchEvent(new MouseEvent('click', { clientX: ${x}, clientY: ${y}, bubbles: true }));
        return performance.now() - t;
      })()`) as number;
      zoomMs.push(ms);
    }
    await expect.poll(() => currentCrumb(page).textContent()).toBe('total');
    const sorted = [...zoomMs].sort((a, b) => a - b);
    const result = {
      nodes: nodeCount,
      pageLoadToFlamegraphMs: Math.round(firstPaintMs),
      decodeDrawTableMs: renderMs,
      zoomMedianMs: Number((sorted[Math.floor(sorted.length / 2)] as number).toFixed(2)),
      zoomMaxMs: Number((sorted[sorted.length - 1] as number).toFixed(2)),
    };
    writeFileSync(join(ARTIFACTS, 'bench.json'), `${JSON.stringify(result, null, 2)}\n`);
    await shot(page, 'big');
  });
});
