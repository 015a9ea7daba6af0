// A stand-in for server-lite's query API while its HTTP layer is being written: real node:http
// on loopback, serving the built UI through createUiHandler and Pyroscope OG's /render,
// /render-diff, /labels, /label-values and /api/apps. The flamebearers, timelines and pprof
// exports come from server-lite's own query code (src/query), so the UI reads exactly what the
// server will send.
import { gzipSync } from 'node:zlib';
import { startLoopbackServer } from '@kprof/test-support';
import { parseCollapsed } from '../../packages/server-lite/src/model/folded-text.js';
import { buildDiffFlamebearer } from '../../packages/server-lite/src/query/export/diff-flamebearer.js';
import { buildFlamebearer } from '../../packages/server-lite/src/query/export/flamebearer.js';
import { matchesAll, parseQuery } from '../../packages/server-lite/src/query/flameql.js';
import { parseMaxNodes } from '../../packages/server-lite/src/query/max-nodes-param.js';
import { buildPprofProfile } from '../../packages/server-lite/src/query/export/pprof-export.js';
import { StackTree } from '../../packages/server-lite/src/model/stack-tree.js';
import { parseTimeRange } from '../../packages/server-lite/src/syntax/pyroscope-time.js';
import { buildTimeline } from '../../packages/server-lite/src/query/export/timeline.js';
import { createUiHandler } from '../../packages/server-lite/src/ui/index.js';

/** One uploaded profile of a series: folded stacks at a time. */
export interface FixtureProfile {
  timeMs: number;
  folded: string;
}

/** A series as server-lite stores it: `<app>.<type>` + labels. */
export interface FixtureSeries {
  name: string;
  labels: Record<string, string>;
  units: string;
  sampleRate: number;
  spyName: string;
  profiles: FixtureProfile[];
}

/** A running fixture server. */
export interface FixtureServer {
  url: string;
  /** Requests seen, as `METHOD path?query`, for asserting what the UI asked. */
  requests: string[];
  /** Holds every `/render` answer until the returned function is called (to observe loading). */
  holdRenders(): () => void;
  close(): Promise<void>;
}

/** Options for {@link startFixtureServer}. */
export interface FixtureOptions {
  /** Clock that anchors `now-1h` style times. Default `Date.now`. */
  nowMs?: () => number;
  /** Body of `GET /api/v1/targets`; without it the route is 404, as before pull mode. */
  targets?: unknown;
}

const MAX_RANGE_MS = 31 * 86_400_000;

function selectTree(series: FixtureSeries[], query: string, from: string | null, until: string | null, nowMs: number) {
  const q = parseQuery(query, { anchored: false });
  const { fromMs, untilMs } = parseTimeRange(from ?? undefined, until ?? undefined, nowMs, { maxRangeMs: MAX_RANGE_MS });
  const tree = new StackTree();
  const points: Array<{ timeMs: number; value: number }> = [];
  let first: FixtureSeries | undefined;
  for (const s of series) {
    if (s.name !== q.name || !matchesAll(q.matchers, s.labels)) continue;
    first ??= s;
    for (const p of s.profiles) {
      if (p.timeMs < fromMs || p.timeMs >= untilMs) continue;
      const t = parseCollapsed(p.folded);
      parseCollapsed(p.folded, { tree });
      points.push({ timeMs: p.timeMs, value: t.root.total });
    }
  }
  return { tree, points, fromMs, untilMs, name: q.name as string, first };
}

