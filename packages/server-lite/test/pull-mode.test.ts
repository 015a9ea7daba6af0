import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from './helpers/profiles.js';
import { startTestServer } from './helpers/test-server.js';
import { heapPprof, startTarget } from './scrape/pprof-target.js';

const tmp = makeTempDir('kprof-pull-mode-');
afterAll(() => tmp.cleanup());

const TOKEN = 'query-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

interface TargetsBody {
  status: string;
  data: {
    activeTargets: { labels: Record<string, string>; discoveredLabels: Record<string, string>; scrapePool: string; scrapeUrl: string; health: string; lastError: string; lastScrape: string; lastScrapeDuration: number }[];
    droppedTargets: { discoveredLabels: Record<string, string>; reason: string }[];
  };
}

describe('server-lite pull mode', () => {
  it('scrapes configured targets into the store, reports them on /api/v1/targets, /targets and /metrics, behind query auth', async () => {
    const target = await startTarget((_req, res) => {
      const body = heapPprof([{ stack: ['scrapedHotFunction', 'main'], inuse: 65536, alloc: 65536 }]);
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(body);
    });
    const yaml = `auth:
  query-tokens: [${TOKEN}]
scrape-configs:
  - job-name: local
    scrape-interval: 200ms
    enabled-profiles: [mem]
    static-configs:
      - application: pulled
        targets: ['${target.address}']
        labels: {team: '<b>x</b>'}
      - targets: ['127.0.0.1:1']
`;
    const server = await startTestServer(tmp.dir + '/data', yaml);
    expect((await fetch(`${server.url}/api/v1/targets`)).status).toBe(401);
    expect((await fetch(`${server.url}/targets`)).status).toBe(401);

    const targets = async (): Promise<TargetsBody> => (await (await fetch(`${server.url}/api/v1/targets`, { headers: auth })).json()) as TargetsBody;
    await expect.poll(async () => (await targets()).data.activeTargets[0]?.health, { timeout: 10_000 }).toBe('up');
    const body = await targets();
    expect(body.status).toBe('success');
    expect(body.data.activeTargets).toHaveLength(1);
    const t = body.data.activeTargets[0]!;
    expect(t).toMatchObject({ scrapePool: 'local', scrapeUrl: `http://${target.address}/debug/pprof/heap`, lastError: '' });
    expect(t.labels).toMatchObject({ __name__: 'pulled', team: '<b>x</b>', instance: target.address, job: 'local', __profile_name__: 'mem' });
    expect(t.discoveredLabels).toMatchObject({ __address__: target.address, __name__: 'pulled', team: '<b>x</b>' });
    expect(Date.parse(t.lastScrape)).toBeGreaterThan(Date.now() - 60_000);
    expect(t.lastScrapeDuration).toBeGreaterThan(0);
    expect(body.data.droppedTargets).toEqual([
      expect.objectContaining({ discoveredLabels: expect.objectContaining({ __address__: '127.0.0.1:1' }), reason: 'no __name__ (application name) after relabeling' }),
    ]);

    const html = await fetch(`${server.url}/targets`, { headers: auth });
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const page = await html.text();
    expect(page).toContain('team="&#60;b&#62;x&#60;/b&#62;"');
    expect(page).not.toContain('<b>x</b>');
    expect(page).toContain('no __name__ (application name) after relabeling');

    const render = async (): Promise<string[]> => {
      const res = await fetch(`${server.url}/render?${new URLSearchParams({ query: 'pulled.inuse_space{team="<b>x</b>"}', from: 'now-5m', until: 'now' })}`, { headers: auth });
      expect(res.status).toBe(200);
      return ((await res.json()) as { flamebearer: { names: string[] } }).flamebearer.names;
    };
    await expect.poll(render, { timeout: 10_000 }).toContain('scrapedHotFunction');

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/kprof_scrape_total\{job="local",result="success"\} [1-9]/);
    expect(metrics).toContain('kprof_scrape_targets{health="up"} 1');
    expect(metrics).toMatch(/kprof_scrape_duration_seconds_count\{job="local"\} [1-9]/);
    expect(metrics).toContain('kprof_scrape_missed_total');
  });

  it('answers empty target lists without scrape-configs', async () => {
    const server = await startTestServer(tmp.dir + '/data2', '');
    const res = await fetch(`${server.url}/api/v1/targets`);
    expect(await res.json()).toEqual({ status: 'success', data: { activeTargets: [], droppedTargets: [] } });
    expect(await (await fetch(`${server.url}/targets`)).text()).toContain('0 active (0 up), 0 dropped');
  });
});
