import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { onTestFinished } from 'vitest';
import { resolveConfig } from '../../src/config/resolve-config.js';
import { type KprofServer, startServer } from '../../src/server.js';

/** Starts a real server on 127.0.0.1:0 with its DB in `dataDir`; `yaml` is written as its config file. */
export async function startTestServer(dataDir: string, yaml = '', opts: { now?: () => number; closeOnFinish?: boolean } = {}): Promise<KprofServer> {
  const configFile = join(dataDir, '..', `${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(configFile, yaml);
  const config = resolveConfig({ config: configFile, dataDir, listen: '127.0.0.1:0' }, {});
  const server = await startServer(config, { logger: pino({ level: 'silent' }), ...(opts.now ? { now: opts.now } : {}) });
  if (opts.closeOnFinish !== false) onTestFinished(() => server.close());
  return server;
}

/** POSTs a profile to `/ingest` with the given query parameters. */
export async function ingest(
  server: KprofServer,
  params: Record<string, string>,
  body: Uint8Array | string,
  headers: Record<string, string> = { 'content-type': 'application/octet-stream' },
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${server.url}/ingest?${new URLSearchParams(params).toString()}`, { method: 'POST', body, headers });
  return { status: res.status, text: await res.text() };
}

/** GETs `path` and returns status and body text. */
export async function get(server: KprofServer, path: string, params: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const qs = new URLSearchParams(params).toString();
  const res = await fetch(`${server.url}${path}${qs ? `?${qs}` : ''}`);
  return { status: res.status, text: await res.text() };
}
