import { parseCollapsed } from '../model/folded-text.js';
import type { AppName } from './app-name.js';
import type { IngestProfile, SeriesMeta } from '../model/ingest-profile.js';

/** Bounds for folded input. */
export interface FoldedLimits {
  readonly maxSamples: number;
  readonly maxStackDepth: number;
}

/**
 * Reads Pyroscope's folded text (`a;b;c 42` per line) into one series named exactly as the
 * `name` parameter's app (Pyroscope stores folded input under the key as given, e.g.
 * `myapp.cpu`). Parsing and its limits are the query module's `parseCollapsed`.
 */
export function foldedToProfile(
  text: string,
  name: AppName,
  meta: SeriesMeta,
  range: { startMs: number; endMs: number; receivedBytes: number },
  limits: FoldedLimits,
): IngestProfile {
  const tree = parseCollapsed(text, { maxLines: limits.maxSamples, maxDepth: limits.maxStackDepth });
  // One location per distinct frame name, so location i is name i.
  const frameIndex = new Map<string, number>();
  const names: string[] = [];
  const stackLocs: number[] = [];
  const stackStart: number[] = [0];
  const values: number[] = [];
  for (const { frames, value } of tree.stacks()) {
    for (let i = frames.length - 1; i >= 0; i--) {
      const f = frames[i]!;
      let idx = frameIndex.get(f);
      if (idx === undefined) {
        idx = names.length;
        names.push(f);
        frameIndex.set(f, idx);
      }
      stackLocs.push(idx);
    }
    stackStart.push(stackLocs.length);
    values.push(value);
  }
  const frameStart = new Int32Array(names.length + 1);
  for (let i = 0; i <= names.length; i++) frameStart[i] = i;
  return {
    startMs: range.startMs,
    endMs: range.endMs,
    names,
    frameStart,
    frameNames: frameStart.slice(0, names.length),
    stackStart: Int32Array.from(stackStart),
    stackLocs: Int32Array.from(stackLocs),
    series:
      values.length === 0
        ? []
        : [{ series: { name: name.app, labels: name.labels, meta }, sampleIndices: Int32Array.from(values, (_v, i) => i), values: Float64Array.from(values) }],
    receivedBytes: range.receivedBytes,
  };
}
