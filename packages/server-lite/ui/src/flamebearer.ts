/** Pyroscope OG `/render` and `/render-diff` JSON, as far as the UI reads it. */
export interface RenderResponse {
  flamebearer: { names: string[]; levels: number[][]; numTicks: number; maxSelf: number; leftTicks?: number; rightTicks?: number };
  metadata: { format: 'single' | 'double'; units?: string; sampleRate?: number; spyName?: string; name?: string };
  timeline?: { startTime: number; samples: number[]; durationDelta: number } | null;
  leftTicks?: number;
  rightTicks?: number;
}

/**
 * A flamebearer decoded into flat columns (one entry per node, rows in order), so drawing,
 * hit-testing and the table walk typed arrays instead of 8,192+ small objects.
 *
 * Geometry (`start`, `total`) is in ticks. For a diff it is left + right, as Pyroscope draws it;
 * the per-side values are kept for colouring and tooltips.
 */
export interface FlameData {
  readonly names: readonly string[];
  readonly numTicks: number;
  readonly diff: boolean;
  readonly leftTicks: number;
  readonly rightTicks: number;
  /** Index of each row's first node; `rowStart[rows]` is the node count. */
  readonly rowStart: Int32Array;
  readonly start: Float64Array;
  readonly total: Float64Array;
  readonly self: Float64Array;
  readonly name: Int32Array;
  readonly parent: Int32Array;
  readonly leftTotal: Float64Array;
  readonly leftSelf: Float64Array;
  readonly rightTotal: Float64Array;
  readonly rightSelf: Float64Array;
}

/** Thrown for a response that does not follow the flamebearer encoding. */
export class FlamebearerFormatError extends Error {}

/**
 * Decodes `levels`: 4 ints per node `[x, total, self, name]` (single) or 7 ints
 * `[xL, totalL, selfL, xR, totalR, selfR, name]` (diff); x is the gap after the previous
 * node's end in the same row, and for a diff slots 0 and 3 are delta-encoded separately.
 */
export function decodeFlamebearer(res: RenderResponse): FlameData {
  const fb = res.flamebearer;
  if (!fb || !Array.isArray(fb.levels) || !Array.isArray(fb.names)) {
    throw new FlamebearerFormatError('response has no flamebearer.levels/names');
  }
  const diff = res.metadata?.format === 'double';
  const width = diff ? 7 : 4;
  let count = 0;
  for (const row of fb.levels) {
    if (row.length % width !== 0) {
      throw new FlamebearerFormatError(`a row has ${row.length} ints, not a multiple of ${width}`);
    }
    count += row.length / width;
  }
  const rows = fb.levels.length;
  const rowStart = new Int32Array(rows + 1);
  const start = new Float64Array(count);
  const total = new Float64Array(count);
  const self = new Float64Array(count);
  const name = new Int32Array(count);
  const parent = new Int32Array(count).fill(-1);
  const leftTotal = new Float64Array(diff ? count : 0);
  const leftSelf = new Float64Array(diff ? count : 0);
  const rightTotal = new Float64Array(diff ? count : 0);
  const rightSelf = new Float64Array(diff ? count : 0);

  let n = 0;
  for (let d = 0; d < rows; d++) {
    rowStart[d] = n;
    const row = fb.levels[d] as number[];
    let endL = 0;
    let endR = 0;
    for (let i = 0; i < row.length; i += width, n++) {
      const idx = row[i + width - 1] as number;
      if (idx < 0 || idx >= fb.names.length) {
        throw new FlamebearerFormatError(`name index ${idx} outside names (${fb.names.length})`);
      }
      name[n] = idx;
      if (diff) {
        const xl = endL + (row[i] as number);
        const tl = row[i + 1] as number;
        const xr = endR + (row[i + 3] as number);
        const tr = row[i + 4] as number;
        endL = xl + tl;
        endR = xr + tr;
        leftTotal[n] = tl;
        leftSelf[n] = row[i + 2] as number;
        rightTotal[n] = tr;
        rightSelf[n] = row[i + 5] as number;
        start[n] = xl + xr;
        total[n] = tl + tr;
        self[n] = (row[i + 2] as number) + (row[i + 5] as number);
      } else {
        const x = endL + (row[i] as number);
        const t = row[i + 1] as number;
        endL = x + t;
        start[n] = x;
        total[n] = t;
        self[n] = row[i + 2] as number;
      }
    }
  }
  rowStart[rows] = n;

  // Parents by containment: both rows are sorted by x, so one merge walk per row pair.
  for (let d = 1; d < rows; d++) {
    let p = rowStart[d - 1] as number;
    const pEnd = rowStart[d] as number;
    for (let c = rowStart[d] as number; c < (rowStart[d + 1] as number); c++) {
      while (p < pEnd && (start[p] as number) + (total[p] as number) <= (start[c] as number) && p + 1 < pEnd) p++;
      parent[c] = p;
    }
  }

  return {
    names: fb.names, numTicks: fb.numTicks, diff,
    // Pyroscope OG puts leftTicks/rightTicks beside `flamebearer`; accept them inside it too.
    leftTicks: diff ? (res.leftTicks ?? fb.leftTicks ?? 0) : fb.numTicks,
    rightTicks: diff ? (res.rightTicks ?? fb.rightTicks ?? 0) : 0,
    rowStart, start, total, self, name, parent, leftTotal, leftSelf, rightTotal, rightSelf,
  };
}

/** Row (depth) of node `i`. */
export function rowOf(data: FlameData, i: number): number {
  let lo = 0;
  let hi = data.rowStart.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((data.rowStart[mid] as number) <= i) lo = mid; else hi = mid - 1;
  }
  return lo;
}
