// The real `go tool pprof` reads the router's profiles from a Node service under load.
import { describe, expect, it, onTestFinished } from 'vitest';
import { runGoToolPprof, startLoad } from '@kprof/test-support';
import { useNodeApp } from './support/processes.js';

const app = useNodeApp();

/** Runs `go tool pprof -top …` (saved profiles go to a temp dir) and returns stdout; throws with its output if it fails. */
async function pprofTop(args: string[]): Promise<string> {
  const r = await runGoToolPprof(['-top', ...args]);
  if (r.code !== 0) throw new Error(`go tool pprof exited ${r.code ?? r.signal}:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
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
    const load = startLoad(app.origin, ['/work/cpu'], { concurrency: 4 });
    onTestFinished(() => load.stop().then(() => undefined));
    const out = await pprofTop([`${app.origin}/debug/pprof/profile?seconds=3`]);
    const served = await load.stop();
    expect(out).toMatch(/^Type: cpu$/m);
    const rows = topRows(out);
    expect(['burnCpuHot', 'handleCpuWork'], out).toContain(rows[0]?.name);
    expect(rows[0]!.cumPercent, out).toBeGreaterThan(30);
    expect(served.unanswered, served.errors.join('\n')).toBe(0);
    expect([...served.byStatus.keys()]).toEqual([200]);
  });

  it.each(['heap', 'allocs'])('-sample_index=inuse_space %s lists the retaining allocation site', async (name) => {
    const out = await pprofTop(['-sample_index=inuse_space', `${app.origin}/debug/pprof/${name}`]);
    expect(out).toMatch(/^Type: inuse_space$/m);
    const row = topRows(out).find((r) => r.name === 'retainManyObjects');
    expect(row, out).toBeDefined();
    expect(row!.flat).not.toBe('0');
  });
});
