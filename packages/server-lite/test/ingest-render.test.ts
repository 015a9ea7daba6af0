import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Function as PprofFunction, Label, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGoBurn, collapsedTotals, makeNodeProfile, makeTempDir, pprofRawTotals, pushWithPyroscopeNode, rawProfile } from './helpers/profiles.js';
import { get, ingest, startTestServer } from './helpers/test-server.js';

const run = promisify(execFile);
const tmp = makeTempDir('kprof-ingest-');
let goProfile: string;
let nodeProfile: string;
const NOW_S = Math.floor(Date.now() / 1000);

beforeAll(async () => {
  const burn = await buildGoBurn(tmp.dir);
  goProfile = await burn('go-cpu.pprof', 500);
  nodeProfile = await makeNodeProfile(tmp.dir, 'node-wall.pb.gz', 500);
});
afterAll(() => tmp.cleanup());

function rangeParams(fromS = NOW_S - 10, untilS = NOW_S): Record<string, string> {
  return { from: String(fromS), until: String(untilS) };
}

function flameNames(text: string): string[] {
  return (JSON.parse(text) as { flamebearer: { names: string[] } }).flamebearer.names;
}

// A labelled profile built with pprof-format: two routes, each with its own hot function.
function labelledProfile(): Buffer {
  const st = new StringTable();
  const fn = (id: number, name: string): PprofFunction => new PprofFunction({ id, name: st.dedup(name), systemName: st.dedup(name), filename: st.dedup('app.js') });
  const functions = [fn(1, 'main'), fn(2, 'handleA'), fn(3, 'handleB')];
  const locations = functions.map((f) => new Location({ id: f.id, line: [new Line({ functionId: f.id, line: 1 })] }));
  const label = (k: string, v: string): Label => new Label({ key: st.dedup(k), str: st.dedup(v) });
  const p = new Profile({
    sampleType: [new ValueType({ type: st.dedup('cpu'), unit: st.dedup('nanoseconds') })],
    periodType: new ValueType({ type: st.dedup('cpu'), unit: st.dedup('nanoseconds') }),
    period: 10_000_000,
    sample: [
      new Sample({ locationId: [2, 1], value: [30], label: [label('route', '/a'), label('http.method', 'GET')] }),
      new Sample({ locationId: [3, 1], value: [70], label: [label('route', '/b'), label('http.method', 'GET')] }),
      new Sample({ locationId: [1], value: [5] }),
    ],
    location: locations,
    function: functions,
    stringTable: st,
  });
  return Buffer.from(p.encode());
}

