import { request, type Dispatcher } from 'undici';
import { SDK_DEFAULTS } from '../config/defaults.js';
import type { AttemptOutcome } from './retry-policy.js';
import { isSuccessStatus } from './retry-policy.js';

/** Result of one POST: delivered, or why not (for the retry policy) plus a short server message if there was one. */
type AttemptResult =
  | { delivered: true; statusCode: number }
  | { delivered: false; outcome: AttemptOutcome; detail?: string };

interface AttemptOptions {
  dispatcher: Dispatcher;
  url: string;
  headers: Readonly<Record<string, string>>;
  body: Uint8Array;
  /** Deadline for the whole exchange, ms; also undici's headersTimeout, bodyTimeout and connect timeout (via the agent). */
  requestTimeoutMs: number;
  /** Aborts the attempt from outside (exporter closing); the result is then a network outcome with code `ABORTED`. */
  signal: AbortSignal;
}

// Error bodies are read only far enough to quote the server in a log line; other bodies are drained so the keep-alive
// socket can carry the next upload, up to a size past which the socket is not worth saving.
const { maxErrorDetailBytes: DETAIL_MAX_BYTES, maxDrainBytes: DRAIN_MAX_BYTES } = SDK_DEFAULTS.push;

/** Sends one upload. Never rejects: every failure becomes an {@link AttemptOutcome}. */
export async function attemptUpload(opts: AttemptOptions): Promise<AttemptResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), opts.requestTimeoutMs);
  timer.unref();
  // Forwarding by listener rather than AbortSignal.any: the exporter's signal lives as long as the exporter, and
  // Node 20's AbortSignal.any keeps every dependent signal reachable from it.
  const onOuterAbort = (): void => controller.abort();
  if (opts.signal.aborted) controller.abort();
  opts.signal.addEventListener('abort', onOuterAbort, { once: true });
  try {
    const response = await request(opts.url, {
      dispatcher: opts.dispatcher,
      method: 'POST',
      headers: opts.headers,
      body: opts.body,
      signal: controller.signal,
      headersTimeout: opts.requestTimeoutMs,
      bodyTimeout: opts.requestTimeoutMs,
    });
    if (isSuccessStatus(response.statusCode)) {
      // The server has accepted the profile; a failure while draining its reply changes nothing about that.
      await response.body.dump({ limit: DRAIN_MAX_BYTES }).catch(() => undefined);
      return { delivered: true, statusCode: response.statusCode };
    }
    const detail = await readDetail(response.body).catch(() => undefined);
    const retryAfter = headerValue(response.headers['retry-after']);
    return {
      delivered: false,
      outcome: { kind: 'response', statusCode: response.statusCode, retryAfter },
      ...(detail ? { detail } : {}),
    };
  } catch (err) {
    return { delivered: false, outcome: classifyError(err, { timedOut: controller.signal.aborted && !opts.signal.aborted, closed: opts.signal.aborted }) };
  } finally {
    clearTimeout(timer);
    opts.signal.removeEventListener('abort', onOuterAbort);
  }
}

function classifyError(err: unknown, state: { timedOut: boolean; closed: boolean }): AttemptOutcome {
  if (state.closed) return { kind: 'network', code: 'ABORTED' };
  if (state.timedOut) return { kind: 'timeout' };
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { kind: 'timeout' };
    // undici refused the request itself (bad header value, bad URL): sending it again cannot help.
    case 'UND_ERR_INVALID_ARG':
    case 'ERR_INVALID_ARG_TYPE':
    case 'ERR_INVALID_URL':
      return { kind: 'invalid-request' };
    default:
      return { kind: 'network', code: code ?? (err instanceof Error ? err.name : undefined) };
  }
}

async function readDetail(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let readBytes = 0;
  for await (const chunk of body) {
    readBytes += chunk.length;
    if (keptBytes < DETAIL_MAX_BYTES) {
      const part = chunk.subarray(0, DETAIL_MAX_BYTES - keptBytes);
      kept.push(part);
      keptBytes += part.length;
    }
    // Leaving the loop early destroys the stream, which also closes the socket: fine for an oversized error page.
    if (readBytes > DRAIN_MAX_BYTES) break;
  }
  return Buffer.concat(kept).toString('utf8').replace(/\s+/g, ' ').trim();
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
