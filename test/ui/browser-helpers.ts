// Shared by the UI browser tests: launch headless Chromium, open pages that fail on uncaught
// errors, and read the flamegraph through its tooltip and breadcrumb (accessible DOM).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type Locator, type Page, chromium } from 'playwright-core';
import { expect, onTestFinished } from 'vitest';

/** Where screenshots and timings go (gitignored). */
export const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts', 'ui');
/** Height of a flamegraph row, as drawn by the UI (ROW_HEIGHT_PX in flame-graph.ts). */
export const ROW_PX = 20;

const UI_DIR = join(__dirname, '..', '..', 'packages', 'server-lite', 'ui');
// The page names the content-hashed script, so it is written on every build.
const BUILT_PAGE = join(UI_DIR, '..', 'dist', 'ui', 'public', 'index.html');

function newestMtimeMs(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((f) => newestMtimeMs(join(path, f))));
}

/**
 * Builds the UI into packages/server-lite/dist/ui/public (typecheck included) unless the build
 * there is newer than every UI source, so the test files that call this build once, not each.
 * (build.mjs swaps the output in with a rename, so a concurrent reader never sees it half-written.)
 */
export function buildUi(): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  const sources = ['src', 'index.html', 'style.css', 'build.mjs'].map((f) => newestMtimeMs(join(UI_DIR, f)));
  if (existsSync(BUILT_PAGE) && statSync(BUILT_PAGE).mtimeMs > Math.max(...sources)) return;
  const build = spawnSync(process.execPath, [join(UI_DIR, 'build.mjs')], { encoding: 'utf8' });
  expect(build.status, build.stderr + build.stdout).toBe(0);
}

/** A fresh Chromium profile; `close` removes it. */
export async function launchBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'kprof-ui-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 1000 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Opens `url` in a new page, closed after the test, which fails on uncaught page errors. */
export async function openPage(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  onTestFinished(() => page.close());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  onTestFinished(() => expect(errors, 'uncaught errors in the page').toEqual([]));
  await page.goto(url);
  return page;
}

/** Full-page screenshot into {@link ARTIFACTS}. */
export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Hovers along a flamegraph row until the tooltip names `name` (or matches it); returns the x offset. */
export async function findFrame(page: Page, row: number, name: string | RegExp): Promise<number> {
  const box = await page.locator('canvas.flame-canvas').boundingBox();
  if (!box) throw new Error('no flamegraph canvas');
  const y = box.y + row * ROW_PX + ROW_PX / 2;
  const seen = new Set<string>();
  for (let x = 2; x < box.width; x += 5) {
    await page.mouse.move(box.x + x, y);
    const tip = page.locator('#flame-tooltip .tooltip-name');
    if (!(await tip.isVisible())) continue;
    const text = (await tip.textContent()) ?? '';
    seen.add(text);
    if (typeof name === 'string' ? text === name : name.test(text)) return x;
  }
  throw new Error(`no frame ${String(name)} in row ${row}; saw ${[...seen].join(', ')}`);
}

/**
 * Finds the first frame named `name` (row by row, left to right, every 3 px) by sending synthetic
 * mousemove events inside the page and reading the tooltip after each, far faster than moving
 * the real mouse over deep stacks; then hovers it with the real mouse so the tooltip shows it.
 * Returns its row and x offset.
 */
export async function locateFrame(page: Page, name: string): Promise<{ row: number; x: number }> {
  const found = await page.evaluate(`(() => {
    const canvas = document.querySelector('canvas.flame-canvas');
    const r = canvas.getBoundingClientRect();
    const rows = Math.floor(r.height / ${ROW_PX});
    for (let row = 0; row < rows; row++) {
      for (let x = 1; x < r.width; x += 3) {
        canvas.dispatchEvent(new MouseEvent('mousemove', { clientX: r.left + x, clientY: r.top + row * ${ROW_PX} + ${ROW_PX / 2}, bubbles: true }));
        const tip = document.querySelector('#flame-tooltip');
        if (!tip.hidden && tip.querySelector('.tooltip-name')?.textContent === ${JSON.stringify(name)}) return { row, x };
      }
    }
    return null;
  })()`) as { row: number; x: number } | null;
  if (!found) throw new Error(`no frame named ${name} in the flamegraph`);
  expect(await tooltipAt(page, found.row, found.x)).toBe(name);
  return found;
}

/** Name in the tooltip after hovering row `row` at offset `x`. */
export async function tooltipAt(page: Page, row: number, x: number): Promise<string> {
  const box = await page.locator('canvas.flame-canvas').boundingBox();
  if (!box) throw new Error('no flamegraph canvas');
  await page.mouse.move(box.x + x, box.y + row * ROW_PX + ROW_PX / 2);
  await expect.poll(() => page.locator('#flame-tooltip').isVisible()).toBe(true);
  return (await page.locator('#flame-tooltip .tooltip-name').textContent()) ?? '';
}

/** Clicks the frame of row `row` at offset `x`. */
export async function clickFrame(page: Page, row: number, x: number): Promise<void> {
  const box = await page.locator('canvas.flame-canvas').boundingBox();
  if (!box) throw new Error('no flamegraph canvas');
  await page.mouse.click(box.x + x, box.y + row * ROW_PX + ROW_PX / 2);
}

/** The functions-table row whose row header is exactly `name`. */
export function functionRow(page: Page, name: string): Locator {
  return page.locator('table.fn-table tbody tr').filter({ has: page.getByRole('rowheader', { name, exact: true }) });
}

/** The breadcrumb entry of the zoomed frame. */
export function currentCrumb(page: Page): Locator {
  return page.locator('nav[aria-label="Flamegraph zoom path"] [aria-current="true"]');
}