/** Starts the fixture server on 127.0.0.1 port 0. `nowMs` anchors `now-1h` style times. */
export async function startFixtureServer(series: FixtureSeries[], opts: FixtureOptions = {}): Promise<FixtureServer> {
  const nowMs = opts.nowMs ?? Date.now;
  const ui = createUiHandler();
  const requests: string[] = [];
  let gate: Promise<void> | null = null;
  const server = await startLoopbackServer(async (req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (ui(req, res)) return;
    if (gate && req.url?.startsWith('/render?')) await gate;
    const url = new URL(req.url ?? '/', 'http://x');
    const p = url.searchParams;
    const json = (body: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    try {
      switch (url.pathname) {
        case '/api/apps': {
          const seen = new Map<string, FixtureSeries>();
          const lastSeen = new Map<string, number>();
          for (const s of series) {
            if (!seen.has(s.name)) seen.set(s.name, s);
            for (const p of s.profiles) lastSeen.set(s.name, Math.max(lastSeen.get(s.name) ?? 0, p.timeMs));
          }
          json([...seen.values()].map((s) => ({ name: s.name, spyName: s.spyName, sampleRate: s.sampleRate, units: s.units, lastSeen: lastSeen.get(s.name) })));
          return;
        }
        case '/labels': {
          const name = parseQuery(p.get('query') ?? '', { anchored: false }).name;
          const keys = new Set(['__name__']);
          for (const s of series) if (!name || s.name === name) for (const k of Object.keys(s.labels)) keys.add(k);
          // Pyroscope sets no Content-Type here.
          res.writeHead(200).end(JSON.stringify([...keys].sort()));
          return;
        }
        case '/label-values': {
          const label = p.get('label');
          if (!label) throw new Error('label is required');
          const q = p.get('query');
          const name = q ? parseQuery(q, { anchored: false }).name : undefined;
          const values = new Set<string>();
          for (const s of series) {
            if (label === '__name__') values.add(s.name);
            else if ((!name || s.name === name) && s.labels[label] !== undefined) values.add(s.labels[label] as string);
          }
          res.writeHead(200).end(JSON.stringify([...values].sort()));
          return;
        }
        case '/render': {
          const sel = selectTree(series, p.get('query') ?? '', p.get('from'), p.get('until'), nowMs());
          const maxNodes = parseMaxNodes(p.get('maxNodes') ?? p.get('max-nodes') ?? undefined);
          if (p.get('format') === 'pprof') {
            const profile = buildPprofProfile(sel.tree, { sampleType: { type: 'cpu', unit: sel.first?.units ?? 'samples' } });
            res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(gzipSync(profile.encode()));
            return;
          }
          json({
            version: 1,
            flamebearer: buildFlamebearer(sel.tree, { maxNodes }),
            metadata: {
              format: 'single', spyName: sel.first?.spyName ?? 'unknown', sampleRate: sel.first?.sampleRate ?? 100,
              units: sel.first?.units ?? 'samples', name: sel.name, appName: sel.name,
              startTime: Math.floor(sel.fromMs / 1000), endTime: Math.floor(sel.untilMs / 1000), query: p.get('query'), maxNodes,
            },
            timeline: buildTimeline(sel.points, sel.fromMs, sel.untilMs),
            groups: {}, heatmap: null, annotations: [],
          });
          return;
        }
        case '/render-diff': {
          const now = nowMs();
          const l = selectTree(series, p.get('leftQuery') ?? '', p.get('leftFrom'), p.get('leftUntil'), now);
          const r = selectTree(series, p.get('rightQuery') ?? '', p.get('rightFrom'), p.get('rightUntil'), now);
          const maxNodes = parseMaxNodes(p.get('maxNodes') ?? p.get('max-nodes') ?? undefined);
          const d = buildDiffFlamebearer(l.tree, r.tree, { maxNodes });
          json({
            version: 1,
            flamebearer: { names: d.names, levels: d.levels, numTicks: d.numTicks, maxSelf: d.maxSelf },
            leftTicks: d.leftTicks,
            rightTicks: d.rightTicks,
            metadata: { format: 'double', spyName: l.first?.spyName, sampleRate: l.first?.sampleRate ?? 100, units: l.first?.units ?? 'samples' },
            timeline: null,
          });
          return;
        }
        case '/api/v1/targets':
          if (opts.targets === undefined) break;
          json(opts.targets);
          return;
        default:
          break;
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
    } catch (err) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`);
    }
  }, { closeWhenTestEnds: false });
  return {
    url: server.url,
    requests,
    holdRenders: () => {
      let release = (): void => undefined;
      gate = new Promise<void>((resolve) => { release = resolve; });
      return () => { gate = null; release(); };
    },
    close: () => server.close(),
  };
}
