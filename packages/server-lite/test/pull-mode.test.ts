import { afterAll, describe, expect, it } from 'vitest';
import type { ActiveTargetJson } from '../src/api/targets-route.js';
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
    activeTargets: ActiveTargetJson[];
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
    // On time or late: on a busy machine a timer may fire more than 20 ms (10 % of 200 ms) after its slot.
    expect(metrics).toMatch(/kprof_scrape_slots_total\{job="local",outcome="(on_time|late)"\} [1-9]/);
    const slots = (await targets()).data.activeTargets[0]!.slots;
    expect(slots.onTime + slots.late).toBeGreaterThanOrEqual(1);
    expect(slots.due).toBeGreaterThanOrEqual(slots.onTime + slots.late + slots.missed);
    expect(page).toContain('Slots on time / late / missed');

    // The server's event loop is blocked for five intervals: the slots that passed meanwhile are
    // counted missed (stall) on /metrics and on the target, not silently skipped.
    const end = performance.now() + 1_000;
    while (performance.now() < end) {
      // busy
    }
    const stalled = async (): Promise<number> => Number(/kprof_scrape_missed_total\{job="local",reason="stall"\} (\d+)/.exec(await (await fetch(`${server.url}/metrics`)).text())?.[1] ?? 0);
    await expect.poll(stalled, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    const after = (await targets()).data.activeTargets[0]!.slots;
    expect(after.missedByReason.stall).toBeGreaterThanOrEqual(3);
    expect(after.missed).toBeGreaterThanOrEqual(after.missedByReason.stall);
    const metricsAfter = await (await fetch(`${server.url}/metrics`)).text();
    expect(metricsAfter).toMatch(/kprof_scrape_slots_total\{job="local",outcome="missed"\} ([3-9]|\d\d)/);
  });

  it('answers empty target lists without scrape-configs', async () => {
    const server = await startTestServer(tmp.dir + '/data2', '');
    const res = await fetch(`${server.url}/api/v1/targets`);
    expect(await res.json()).toEqual({ status: 'success', data: { activeTargets: [], droppedTargets: [] } });
    expect(await (await fetch(`${server.url}/targets`)).text()).toContain('0 active (0 up), 0 dropped');
  });
});
