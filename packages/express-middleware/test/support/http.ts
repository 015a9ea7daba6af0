import { get as httpGet } from 'node:http';

/** The headers the parity suite compares (Date, Content-Length, Transfer-Encoding, Connection vary by server). */
export const COMPARED_HEADERS = ['content-type', 'content-disposition', 'x-content-type-options', 'x-go-pprof', 'location', 'allow'] as const;

export interface Answer {
  status: number;
  headers: Record<string, string | undefined>;
  body: Buffer;
}

/** One request, no redirects followed. */
export async function request(url: string, init: { method?: string; signal?: AbortSignal } = {}): Promise<Answer> {
  const res = await fetch(url, { method: init.method ?? 'GET', redirect: 'manual', signal: init.signal });
  const body = Buffer.from(await res.arrayBuffer());
  const headers: Record<string, string | undefined> = {};
  for (const h of COMPARED_HEADERS) headers[h] = res.headers.get(h) ?? undefined;
  return { status: res.status, headers, body };
}

/** A GET whose request bytes are known to be written (`written`) before its answer arrives (`answer`). */
export function startGet(url: string): { written: Promise<void>; answer: Promise<{ status: number; body: string }>; abort: () => void } {
  const req = httpGet(url);
  const written = new Promise<void>((resolve, reject) => {
    req.once('finish', resolve);
    req.once('error', reject);
  });
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.once('error', reject);
    });
    req.once('error', reject);
  });
  return { written, answer, abort: () => req.destroy() };
}
