/** Units as Pyroscope reports them in `metadata.units`. */
export interface ValueUnits {
  readonly units: string;
  /** Samples per second, used to show CPU `samples` as time. */
  readonly sampleRate: number;
}

const TIME_STEPS: Array<[number, string]> = [
  [86_400e9, 'd'], [3_600e9, 'h'], [60e9, 'min'], [1e9, 's'], [1e6, 'ms'], [1e3, 'µs'], [1, 'ns'],
];
const BYTE_STEPS: Array<[number, string]> = [[1024 ** 4, 'TB'], [1024 ** 3, 'GB'], [1024 ** 2, 'MB'], [1024, 'KB'], [1, 'bytes']];
const COUNT_STEPS: Array<[number, string]> = [[1e9, 'G'], [1e6, 'M'], [1e3, 'k'], [1, '']];

function scaled(value: number, steps: Array<[number, string]>, sep: string): string {
  const abs = Math.abs(value);
  for (const [size, suffix] of steps) {
    if (abs >= size) return `${trim(value / size)}${suffix ? sep + suffix : ''}`;
  }
  const last = steps[steps.length - 1] as [number, string];
  return `${trim(value / last[0])}${last[1] ? sep + last[1] : ''}`;
}

function trim(n: number): string {
  if (Number.isInteger(n)) return String(n);
  // Three significant digits, without trailing zeros: 3.6k, 36 s, 12.3 ms.
  const fixed = n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/**
 * Formats a tick count in its unit: nanoseconds as the largest fitting time unit, bytes in
 * binary KB/MB/GB, CPU samples with the time they stand for when the sample rate is known.
 */
export function formatValue(value: number, u: ValueUnits): string {
  switch (u.units) {
    case 'nanoseconds':
    case 'lock_nanoseconds':
      return scaled(value, TIME_STEPS, ' ');
    case 'bytes':
      return scaled(value, BYTE_STEPS, ' ');
    case 'samples':
    case 'lock_samples':
      if (u.sampleRate > 0 && u.units === 'samples') {
        return `${scaled(value, COUNT_STEPS, '')} samples (${scaled((value / u.sampleRate) * 1e9, TIME_STEPS, ' ')})`;
      }
      return `${scaled(value, COUNT_STEPS, '')} samples`;
    case 'objects':
    case 'goroutines':
      return `${scaled(value, COUNT_STEPS, '')} ${u.units}`;
    default:
      return scaled(value, COUNT_STEPS, '');
  }
}

/** `part` as a percentage of `whole`, with two decimals under 10 %. */
export function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return '0%';
  const p = (part / whole) * 100;
  return `${p >= 10 ? p.toFixed(1) : p.toFixed(2)}%`;
}

/** Relative change of a frame's share between left and right, e.g. `+25.0%`, or `new`/`removed`. */
export function formatChange(leftShare: number, rightShare: number): string {
  if (leftShare === 0 && rightShare === 0) return '0%';
  if (leftShare === 0) return 'new';
  if (rightShare === 0) return 'removed';
  const c = ((rightShare - leftShare) / leftShare) * 100;
  return `${c > 0 ? '+' : ''}${Math.abs(c) >= 10 ? c.toFixed(1) : c.toFixed(2)}%`;
}
