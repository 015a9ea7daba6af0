import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';

/** Committed test-only TLS material (see fixtures/kube-api-tls/README.md). */
const TLS_FIXTURES = join(__dirname, 'fixtures', 'kube-api-tls');

/**
 * The fake API server's test-only TLS material: `key` and `cert` (for `IP:127.0.0.1`, valid
 * 2000–2100) to pass to {@link FakeKubeApi.start}, and `ca` (PEM), the CA that signed `cert`, to
 * give clients (e.g. as the service account's `ca.crt`). Read from committed files, so tests
 * need no `openssl`.
 */
export function testKubeApiTls(): { key: string; cert: string; ca: string } {
  const read = (name: string): string => readFileSync(join(TLS_FIXTURES, name), 'utf8');
  return { key: read('server.key'), cert: read('server.crt'), ca: read('ca.crt') };
}

/**
 * A fake Kubernetes API server on loopback that speaks the real pod list/watch protocol:
 * - `GET /api/v1/pods` and `/api/v1/namespaces/<ns>/pods` return a `PodList` with
 *   `metadata.resourceVersion`, honouring `limit`/`continue` paging, `labelSelector`
 *   (`k=v`, `k!=v`, `k`, comma-joined) and `fieldSelector` (`metadata.name`, `metadata.namespace`,
 *   `spec.nodeName`, `status.phase` with `=`/`!=`);
 * - `?watch=true|1&resourceVersion=N` streams newline-delimited JSON watch events
 *   (`ADDED`/`MODIFIED`/`DELETED`, `BOOKMARK` when `allowWatchBookmarks=true`), replaying the
 *   history after `N`, ending after `timeoutSeconds`;
 * - a `resourceVersion` older than the compacted history gets HTTP 200 and an `ERROR` event
 *   carrying a `Status` with `code: 410` (reason `Expired`), then the stream ends — as the
 *   real API server does; an expired `continue` token gets an HTTP 410 `Status`.
 */
export class FakeKubeApi {
  readonly requests: { path: string; query: Record<string, string>; authorization: string | undefined }[] = [];
  private readonly server: Server;
  private readonly pods = new Map<string, V1Pod>();
  private readonly history: { rv: number; type: string; pod: V1Pod }[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly sockets = new Set<Socket>();
  private rv = 100;
  private compactedRv = 0;
  private failingLists = 0;

  private constructor(private readonly tls: { key: string; cert: string } | undefined) {
    this.server = tls === undefined ? createServer((req, res) => this.handle(req, res)) : createTlsServer(tls, (req, res) => this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  /**
   * Starts on 127.0.0.1, port 0, serving plain HTTP; with `tls` (PEM key and certificate, e.g.
   * from {@link testKubeApiTls}) it serves HTTPS instead, as a real API server does.
   */
  static async start(tls?: { key: string; cert: string }): Promise<FakeKubeApi> {
    const api = new FakeKubeApi(tls);
    api.server.listen(0, '127.0.0.1');
    await once(api.server, 'listening');
    return api;
  }

  get url(): string {
    return `${this.tls === undefined ? 'http' : 'https'}://127.0.0.1:${this.port}`;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Open watch streams right now. */
  get openWatches(): number {
    return this.watchers.size;
  }

  /** Creates or replaces a pod and notifies watchers (ADDED or MODIFIED). */
  apply(pod: V1Pod): void {
    const key = podKey(pod);
    const type = this.pods.has(key) ? 'MODIFIED' : 'ADDED';
    const stored = this.stamp(pod);
    this.pods.set(key, stored);
    this.record(type, stored);
  }

  /** Deletes a pod and notifies watchers (DELETED). */
  delete(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const pod = this.pods.get(key);
    if (pod === undefined) throw new Error(`no pod ${key}`);
    this.pods.delete(key);
    this.record('DELETED', this.stamp(pod));
  }

  /**
   * Advances the resourceVersion (as changes to other resources do in etcd) and sends a
   * BOOKMARK carrying it to every watch that asked for bookmarks. Returns that version.
   */
  bookmark(): number {
    this.rv += 5;
    for (const w of this.watchers) {
      if (w.bookmarks) w.send('BOOKMARK', { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) } });
    }
    return this.rv;
  }

  /**
   * Applies `changes` without telling current watchers (their events are lost) and compacts
   * the history past them. With `how: 'error-event'` every open watch then gets an `ERROR` 410
   * event and ends; with `how: 'end'` the watches just end, so the client's resumed watch (from
   * its now-compacted resourceVersion) is the one refused with 410. Either way the client can
   * only catch up by re-listing.
   */
  expire(changes: () => void, how: 'error-event' | 'end' = 'error-event'): void {
    const live = [...this.watchers];
    for (const w of live) this.watchers.delete(w);
    changes();
    this.compactedRv = this.rv;
    for (const w of live) {
      if (how === 'error-event') w.send('ERROR', tooOld(w.resourceVersion, this.rv));
      w.end();
    }
  }

  /** Ends every watch cleanly, as the server does when a watch's `timeoutSeconds` runs out. */
  endWatches(): void {
    for (const w of this.watchers) w.end();
    this.watchers.clear();
  }

  /** Answers the next `n` list requests with HTTP 500 (an API server having a bad time). */
  failNextLists(n: number): void {
    this.failingLists = n;
  }

  /** Cuts every watch connection abruptly, as a network failure or an API server restart would. */
  dropWatches(): void {
    for (const w of this.watchers) w.destroy();
    this.watchers.clear();
  }

  async close(): Promise<void> {
    for (const w of this.watchers) w.end();
    this.watchers.clear();
    for (const s of this.sockets) s.destroy();
    this.server.close();
    await once(this.server, 'close');
  }

  private stamp(pod: V1Pod): V1Pod {
    this.rv++;
    return { ...structuredClone(pod), metadata: { ...pod.metadata, resourceVersion: String(this.rv) } };
  }

  private record(type: string, pod: V1Pod): void {
    const event = { rv: this.rv, type, pod };
    this.history.push(event);
    for (const w of this.watchers) if (w.matches(pod)) w.send(type, pod);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const query = Object.fromEntries(url.searchParams);
    this.requests.push({ path: url.pathname, query, authorization: req.headers.authorization });
    const m = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?pods$/.exec(url.pathname);
    if (req.method !== 'GET' || m === null) {
      sendStatus(res, 404, 'NotFound', `the server could not find the requested resource (${req.method} ${url.pathname})`);
      return;
    }
    const filter = new PodFilter(m[1] === undefined ? undefined : decodeURIComponent(m[1]), query.labelSelector, query.fieldSelector);
    if (query.watch === 'true' || query.watch === '1') this.watch(res, filter, query);
    else this.list(res, filter, query);
  }

  private list(res: ServerResponse, filter: PodFilter, query: Record<string, string>): void {
    if (this.failingLists > 0) {
      this.failingLists--;
      sendStatus(res, 500, 'InternalError', 'etcdserver: request timed out');
      return;
    }
    let snapshotRv = this.rv;
    let offset = 0;
    if (query.continue) {
      const token = JSON.parse(Buffer.from(query.continue, 'base64url').toString()) as { rv: number; offset: number };
      if (token.rv < this.compactedRv) {
        sendStatus(res, 410, 'Expired', 'The provided continue parameter is too old to display a consistent list result.');
        return;
      }
      snapshotRv = token.rv;
      offset = token.offset;
    }
    const all = [...this.pods.values()].filter((p) => filter.matches(p)).sort((a, b) => (podKey(a) < podKey(b) ? -1 : 1));
    const limit = query.limit ? Number(query.limit) : all.length;
    const items = all.slice(offset, offset + limit);
    const more = offset + limit < all.length;
    const metadata: Record<string, string> = { resourceVersion: String(snapshotRv) };
    if (more) metadata.continue = Buffer.from(JSON.stringify({ rv: snapshotRv, offset: offset + limit })).toString('base64url');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata, items }));
  }

  private watch(res: ServerResponse, filter: PodFilter, query: Record<string, string>): void {
    const from = Number(query.resourceVersion ?? '0');
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // The real API server flushes the headers at once; a client waits for them before it can cancel.
    res.flushHeaders();
    const w = new Watcher(res, filter, query.allowWatchBookmarks === 'true', from);
    if (from !== 0 && from < this.compactedRv) {
      w.send('ERROR', tooOld(from, this.rv));
      w.end();
      return;
    }
    for (const e of this.history) if (e.rv > from && w.matches(e.pod)) w.send(e.type, e.pod);
    this.watchers.add(w);
    const timeoutSeconds = Number(query.timeoutSeconds ?? '0');
    const timer = timeoutSeconds > 0 ? setTimeout(() => w.end(), timeoutSeconds * 1000) : undefined;
    res.on('close', () => {
      clearTimeout(timer);
      this.watchers.delete(w);
    });
  }
}

