// End-to-end: the built UI in real headless Chromium against a real server-lite with query auth
// on (auth.query-tokens): every API call answers 401 until the user signs in with the token, which
// the UI then sends as `Authorization: Bearer …` on every request, including the pprof download.
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { decodeGzippedProfile, makeTempDir } from '@kprof/test-support';
import type { KprofServer } from '../../packages/server-lite/src/index.js';
import { get, ingest, startTestServer } from '../../packages/server-lite/test/helpers/test-server.js';
import { buildUi, functionRow, launchBrowser, openPage, shot } from './browser-helpers.js';

const QUERY_TOKEN = 'ui-e2e-query-token-7f3a9c21';
const INGEST_TOKEN = 'ui-e2e-ingest-token-52b8e0d4';
const HOT = 'main.hotLoop';

const tmp = makeTempDir('kprof-ui-auth-');
let server: KprofServer;
let context: BrowserContext;
let closeBrowser: (() => Promise<void>) | undefined;

beforeAll(async () => {
  buildUi();
  mkdirSync(join(tmp.dir, 'db'));
  server = await startTestServer(join(tmp.dir, 'db'), [
    'auth:',
    `  query-tokens: ["${QUERY_TOKEN}"]`,
    `  ingest-tokens: ["${INGEST_TOKEN}"]`,
  ].join('\n'), { closeOnFinish: false });
  const fromS = Math.floor(Date.now() / 1000) - 600;
  const res = await ingest(server, { name: 'authapp.cpu{env=prod}', from: String(fromS), until: String(fromS + 10), spyName: 'gospy' },
    `main.main;${HOT} 90\nmain.main;main.idle 10\n`, { 'content-type': 'text/plain', authorization: `Bearer ${INGEST_TOKEN}` });
  expect(res, 'ingest').toEqual({ status: 200, text: '' });
  // The server really refuses queries without the token (not only the UI thinking so).
  expect((await get(server, '/api/apps')).status).toBe(401);
  ({ context, close: closeBrowser } = await launchBrowser());
});

afterAll(async () => {
  await closeBrowser?.();
  await server?.close();
  tmp.cleanup();
});

/** An API request the page made (not the page, its assets or the download's blob URL). */
interface ApiCall {
  path: string;
  authorization: string | undefined;
  /** Made after the test pressed Sign in with the right token. */
  signedIn: boolean;
}

/** Opens `path` in a new page, recording its API calls from the first one (the boot script's). */
async function openRecording(path: string): Promise<{ page: Page; calls: ApiCall[]; markSignedIn: () => void }> {
  const page = await context.newPage();
  onTestFinished(() => page.close());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  onTestFinished(() => expect(errors, 'uncaught errors in the page').toEqual([]));
  const calls: ApiCall[] = [];
  let signedIn = false;
  page.on('request', (req: Request) => {
    const url = new URL(req.url());
    if (url.protocol === 'blob:' || url.pathname === '/' || url.pathname.startsWith('/assets/')) return;
    calls.push({ path: url.pathname, authorization: req.headers()['authorization'], signedIn });
  });
  await page.goto(server.url + path);
  return { page, calls, markSignedIn: () => { signedIn = true; } };
}

async function signIn(page: Page, token: string): Promise<void> {
  const field = page.getByLabel('Query token');
  await expect.poll(() => field.isVisible()).toBe(true);
  expect(await field.getAttribute('type')).toBe('password');
  await field.fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('kprof UI with query auth on', () => {
  it('prompts on 401, then lists apps, draws the flamegraph and downloads pprof with the token', async () => {
    const { page, calls, markSignedIn } = await openRecording('/');
    const prompt = page.getByRole('form', { name: 'Sign in' });
    await expect.poll(() => prompt.isVisible()).toBe(true);
    // No error yet: no token was entered, so nothing was refused.
    expect(await prompt.getByRole('alert').count()).toBe(0);
    await shot(page, 'auth-prompt');

    markSignedIn();
    await signIn(page, QUERY_TOKEN);
    const apps = page.getByRole('list', { name: 'Applications' });
    await expect.poll(() => apps.locator(':scope > li h3').allTextContents()).toEqual(['authapp']);
    expect(await page.evaluate(() => sessionStorage.getItem('kprof.queryToken'))).toBe(QUERY_TOKEN);

    await page.getByRole('list', { name: 'authapp profile types' }).getByRole('link', { name: 'cpu' }).click();
    await expect.poll(() => functionRow(page, HOT).count()).toBe(1);
    expect(await functionRow(page, HOT).locator('td').first().textContent()).toMatch(/\(90\.0%\)$/);
    await shot(page, 'auth-flamegraph');

    const saved = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download pprof' }).click();
    const download = await saved;
    expect(download.suggestedFilename()).toBe('authapp.cpu.pb.gz');
    const bytes = await readFile(await download.path());
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]); // gzip magic
    const profile = decodeGzippedProfile(bytes);
    expect(profile.stringTable.strings).toContain(HOT);
    expect(profile.sample.length).toBeGreaterThan(0);

    // Before signing in the page asked without a token (and got the 401); afterwards every API
    // call, the download included, carried it. The token never went into a URL.
    expect(calls.filter((c) => !c.signedIn)).toEqual([{ path: '/api/apps', authorization: undefined, signedIn: false }]);
    const after = calls.filter((c) => c.signedIn);
    expect(new Set(after.map((c) => c.path))).toEqual(new Set(['/api/apps', '/render', '/labels']));
    expect(after.filter((c) => c.authorization !== `Bearer ${QUERY_TOKEN}`)).toEqual([]);
    expect(after.some((c) => c.path === '/render')).toBe(true);
    expect(page.url()).not.toContain(QUERY_TOKEN);
  });

  it('keeps the token for the tab: a reload goes straight to the flamegraph, Sign out forgets it', async () => {
    const page = await openPage(context, `${server.url}/`);
    await signIn(page, QUERY_TOKEN);
    await expect.poll(() => page.getByRole('list', { name: 'Applications' }).isVisible()).toBe(true);
    await page.goto(`${server.url}/?view=single&query=authapp.cpu`);
    // The page load's first requests (sent by the inline boot script) already carry the token.
    await expect.poll(() => functionRow(page, HOT).count()).toBe(1);
    expect(await page.getByRole('form', { name: 'Sign in' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByRole('form', { name: 'Sign in' }).isVisible()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem('kprof.queryToken'))).toBeNull();
  });

  it('says so when the token is wrong, and forgets it', async () => {
    const page = await openPage(context, `${server.url}/?view=single&query=authapp.cpu`);
    await signIn(page, 'not-the-right-token-123456');
    const error = page.getByRole('form', { name: 'Sign in' }).getByRole('alert');
    await expect.poll(async () => ((await error.count()) ? error.textContent() : '')).toMatch(/^The server refused this token\. Check it and try again\. Server: .*\(KPROF_UNAUTHORIZED\)$/);
    expect(await page.evaluate(() => sessionStorage.getItem('kprof.queryToken'))).toBeNull();
    await shot(page, 'auth-wrong-token');

    // The prompt stays usable: the right token then shows the view that was asked for.
    await signIn(page, QUERY_TOKEN);
    await expect.poll(() => functionRow(page, HOT).count()).toBe(1);
  });
});
