// End-to-end against the real server-lite: startServer with its SQLite store, fed through
// /ingest with a real Go CPU profile (runtime/pprof of a hot loop), a real Node wall profile
// (@datadog/pprof, the profiler the SDK uses) and an older pprof-format baseline where the hot
// loop is small. server-lite serves the built UI itself (createUiHandler in front of its router).
// The whole pipeline (SDK push, Go pull mode, diff, targets) is ui-pipeline.e2e.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { goCpuProfile, makeTempDir } from '@kprof/test-support';
import type { KprofServer } from '../../packages/server-lite/src/index.js';
import { buildGoBurn, makeNodeProfile } from '../../packages/server-lite/test/helpers/profiles.js';
import { ingest, startTestServer } from '../../packages/server-lite/test/helpers/test-server.js';
import { buildUi, clickFrame, currentCrumb, functionRow, launchBrowser, locateFrame, openPage, shot } from './browser-helpers.js';

const tmp = makeTempDir('kprof-ui-real-');
let server: KprofServer;
let base: string;
let context: BrowserContext;
let closeBrowser: (() => Promise<void>) | undefined;

/** A Go-shaped CPU profile where main.hotLoop has 10% of the samples (the window "before"). */
function baselineProfile(): Buffer {
  const periodNs = 10_000_000;
  return Buffer.from(goCpuProfile({ line: 10 })
    .sample(['main.idleWait', 'main.main', 'runtime.main'], [90, 90 * periodNs])
    .sample(['main.hotLoop', 'main.main', 'runtime.main'], [10, 10 * periodNs])
    .encode());
}

beforeAll(async () => {
  buildUi();
  const burn = await buildGoBurn(tmp.dir);
  const goProfile = await burn('go-cpu.pprof', 800);
  const nodeProfile = await makeNodeProfile(tmp.dir, 'node-wall.pb.gz', 600);
  server = await startTestServer(join(tmp.dir, 'db'), '', { closeOnFinish: false });
  const nowS = Math.floor(Date.now() / 1000);
  const put = async (name: string, fromS: number, body: Buffer): Promise<void> => {
    const res = await ingest(server, { format: 'pprof', name, from: String(fromS), until: String(fromS + 10) }, body);
    expect(res, `ingest ${name}`).toEqual({ status: 200, text: '' });
  };
  await put('goburn{env=prod}', nowS - 90 * 60, baselineProfile());
  await put('goburn{env=prod}', nowS - 20 * 60, readFileSync(goProfile));
  await put('nodeapp{env=prod}', nowS - 15 * 60, readFileSync(nodeProfile));

  base = server.url;
  ({ context, close: closeBrowser } = await launchBrowser());
});

afterAll(async () => {
  await closeBrowser?.();
  await server?.close();
  tmp.cleanup();
});

function open(path: string): Promise<Page> {
  return openPage(context, base + path);
}

describe('kprof UI on a real server-lite', () => {
  it('lists both apps, renders the Go profile with its hot function, zooms and searches', async () => {
    const page = await open('/');
    const apps = page.getByRole('list', { name: 'Applications' });
    await expect.poll(() => apps.locator(':scope > li h3').allTextContents()).toEqual(['goburn', 'nodeapp']);
    await shot(page, 'real-apps');

    await page.getByRole('list', { name: 'goburn profile types' }).getByRole('link', { name: 'cpu' }).click();
    await expect.poll(() => functionRow(page, 'main.hotLoop').count()).toBe(1);
    // Units come from the server: the cpu series is in nanoseconds, shown as time.
    expect(await functionRow(page, 'main.hotLoop').locator('td').first().textContent()).toMatch(/^[\d.]+ (ms|s) \(\d+(\.\d+)?%\)$/);
    const { row, x } = await locateFrame(page, 'main.hotLoop');
    await clickFrame(page, row, x);
    await expect.poll(() => currentCrumb(page).textContent()).toBe('main.hotLoop');
    await shot(page, 'real-go-zoomed');

    await page.getByLabel('Search functions').fill('hotLoop');
    await expect.poll(() => page.locator('.search-status').textContent()).toMatch(/^\d+ frames? match “hotLoop”: \d+(\.\d+)?% of total/);
    const share = Number(/: ([\d.]+)% of total/.exec((await page.locator('.search-status').textContent()) ?? '')?.[1]);
    // go-burn spends nearly all its time in hotLoop (coldLoop calls it too).
    expect(share).toBeGreaterThan(50);

    const url = page.url().slice(base.length);
    const again = await open(url);
    await expect.poll(() => again.locator('.search-status').textContent()).toBe(await page.locator('.search-status').textContent());
  });

  it('renders the Node wall profile with its hot function', async () => {
    const page = await open('/');
    await page.getByRole('list', { name: 'nodeapp profile types' }).getByRole('link', { name: 'wall' }).click();
    await page.getByLabel('Search functions').fill('hotNodeFunction');
    await expect.poll(() => page.locator('table.fn-table tbody th').allTextContents())
      .toEqual([expect.stringContaining('hotNodeFunction')]);
    await shot(page, 'real-node');
  });

  it('shows only the chosen time window: the older baseline, where the hot loop is 10%', async () => {
    const page = await open('/?view=single&query=goburn.cpu&from=now-2h&until=now-1h');
    await expect.poll(() => functionRow(page, 'main.idleWait').count()).toBe(1);
    expect(await functionRow(page, 'main.hotLoop').locator('td').first().textContent()).toBe('100 ms (10.0%)');
    expect(await page.getByLabel('From', { exact: true }).inputValue()).toBe('now-2h');
  });

  it('starts the page\'s /render and /api/apps from a Link preload header, and requests each once', async () => {
    const page = await context.newPage();
    onTestFinished(() => page.close());
    const requests: string[] = [];
    page.on('request', (r) => {
      const { pathname } = new URL(r.url());
      if (pathname === '/render' || pathname === '/api/apps') requests.push(pathname);
    });
    const res = await page.goto(`${base}/?view=single&query=goburn.cpu&from=now-1h&until=now`);
    const link = res?.headers()['link'] ?? '';
    expect(link).toContain('</render?query=goburn.cpu&from=now-1h&until=now&maxNodes=8192&format=json>; rel=preload; as=fetch; crossorigin');
    expect(link).toContain('</api/apps>; rel=preload; as=fetch; crossorigin');
    await expect.poll(() => functionRow(page, 'main.hotLoop').count()).toBe(1);
    await expect.poll(() => page.getByRole('group', { name: 'Time range presets' }).count()).toBe(1);
    // The boot script's fetch took the preloaded answers: no second request for either.
    expect(requests.sort()).toEqual(['/api/apps', '/render']);
  });
});
