// The real `go tool pprof` reads the router's profiles from a Node service under load.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drive } from './support/http.js';
import { startNodeApp, type Running } from './support/processes.js';

let app: Running;
let pprofTmp: string;

beforeAll(async () => {
  app = await startNodeApp();
  pprofTmp = mkdtempSync(join(tmpdir(), 'kprof-pprof-tmp-'));
});
afterAll(async () => {
  await app?.close();
  if (pprofTmp) rmSync(pprofTmp, { recursive: true, force: true });
});

/** Runs `go tool pprof -top …` (saved profiles go to a temp dir) and returns stdout. */
function pprofTop(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('go', ['tool', 'pprof', '-top', ...args], { env: { ...process.env, PPROF_TMPDIR: pprofTmp } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`go tool pprof exited ${code}:\n${err}\n${out}`))));
  });
}

/** `-top` rows as { flat, cumPercent, name }, in the order printed (by flat, largest first). */
function topRows(out: string): { flat: string; cumPercent: number; name: string }[] {
  return out
    .split('\n')
    .map((line) => /^\s*(\S+)\s+(\S+)%\s+(\S+)%\s+(\S+)\s+(\S+)%\s+(.+)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ flat: m[1]!, cumPercent: Number(m[5]), name: m[6]!.trim() }));
}

describe('go tool pprof against pprofRouter', () => {
  // The hot function is burnCpuHot, called only by handleCpuWork. In some full-suite runs V8's profile put
  // burnCpuHot's samples on its caller's frame (not reproduced in isolation, with or without TurboFan inlining), so
  // the top entry may be either; both are that endpoint's own code.
  it('profile?seconds=3 under load: the hot function is the top entry', async () => {
    const load = new AbortController();
    const driving = drive(`${app.origin}/work/cpu`, 4, load.signal);
    try {
      const out = await pprofTop([`${app.origin}/debug/pprof/profile?seconds=3`]);
      expect(out).toMatch(/^Type: cpu$/m);
      const rows = topRows(out);
      expect(['burnCpuHot', 'handleCpuWork'], out).toContain(rows[0]?.name);
      expect(rows[0]!.cumPercent, out).toBeGreaterThan(30);
    } finally {
      load.abort();
    }
    const counts = await driving;
    expect([...counts.keys()]).toEqual([200]);
  });

  it.each(['heap', 'allocs'])('-sample_index=inuse_space %s lists the retaining allocation site', async (name) => {
    const out = await pprofTop(['-sample_index=inuse_space', `${app.origin}/debug/pprof/${name}`]);
    expect(out).toMatch(/^Type: inuse_space$/m);
    const row = topRows(out).find((r) => r.name === 'retainManyObjects');
    expect(row, out).toBeDefined();
    expect(row!.flat).not.toBe('0');
  });
});
