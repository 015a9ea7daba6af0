import { readFile } from 'node:fs/promises';
import { Agent, buildConnector, type Dispatcher, interceptors } from 'undici';
import type { HttpClientConfig } from '../config/scrape-http-config.js';
import { ScrapeError } from '../errors.js';

/** Options of {@link ScrapeHttpClient}. */
export interface ScrapeHttpClientOptions {
  readonly http: HttpClientConfig;
  /** Connections per target origin. Default unlimited: each loop has one request in flight, the global limit caps the total. */
  readonly connectionsPerOrigin?: number;
  /** How long a read credential file is reused before it is read again (rotation). Default 60 000 ms. */
  readonly credentialTtlMs?: number;
  /** `User-Agent` sent to targets. Default `kprof-server`. */
  readonly userAgent?: string;
}

/** One fetch: URL, deadline, body cap, and a signal that cancels it (loop stopped). */
export interface FetchRequest {
  readonly url: string;
  readonly timeoutMs: number;
  /** Largest body accepted as sent on the wire, bytes. */
  readonly maxBytes: number;
  readonly signal?: AbortSignal;
}

/** A profile body as received (maybe gzipped) and how many bytes it was. */
export interface FetchedBody {
  readonly body: Buffer;
  readonly contentType: string | undefined;
}

// What pprof handlers answer with: Go and kprof's middleware send octet-stream.
const PROFILE_CONTENT_TYPES = /^(application\/(octet-stream|x-protobuf|protobuf|vnd\.google\.protobuf|gzip|x-gzip))\s*(;|$)/i;
const MAX_REDIRECTS = 3;
const ERROR_SNIPPET_BYTES = 200;

/**
 * The HTTP side of scraping for one scrape config: one undici {@link Agent} (keep-alive, bounded
 * connections per target, the config's TLS settings) and its credentials (`bearer-token`,
 * `bearer-token-file`, `basic-auth`; files re-read after `credentialTtlMs`). Each
 * {@link fetchProfile} checks status, content type and size, and gives typed
 * {@link ScrapeError}s: `KPROF_SCRAPE_CONNECT`, `KPROF_SCRAPE_TIMEOUT`, `KPROF_SCRAPE_TLS`,
 * `KPROF_SCRAPE_HTTP_STATUS`, `KPROF_SCRAPE_BAD_CONTENT_TYPE`, `KPROF_SCRAPE_TOO_LARGE`,
 * `KPROF_SCRAPE_CREDENTIALS`.
 */
export class ScrapeHttpClient {
  private readonly agent: Agent;
  private readonly dispatcher: Dispatcher;
  private readonly credentialTtlMs: number;
  private readonly userAgent: string;
  private credential: { value: Promise<string | undefined>; readAt: number } | undefined;
  private connect: Promise<buildConnector.connector> | undefined;

  constructor(private readonly options: ScrapeHttpClientOptions) {
    this.credentialTtlMs = options.credentialTtlMs ?? 60_000;
    this.userAgent = options.userAgent ?? 'kprof-server';
    this.agent = new Agent({
      // No per-origin cap: each loop has at most one request in flight and the global
      // ConcurrencyLimit caps the total; a cap of 2 queued a target's third long CPU-style
      // profile (cpu, mutex, block each hold a connection for `seconds`) into its timeout.
      connections: options.connectionsPerOrigin ?? null,
      keepAliveTimeout: 30_000,
      connect: (opts, callback) => {
        // TLS files are read once, lazily, so a bad path fails the scrape (visible on /targets), not startup.
        this.connector()
          .then((connect) => connect(opts, callback))
          .catch((err: unknown) => callback(err as Error, null));
      },
    });
    this.dispatcher = options.http.followRedirects ? this.agent.compose(interceptors.redirect({ maxRedirections: MAX_REDIRECTS })) : this.agent;
  }

