// HTTP requests from inside another process's network namespace (a replayed container's, which
// has its own loopback): a short-lived Node process entered into that namespace with nsenter
// does the request, as a kubelet probe reaches a pod's own address.
import { runProcess } from '@kprof/test-support';

export interface NetnsResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
}

const FETCH_SCRIPT = `
const [url, timeoutMs] = process.argv.slice(1);
fetch(url, { signal: AbortSignal.timeout(Number(timeoutMs)) }).then(
  async (r) => {
    const body = Buffer.from(await r.arrayBuffer());
    process.stdout.write(JSON.stringify({ status: r.status, contentType: r.headers.get('content-type') ?? '', body: body.toString('base64') }));
  },
  (err) => process.stdout.write(JSON.stringify({ error: String(err.cause ?? err) })),
);
`;

/** GETs `url` from inside the network namespace of process `pid`; rejects with the reason when the request fails. */
export async function getInNetworkOf(pid: number, url: string, { timeoutMs = 10_000 }: { timeoutMs?: number } = {}): Promise<NetnsResponse> {
  const r = await runProcess('nsenter', [`--net=/proc/${pid}/ns/net`, '--', process.execPath, '-e', FETCH_SCRIPT, url, String(timeoutMs)], {
    timeoutMs: timeoutMs + 5_000,
  });
  if (r.code !== 0) throw new Error(`GET ${url} in the network namespace of pid ${pid}: nsenter exited ${r.code ?? r.signal}: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { status: number; contentType: string; body: string } | { error: string };
  if ('error' in out) throw new Error(`GET ${url} in the network namespace of pid ${pid} failed: ${out.error}`);
  return { status: out.status, contentType: out.contentType, body: Buffer.from(out.body, 'base64') };
}
