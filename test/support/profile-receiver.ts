// A Pyroscope-style /ingest receiver for tests: records every push, decodes the gzipped pprof body
// with pprof-format, and can be switched between healthy, failing and stalled behaviour.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';

export type ReceiverMode =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'stall' }; // accept the request, never answer

export interface ReceivedPush {
  atMs: number;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  profile: Profile;
  bytes: number;
}

export interface ProfileReceiver {
  url: string;
  pushes: ReceivedPush[];
  /** Requests answered with an error or stalled, by mode kind. */
  rejected: number;
  setMode(mode: ReceiverMode): void;
  close(): Promise<void>;
}

export async function startProfileReceiver(port = 0): Promise<ProfileReceiver> {
  let mode: ReceiverMode = { kind: 'ok' };
  const pushes: ReceivedPush[] = [];
  const stalled = new Set<ServerResponse>();
  const state = { rejected: 0 };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://receiver');
      if (req.method !== 'POST' || url.pathname !== '/ingest') {
        res.writeHead(404).end('not found\n');
        return;
      }
      if (mode.kind === 'stall') {
        state.rejected++;
        stalled.add(res);
        res.on('close', () => stalled.delete(res));
        return;
      }
      if (mode.kind === 'status') {
        state.rejected++;
        const headers: Record<string, string> = { 'content-type': 'text/plain' };
        if (mode.retryAfter !== undefined) headers['retry-after'] = mode.retryAfter;
        res.writeHead(mode.status, headers).end(`receiver in test mode ${mode.status}\n`);
        return;
      }
      const body = Buffer.concat(chunks);
      let profile: Profile;
      try {
        profile = Profile.decode(gunzipSync(body));
      } catch (err) {
        res.writeHead(422, { 'content-type': 'text/plain' }).end(`bad profile: ${(err as Error).message}\n`);
        return;
      }
      pushes.push({ atMs: Date.now(), query: url.searchParams, headers: req.headers, profile, bytes: body.length });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}`,
    pushes,
    get rejected() {
      return state.rejected;
    },
    setMode(m) {
      mode = m;
      if (m.kind !== 'stall') for (const res of stalled) res.destroy();
    },
    async close() {
      for (const res of stalled) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Sample type names of a decoded profile, e.g. ['samples', 'wall', 'cpu']. */
export function sampleTypeNames(p: Profile): string[] {
  return p.sampleType.map((t) => String(p.stringTable.strings[Number(t.type)]));
}

/** Sum of values of `typeName` over samples whose stack contains a function named `fn` (optionally filtered by label). */
export function valueInFunction(p: Profile, fn: string, typeName: string, label?: { key: string; value: string }): { value: number; total: number } {
  const str = (i: number | bigint) => String(p.stringTable.strings[Number(i)]);
  const idx = sampleTypeNames(p).indexOf(typeName);
  const fnNames = new Map(p.function.map((f) => [Number(f.id), str(f.name)]));
  const locHasFn = new Map(p.location.map((l) => [Number(l.id), l.line.some((ln) => fnNames.get(Number(ln.functionId)) === fn)]));
  let value = 0;
  let total = 0;
  for (const s of p.sample) {
    const v = Number(s.value[idx] ?? 0);
    total += v;
    if (!s.locationId.some((id) => locHasFn.get(Number(id)))) continue;
    if (label && !s.label.some((l) => str(l.key) === label.key && str(l.str) === label.value)) continue;
    value += v;
  }
  return { value, total };
}
