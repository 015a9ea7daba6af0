// Samples a process's CPU time and memory from /proc (Linux) once a second: utime+stime from
// /proc/<pid>/stat, VmRSS and VmHWM (peak RSS) from /proc/<pid>/status.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** CPU seconds (user + system) and RSS / peak RSS (bytes) of `pid` right now. */
export function readProc(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name, which may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { cpuSeconds, rssBytes: kb('VmRSS'), hwmBytes: kb('VmHWM') };
}

/**
 * Starts sampling `pid` every `intervalMs`. `window()` returns the samples since `mark()` (or
 * start) summarised: mean cores, p95 of per-interval cores, peak RSS; `stop()` ends sampling.
 */
export function sampleProcess(pid, intervalMs = 1000) {
  const samples = [];
  let markIndex = 0;
  const take = () => {
    try {
      samples.push({ atMs: performance.now(), ...readProc(pid) });
    } catch {
      // The process has exited; its last sample stands.
    }
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    samples,
    mark() { take(); markIndex = samples.length - 1; },
    window() {
      take();
      const w = samples.slice(markIndex);
      const first = w[0];
      const last = w[w.length - 1];
      const perInterval = [];
      for (let k = 1; k < w.length; k++) {
        const dt = (w[k].atMs - w[k - 1].atMs) / 1000;
        if (dt > 0) perInterval.push((w[k].cpuSeconds - w[k - 1].cpuSeconds) / dt);
      }
      perInterval.sort((a, b) => a - b);
      const seconds = (last.atMs - first.atMs) / 1000;
      return {
        seconds,
        cpuSeconds: last.cpuSeconds - first.cpuSeconds,
        meanCores: seconds > 0 ? (last.cpuSeconds - first.cpuSeconds) / seconds : 0,
        p95Cores: perInterval.length ? perInterval[Math.min(perInterval.length - 1, Math.floor(perInterval.length * 0.95))] : 0,
        maxCores: perInterval.length ? perInterval[perInterval.length - 1] : 0,
        peakRssBytes: Math.max(...w.map((s) => s.rssBytes)),
        hwmBytes: last.hwmBytes,
        endRssBytes: last.rssBytes,
      };
    },
    stop() { clearInterval(timer); },
  };
}