class Watcher {
  constructor(
    private readonly res: ServerResponse,
    private readonly filter: PodFilter,
    readonly bookmarks: boolean,
    readonly resourceVersion: number,
  ) {}

  matches(pod: V1Pod): boolean {
    return this.filter.matches(pod);
  }

  send(type: string, object: unknown): void {
    if (!this.res.writableEnded) this.res.write(`${JSON.stringify({ type, object })}\n`);
  }

  end(): void {
    if (!this.res.writableEnded) this.res.end();
  }

  destroy(): void {
    this.res.socket?.destroy();
  }
}

class PodFilter {
  private readonly labels: ((l: Record<string, string>) => boolean)[];
  private readonly fields: ((p: V1Pod) => boolean)[];

  constructor(
    private readonly namespace: string | undefined,
    labelSelector: string | undefined,
    fieldSelector: string | undefined,
  ) {
    this.labels = (labelSelector ?? '').split(',').filter(Boolean).map((term) => {
      const [k = '', v] = term.split(/!=|=/);
      if (term.includes('!=')) return (l) => l[k] !== v;
      if (term.includes('=')) return (l) => l[k] === v;
      return (l) => k in l;
    });
    this.fields = (fieldSelector ?? '').split(',').filter(Boolean).map((term) => {
      const [k = '', v] = term.split(/!=|=/);
      const get = (p: V1Pod): string | undefined =>
        ({ 'metadata.name': p.metadata?.name, 'metadata.namespace': p.metadata?.namespace, 'spec.nodeName': p.spec?.nodeName, 'status.phase': p.status?.phase })[k];
      return term.includes('!=') ? (p) => get(p) !== v : (p) => get(p) === v;
    });
  }

  matches(pod: V1Pod): boolean {
    if (this.namespace !== undefined && pod.metadata?.namespace !== this.namespace) return false;
    const l = pod.metadata?.labels ?? {};
    return this.labels.every((f) => f(l)) && this.fields.every((f) => f(pod));
  }
}

// The Status object the API server puts in an ERROR watch event for an expired resourceVersion.
function tooOld(requested: number, current: number): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${requested} (${current})`, reason: 'Expired', code: 410 };
}

function podKey(pod: V1Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

function sendStatus(res: ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
}
