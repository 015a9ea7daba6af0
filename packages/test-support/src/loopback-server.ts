// HTTP servers on 127.0.0.1 port 0 for tests: a generic one, a Pyroscope-style /ingest receiver
// that records and decodes every push, and a port that refuses connections.
import { type IncomingMessage, type RequestListener, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { onTestFinished } from 'vitest';

/** A server started by {@link startLoopbackServer}. */
export interface LoopbackServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Drops open connections and stops listening; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts `handler` on 127.0.0.1, on `port` (default 0: a free one). It is closed when the current
 * test ends unless `closeWhenTestEnds` is false (a server shared by a file's tests: close it in afterAll).
 */
export async function startLoopbackServer(handler: RequestListener, { port = 0, closeWhenTestEnds = true }: { port?: number; closeWhenTestEnds?: boolean } = {}): Promise<LoopbackServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }));
  if (closeWhenTestEnds) onTestFinished(close);
  return { url: `http://127.0.0.1:${actual}`, port: actual, server, close };
}

/** A loopback port nothing listens on (bound, then closed): connections to it are refused. */
export async function closedLoopbackPort(): Promise<number> {
  const { port, close } = await startLoopbackServer(() => undefined, { closeWhenTestEnds: false });
  await close();
  return port;
}

/** How a {@link ProfileReceiver} answers pushes. */
export type ReceiverMode =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; retryAfter?: string }
  /** Accept the request, never answer. */
  | { kind: 'stall' };

/** One push the receiver accepted. */
export interface ReceivedPush {
  /** When it arrived (unix ms). */
  atMs: number;
  /** Query parameters: name, from, until, format, spyName, sampleRate… */
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** The body as sent (gzipped pprof). */
  body: Buffer;
  /** The body decoded with pprof-format. */
  profile: Profile;
  /** Body size in bytes. */
  bytes: number;
}

/** A receiver started by {@link startProfileReceiver}. */
export interface ProfileReceiver {
  /** `http://127.0.0.1:<port>`: the server address to give a pusher. */
  url: string;
  /** Accepted pushes, in arrival order. */
  pushes: ReceivedPush[];
  /** Pushes answered with an error status or stalled. */
  readonly rejected: number;
  /** Changes how later pushes are answered; leaving `stall` drops the stalled requests. */
  setMode(mode: ReceiverMode): void;
  close(): Promise<void>;
}

/**
 * A Pyroscope-style receiver on 127.0.0.1: `POST /ingest` with a gzipped pprof body is decoded
 * with pprof-format, recorded and answered 200 (a body that does not decode: 422); any other
 * request gets 404. Starts in mode `ok`. Options as {@link startLoopbackServer}'s: `port`
 * (default 0: a free one) and `closeWhenTestEnds` (default true; closing it earlier, e.g. to
 * simulate an outage, is fine).
 */
export async function startProfileReceiver({ port = 0, closeWhenTestEnds = true }: { port?: number; closeWhenTestEnds?: boolean } = {}): Promise<ProfileReceiver> {
  let mode: ReceiverMode = { kind: 'ok' };
  const pushes: ReceivedPush[] = [];
  const stalled = new Set<ServerResponse>();
  let rejected = 0;

  const loopback = await startLoopbackServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://receiver');
      if (req.method !== 'POST' || url.pathname !== '/ingest') {
        res.writeHead(404).end('not found\n');
        return;
      }
      if (mode.kind === 'stall') {
        rejected++;
        stalled.add(res);
        res.on('close', () => stalled.delete(res));
        return;
      }
      if (mode.kind === 'status') {
        rejected++;
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
      pushes.push({ atMs: Date.now(), query: url.searchParams, headers: req.headers, body, profile, bytes: body.length });
      res.writeHead(200).end();
    });
  }, { port, closeWhenTestEnds });
  return {
    url: loopback.url,
    pushes,
    get rejected() {
      return rejected;
    },
    setMode(m) {
      mode = m;
      if (m.kind !== 'stall') for (const res of stalled) res.destroy();
    },
    async close() {
      for (const res of stalled) res.destroy();
      await loopback.close();
    },
  };
}