  /** GETs `req.url` and returns the body, after the response checks. */
  async fetchProfile(req: FetchRequest): Promise<FetchedBody> {
    const headers: Record<string, string> = { 'user-agent': this.userAgent, accept: 'application/octet-stream, */*;q=0.1' };
    const auth = await this.authorization();
    if (auth !== undefined) headers.authorization = auth;
    // One controller per request, unhooked from the loop's long-lived signal when done: on Node 20,
    // AbortSignal.any() keeps a reference per call on its source signals for good, which leaked
    // ~40 bytes per scrape (0.5 GB a day at 1,000 targets).
    const controller = new AbortController();
    const timeout = { fired: false };
    const timer = setTimeout(() => {
      timeout.fired = true;
      controller.abort(new Error(`scrape-timeout (${req.timeoutMs} ms) elapsed`));
    }, req.timeoutMs);
    const onAbort = (): void => controller.abort(req.signal?.reason);
    if (req.signal?.aborted) onAbort();
    else req.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.request(req, headers, controller.signal, timeout);
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
    }
  }

  private async request(req: FetchRequest, headers: Record<string, string>, signal: AbortSignal, timeout: { fired: boolean }): Promise<FetchedBody> {
    let res: Dispatcher.ResponseData;
    try {
      const u = new URL(req.url);
      res = await this.dispatcher.request({ origin: u.origin, path: `${u.pathname}${u.search}`, method: 'GET', headers, signal });
    } catch (err) {
      throw this.requestError(err, req, timeout);
    }
    try {
      const contentType = header(res.headers['content-type']);
      if (res.statusCode !== 200) {
        const snippet = await readSnippet(res.body);
        throw new ScrapeError(
          'KPROF_SCRAPE_HTTP_STATUS',
          `${req.url} answered HTTP ${res.statusCode}${snippet ? `: ${snippet}` : ''}; the target must answer 200 with a pprof profile (check the profile path, port and credentials)`,
        );
      }
      if (contentType !== undefined && !PROFILE_CONTENT_TYPES.test(contentType)) {
        const snippet = await readSnippet(res.body);
        throw new ScrapeError(
          'KPROF_SCRAPE_BAD_CONTENT_TYPE',
          `${req.url} answered Content-Type ${JSON.stringify(contentType)}, not a pprof profile (application/octet-stream)${snippet ? `: ${snippet}` : ''}; check the profile path`,
        );
      }
      const declared = Number(header(res.headers['content-length']));
      if (Number.isFinite(declared) && declared > req.maxBytes) {
        throw tooLarge(req, declared);
      }
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of res.body) {
        total += (chunk as Buffer).length;
        if (total > req.maxBytes) throw tooLarge(req, total);
        chunks.push(chunk as Buffer);
      }
      return { body: Buffer.concat(chunks, total), contentType };
    } catch (err) {
      res.body.destroy();
      if (err instanceof ScrapeError) throw err;
      throw this.requestError(err, req, timeout);
    }
  }

  /** Closes every connection. Idempotent. */
  async close(): Promise<void> {
    if (!this.agent.closed && !this.agent.destroyed) await this.agent.destroy();
  }

  private requestError(err: unknown, req: FetchRequest, timeout: { fired: boolean }): ScrapeError {
    if (timeout.fired) {
      return new ScrapeError('KPROF_SCRAPE_TIMEOUT', `${req.url} did not answer within scrape-timeout (${req.timeoutMs} ms); raise scrape-timeout or check the target`, { cause: err });
    }
    if (err instanceof ScrapeError) return err;
    const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
    const code = e.code ?? e.cause?.code ?? '';
    if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|HOSTNAME|ERR_TLS/.test(code) || /certificate|\bssl\b/i.test(e.message)) {
      return new ScrapeError('KPROF_SCRAPE_TLS', `TLS with ${req.url} failed: ${e.message}; check tls-config (ca-file, server-name, insecure-skip-verify)`, { cause: err });
    }
    return new ScrapeError('KPROF_SCRAPE_CONNECT', `cannot reach ${req.url}: ${code ? `${code} ` : ''}${e.message}; check the address and that the target is running`, { cause: err });
  }

  private authorization(): Promise<string | undefined> {
    const { bearerToken, bearerTokenFile, basicAuth } = this.options.http;
    if (bearerToken !== undefined) return Promise.resolve(`Bearer ${bearerToken}`);
    if (bearerTokenFile === undefined && basicAuth === undefined) return Promise.resolve(undefined);
    const now = Date.now();
    if (this.credential === undefined || now - this.credential.readAt > this.credentialTtlMs) {
      const value = bearerTokenFile !== undefined
        ? readCredential(bearerTokenFile, 'bearer-token-file').then((t) => `Bearer ${t}`)
        : basicAuthHeader(basicAuth as NonNullable<HttpClientConfig['basicAuth']>);
      // A failed read is retried on the next scrape, not cached.
      value.catch(() => {
        this.credential = undefined;
      });
      this.credential = { value, readAt: now };
    }
    return this.credential.value;
  }

  private connector(): Promise<buildConnector.connector> {
    const { caFile, certFile, keyFile, serverName, insecureSkipVerify } = this.options.http.tls;
    this.connect ??= (async () =>
      buildConnector({
        rejectUnauthorized: !insecureSkipVerify,
        ...(serverName !== undefined ? { servername: serverName } : {}),
        ...(caFile !== undefined ? { ca: await readTlsFile(caFile, 'tls-config.ca-file') } : {}),
        ...(certFile !== undefined ? { cert: await readTlsFile(certFile, 'tls-config.cert-file') } : {}),
        ...(keyFile !== undefined ? { key: await readTlsFile(keyFile, 'tls-config.key-file') } : {}),
      }))();
    // A failed read is retried on the next connection, not cached.
    this.connect.catch(() => {
      this.connect = undefined;
    });
    return this.connect;
  }
}

async function basicAuthHeader(b: NonNullable<HttpClientConfig['basicAuth']>): Promise<string> {
  const password = b.passwordFile !== undefined ? await readCredential(b.passwordFile, 'basic-auth.password-file') : b.password ?? '';
  return `Basic ${Buffer.from(`${b.username}:${password}`).toString('base64')}`;
}

async function readTlsFile(file: string, option: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new ScrapeError('KPROF_SCRAPE_CREDENTIALS', `cannot read ${option} ${file}: ${(err as Error).message}; fix the path or the file's permissions`, { cause: err });
  }
}

async function readCredential(file: string, option: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (err) {
    throw new ScrapeError('KPROF_SCRAPE_CREDENTIALS', `cannot read ${option} ${file}: ${(err as Error).message}; fix the path or the file's permissions`, { cause: err });
  }
}

function tooLarge(req: FetchRequest, bytes: number): ScrapeError {
  return new ScrapeError(
    'KPROF_SCRAPE_TOO_LARGE',
    `${req.url} sent ${bytes} bytes or more, over body-size-limit (${req.maxBytes} bytes); raise body-size-limit in the scrape config`,
  );
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

// The start of an error body helps (Go's pprof handler explains itself in plain text); never more.
async function readSnippet(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk as Buffer);
      total += (chunk as Buffer).length;
      if (total >= ERROR_SNIPPET_BYTES) break;
    }
  } catch {
    return '';
  } finally {
    body.destroy();
  }
  const text = Buffer.concat(chunks).subarray(0, ERROR_SNIPPET_BYTES).toString('utf8');
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}