describe('ingest and render with real profiles', () => {
  it('stores a raw Go CPU profile and /render shows the hot function with go tool pprof totals', async () => {
    const server = await startTestServer(join(tmp.dir, 'db-go'));
    const res = await ingest(server, { format: 'pprof', name: 'goburn{env=prod}', ...rangeParams() }, readFileSync(goProfile));
    expect(res).toEqual({ status: 200, text: '' });

    const json = await get(server, '/render', { query: 'goburn.cpu{env="prod"}', from: 'now-1h', until: 'now', format: 'json' });
    expect(json.status).toBe(200);
    const body = JSON.parse(json.text) as { flamebearer: { names: string[]; numTicks: number }; metadata: { units: string; sampleRate: number; format: string } };
    expect(body.flamebearer.names).toContain('main.hotLoop');
    expect(body.metadata).toMatchObject({ format: 'single', units: 'nanoseconds', sampleRate: 100 });

    const want = await pprofRawTotals([goProfile], 1);
    const collapsed = await get(server, '/render', { query: 'goburn.cpu', from: 'now-1h', format: 'collapsed' });
    expect(collapsedTotals(collapsed.text)).toEqual(want);
    expect(body.flamebearer.numTicks).toBe([...want.values()].reduce((a, b) => a + b, 0));
  });

  it('stores a gzipped Node profile from @datadog/pprof and lists both apps', async () => {
    const server = await startTestServer(join(tmp.dir, 'db-node'));
    expect((await ingest(server, { format: 'pprof', name: 'nodeapp', spyName: 'nodespy', ...rangeParams() }, readFileSync(nodeProfile))).status).toBe(200);
    expect((await ingest(server, { format: 'pprof', name: 'goburn', ...rangeParams() }, readFileSync(goProfile))).status).toBe(200);

    const names = JSON.parse((await get(server, '/label-values', { label: '__name__' })).text) as string[];
    expect(names).toEqual(expect.arrayContaining(['goburn.cpu', 'goburn.samples', 'nodeapp.wall', 'nodeapp.sample']));
    const wall = await get(server, '/render', { query: 'nodeapp.wall', from: 'now-1h', format: 'json' });
    expect(flameNames(wall.text)).toContain('hotNodeFunction');
    const apps = JSON.parse((await get(server, '/api/apps')).text) as { name: string; spyName: string }[];
    expect(apps.find((a) => a.name === 'nodeapp.wall')).toMatchObject({ spyName: 'nodespy' });
  });

  it('takes pushes from the real @pyroscope/nodejs 0.6.4 client, dotted tags and all', async () => {
    const server = await startTestServer(join(tmp.dir, 'db-pyroscope'));
    await pushWithPyroscopeNode(server.url, 'pyro-node');
    const names = JSON.parse((await get(server, '/label-values', { label: '__name__' })).text) as string[];
    expect(names).toEqual(expect.arrayContaining(['pyro-node.wall', 'pyro-node.cpu']));
    const labels = JSON.parse((await get(server, '/labels', { query: 'pyro-node.wall' })).text) as string[];
    expect(labels).toEqual(expect.arrayContaining(['env', 'otel_scope_name', 'process_runtime_name']));
    const flame = await get(server, '/render', { query: 'pyro-node.wall{env="test"}', from: 'now-1h', format: 'json' });
    // @pyroscope/nodejs names frames <file>:<function>:<line>.
    expect(flameNames(flame.text).some((n) => /:hotPyroscopeFunction:\d+$/.test(n))).toBe(true);
    const apps = JSON.parse((await get(server, '/api/apps')).text) as { name: string; spyName: string; sampleRate: number }[];
    // The client sends sampleRate=17; the rate comes from the profile's period instead.
    expect(apps.find((a) => a.name === 'pyro-node.wall')?.sampleRate).toBeGreaterThan(50);
  });

  it('label matchers select the right series', async () => {
    const server = await startTestServer(join(tmp.dir, 'db-labels'));
    const body = readFileSync(goProfile);
    for (const env of ['prod', 'dev', 'staging']) {
      expect((await ingest(server, { format: 'pprof', name: `goburn{env=${env},region=eu}`, ...rangeParams() }, body)).status).toBe(200);
    }
    const one = [...(await pprofRawTotals([goProfile], 1)).values()].reduce((a, b) => a + b, 0);
    const ticks = async (query: string): Promise<number> => {
      const r = await get(server, '/render', { query, from: 'now-1h', format: 'json' });
      expect(r.status).toBe(200);
      return (JSON.parse(r.text) as { flamebearer: { numTicks: number } }).flamebearer.numTicks;
    };
    expect(await ticks('goburn.cpu{env="prod"}')).toBe(one);
    expect(await ticks('goburn.cpu{env=~"prod|dev"}')).toBe(2 * one);
    expect(await ticks('goburn.cpu{env!="prod"}')).toBe(2 * one);
    expect(await ticks('goburn.cpu{env!~"d"}')).toBe(one);
    expect(await ticks('goburn.cpu{region="eu"}')).toBe(3 * one);
    expect(await ticks('goburn.cpu{env="nope"}')).toBe(0);
    expect(JSON.parse((await get(server, '/label-values', { label: 'env' })).text)).toEqual(['dev', 'prod', 'staging']);
    const grouped = JSON.parse((await get(server, '/render', { query: 'goburn.cpu{env!="dev"}', from: 'now-1h', groupBy: 'env' })).text) as {
      groups: Record<string, { samples: number[] }>;
    };
    expect(Object.keys(grouped.groups).sort()).toEqual(['prod', 'staging']);
    for (const g of Object.values(grouped.groups)) expect(g.samples.reduce((a, b) => a + b, 0)).toBe(one);
    expect(JSON.parse((await get(server, '/labels')).text)).toEqual(['__name__', 'env', 'region']);
  });

  it('splits series on pprof sample labels and turns dots in label names into _', async () => {
    const server = await startTestServer(join(tmp.dir, 'db-sample-labels'));
    expect((await ingest(server, { format: 'pprof', name: 'svc{process.runtime.name=nodejs}', ...rangeParams() }, labelledProfile())).status).toBe(200);
    expect(JSON.parse((await get(server, '/labels')).text)).toEqual(['__name__', 'http_method', 'process_runtime_name', 'route']);
    expect(JSON.parse((await get(server, '/label-values', { label: 'route' })).text)).toEqual(['/a', '/b']);
    const a = await get(server, '/render', { query: 'svc.cpu{route="/a"}', from: 'now-1h', format: 'collapsed' });
    expect(a.text).toBe('main;handleA 30\n');
    const all = await get(server, '/render', { query: 'svc.cpu{process_runtime_name="nodejs"}', from: 'now-1h', format: 'collapsed' });
    expect(collapsedTotals(all.text)).toEqual(new Map([['main', 5], ['main;handleA', 30], ['main;handleB', 70]]));
  });

  it('accepts multipart profile + sample_type_config and folded text', async () => {
    const server = await startTestServer(join(tmp.dir, 'db-multipart'));
    const form = new FormData();
    form.append('profile', new Blob([readFileSync(goProfile)]), 'profile.pprof');
    form.append('sample_type_config', new Blob([JSON.stringify({ cpu: { units: 'nanoseconds', 'display-name': 'cpu_time' } })]), 'sample_type_config.json');
    const res = await fetch(`${server.url}/ingest?name=gomp&${new URLSearchParams(rangeParams()).toString()}`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    const folded = await ingest(server, { name: 'folded.cpu{env=x}', ...rangeParams() }, 'main;work;a 3\nmain;work;b 2\nmain;idle 1\nmain 1\n', { 'content-type': 'text/plain' });
    expect(folded.status).toBe(200);
    const names = JSON.parse((await get(server, '/label-values', { label: '__name__' })).text) as string[];
    expect(names).toEqual(expect.arrayContaining(['gomp.cpu_time', 'folded.cpu']));
    const json = JSON.parse((await get(server, '/render', { query: 'folded.cpu', from: 'now-1h', format: 'json' })).text) as { flamebearer: unknown };
    // docs/COMPATIBILITY.md's example, checked against Pyroscope OG.
    expect(json.flamebearer).toEqual({
      names: ['total', 'main', 'work', 'b', 'a', 'idle'],
      levels: [[0, 7, 0, 0], [0, 7, 1, 1], [1, 1, 1, 5, 0, 5, 0, 2], [2, 3, 3, 4, 0, 2, 2, 3]],
      numTicks: 7,
      maxSelf: 3,
    });
  });

  it('format=pprof returns a merged profile that go tool pprof reads with the same totals', async () => {
    const server = await startTestServer(join(tmp.dir, 'db-pprof-out'));
    await ingest(server, { format: 'pprof', name: 'goburn{env=a}', ...rangeParams() }, readFileSync(goProfile));
    await ingest(server, { format: 'pprof', name: 'goburn{env=b}', ...rangeParams() }, readFileSync(goProfile));
    const res = await fetch(`${server.url}/render?${new URLSearchParams({ query: 'goburn.cpu', from: 'now-1h', format: 'pprof' }).toString()}`);
    expect(res.status).toBe(200);
    const out = join(tmp.dir, 'merged.pb.gz');
    writeFileSync(out, Buffer.from(await res.arrayBuffer()));
    const got = await pprofRawTotals([out], 0);
    const want = await pprofRawTotals([goProfile, goProfile], 1);
    expect(got).toEqual(want);
    const { stdout } = await run('go', ['tool', 'pprof', '-top', out]);
    expect(stdout).toContain('main.hotLoop');
  });

  it('raw and gzipped bodies store the same data', async () => {
    const server = await startTestServer(join(tmp.dir, 'db-gz'));
    await ingest(server, { format: 'pprof', name: 'raw', ...rangeParams() }, rawProfile(nodeProfile));
    await ingest(server, { format: 'pprof', name: 'gz', ...rangeParams() }, readFileSync(nodeProfile));
    const raw = await get(server, '/render', { query: 'raw.wall', from: 'now-1h', format: 'collapsed' });
    const gz = await get(server, '/render', { query: 'gz.wall', from: 'now-1h', format: 'collapsed' });
    expect(raw.text.length).toBeGreaterThan(0);
    expect(raw.text).toBe(gz.text);
  });
});
