import { ValidationError } from '../../../errors.js';
import { PYROSCOPE_DEFAULT_SAMPLE_RATE } from '../../../model/ingest-profile.js';
import { type LabelLimits, addLabel, parseAppName } from '../../app-name.js';
import type { IntakeRequest } from '../../intake-request.js';

/** Service name of series pushed without a `service_name` label (Grafana Pyroscope's). */
export const DEFAULT_SERVICE_NAME = 'unknown_service';

/**
 * True when a pushed series' profiles are stored as the difference to its previous push
 * (`memory` without `__delta__="false"`), as Grafana Pyroscope does for Go's `alloc_*`.
 */
export function needsServerDelta(labels: Readonly<Record<string, string>>): boolean {
  return (labels['__name__'] ?? 'unknown') === 'memory' && labels['__delta__'] !== 'false';
}

/**
 * The identity of a pushed series for its delta baseline: its labels in name order, `__delta__`
 * aside. The tenant is not in it: baselines are kept per tenant.
 */
export function pushSeriesKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(
    Object.keys(labels)
      .filter((k) => k !== '__delta__')
      .sort()
      .map((k) => [k, labels[k]]),
  );
}

/**
 * One raw pprof of a push.v1 series as an {@link IntakeRequest}. Labels: `service_name` (default
 * `unknown_service`) is the application, so the series are `<service_name>.<sample type>` as with
 * `/ingest` and `/render` finds them there; `__name__` (the profile name, e.g. `process_cpu`) is
 * the profile name the pipeline puts in each series' `__profile_type__`; other `__…` labels are
 * dropped; the rest are checked like `/ingest` labels. The profile's time is its own
 * `time_nanos`. `labels` are as push validation returns them (dots already turned into `_`).
 */
export function intakeFromPush(
  raw: Uint8Array,
  labels: Readonly<Record<string, string>>,
  limits: Readonly<LabelLimits & { maxDecompressedBytes: number }>,
  tenant?: string,
): IntakeRequest {
  const service = labels['service_name'] || DEFAULT_SERVICE_NAME;
  if (service.includes('{')) {
    throw new ValidationError('KPROF_INGEST_BAD_NAME', `service_name ${JSON.stringify(service.slice(0, 200))} is invalid; use letters, digits, '_', '.', '-'`);
  }
  const { app } = parseAppName(service, limits);
  const seriesLabels: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) {
    if (name === 'service_name' || name.startsWith('__')) continue;
    addLabel(seriesLabels, name, value, limits);
  }
  return {
    origin: { kind: 'push' },
    body: raw,
    receivedBytes: raw.byteLength,
    format: 'pprof',
    maxDecompressedBytes: limits.maxDecompressedBytes,
    series: { app, labels: seriesLabels },
    profileName: labels['__name__'] ?? 'unknown',
    ...(tenant !== undefined ? { tenant } : {}),
    spyName: labels['pyroscope_spy'] || 'unknown',
    sampleRate: PYROSCOPE_DEFAULT_SAMPLE_RATE,
    ...(needsServerDelta(labels) ? { delta: { types: 'alloc' as const, key: pushSeriesKey(labels) } } : {}),
  };
}
