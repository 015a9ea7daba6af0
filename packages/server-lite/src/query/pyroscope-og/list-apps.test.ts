// GET /api/apps on a real server: lastSeen is the end of the newest stored profile across an
// app's series, whatever order the profiles arrived in.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../test/helpers/profiles.js';
import { get, ingest, startTestServer } from '../../../test/helpers/test-server.js';

const tmp = makeTempDir('kprof-list-apps-');
afterAll(() => tmp.cleanup());

describe('GET /api/apps', () => {
  it('reports lastSeen (unix ms) of the newest profile per app name, across label sets', async () => {
    const server = await startTestServer(join(tmp.dir, 'db'));
    const nowS = Math.floor(Date.now() / 1000);
    const put = async (name: string, fromS: number, untilS: number): Promise<void> => {
      const res = await ingest(server, { name, from: String(fromS), until: String(untilS) }, 'main;work 5\n', { 'content-type': 'text/plain' });
      expect(res).toEqual({ status: 200, text: '' });
    };
    // The newer profile arrives first and sits in another series than the older ones.
    await put('shop.cpu{env=prod}', nowS - 120, nowS - 110);
    await put('shop.cpu{env=dev}', nowS - 3600, nowS - 3590);
    await put('shop.cpu{env=prod}', nowS - 7200, nowS - 7190);
    await put('cart.cpu', nowS - 600, nowS - 590);

    const apps = JSON.parse((await get(server, '/api/apps')).text) as { name: string; lastSeen?: number }[];
    expect(apps.map((a) => [a.name, a.lastSeen])).toEqual([
      ['cart.cpu', (nowS - 590) * 1000],
      ['shop.cpu', (nowS - 110) * 1000],
    ]);
  });

  it('forgets an app once retention has deleted the blocks holding its profiles', async () => {
    const server = await startTestServer(join(tmp.dir, 'db-empty'));
    const nowS = Math.floor(Date.now() / 1000);
    const res = await ingest(server, { name: 'gone.cpu', from: String(nowS - 60), until: String(nowS - 50) }, 'main 1\n', { 'content-type': 'text/plain' });
    expect(res.status).toBe(200);
    expect((JSON.parse((await get(server, '/api/apps')).text) as { name: string }[]).map((a) => a.name)).toEqual(['gone.cpu']);
    expect(await server.maintenance.deleteBlocksBefore(Date.now() + 86_400_000)).toBe(1);
    expect(JSON.parse((await get(server, '/api/apps')).text)).toEqual([]);
  });
});
