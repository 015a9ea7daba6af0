import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Function as PprofFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { onTestFinished } from 'vitest';

/** One stack of a Go-style heap profile: frames leaf first, in-use and cumulative allocated bytes. */
export interface HeapEntry {
  readonly stack: readonly string[];
  readonly inuse: number;
  readonly alloc: number;
}

/** A gzipped Go-shaped heap profile (alloc_objects, alloc_space, inuse_objects, inuse_space), built with pprof-format. */
export function heapPprof(entries: readonly HeapEntry[]): Buffer {
  const st = new StringTable();
  const vt = (type: string, unit: string): ValueType => new ValueType({ type: st.dedup(type), unit: st.dedup(unit) });
  const fnIds = new Map<string, number>();
  const functions: PprofFunction[] = [];
  const locations: Location[] = [];
  const idOf = (name: string): number => {
    let id = fnIds.get(name);
    if (id === undefined) {
      id = fnIds.size + 1;
      fnIds.set(name, id);
      functions.push(new PprofFunction({ id, name: st.dedup(name), systemName: st.dedup(name) }));
      locations.push(new Location({ id, line: [new Line({ functionId: id, line: 1 })] }));
    }
    return id;
  };
  const samples = entries.map(
    (e) => new Sample({ locationId: e.stack.map(idOf), value: [Math.ceil(e.alloc / 512), e.alloc, Math.ceil(e.inuse / 512), e.inuse] }),
  );
  const p = new Profile({
    sampleType: [vt('alloc_objects', 'count'), vt('alloc_space', 'bytes'), vt('inuse_objects', 'count'), vt('inuse_space', 'bytes')],
    periodType: vt('space', 'bytes'),
    period: 524288,
    sample: samples,
    location: locations,
    function: functions,
    stringTable: st,
    timeNanos: BigInt(Date.now()) * 1_000_000n,
  });
  return gzipSync(Buffer.from(p.encode()));
}

/** A loopback HTTP server on port 0 standing in for a scrape target; closed when the test ends. */
export async function startTarget(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ address: string; server: Server; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { address: `127.0.0.1:${port}`, server, hits };
}

/** A port nothing listens on (bound, then closed): connections to it are refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
