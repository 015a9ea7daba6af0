import type { PushRequest } from '../../../gen/push/v1/push_pb.js';
import { LimitError, ValidationError } from '../../../errors.js';

/** One series of a Push, as handed to ingest: sanitized labels and the raw pprof bodies. */
export interface PushedSeries {
  /** Label names with `.` replaced by `_`; `__name__`, `service_name`, `__delta__` kept as sent. */
  readonly labels: Record<string, string>;
  /** pprof profiles exactly as sent (gzipped or not), each non-empty and within the limit. */
  readonly profiles: Uint8Array[];
}

/** Limits applied to every Push (Grafana Pyroscope's defaults, docs/COMPATIBILITY.md §2). */
export interface PushLimits {
  /** Labels per series, `__name__` included. Default 30. */
  readonly maxLabelsPerSeries: number;
  /** UTF-8 bytes of a label name. Default 1024. */
  readonly maxLabelNameBytes: number;
  /** UTF-8 bytes of a label value. Default 2048. */
  readonly maxLabelValueBytes: number;
  /** Bytes of one profile as sent (compressed or raw). Default 4 MiB. */
  readonly maxProfileBytes: number;
  /** Profiles (samples of all series) in one request. Default 1000. */
  readonly maxProfilesPerRequest: number;
}

/** Grafana Pyroscope's default limits. */
export const DEFAULT_PUSH_LIMITS: PushLimits = Object.freeze({
  maxLabelsPerSeries: 30,
  maxLabelNameBytes: 1024,
  maxLabelValueBytes: 2048,
  maxProfileBytes: 4 * 1024 * 1024,
  maxProfilesPerRequest: 1000,
});

// Prometheus' legacy label-name charset; checked after `.` → `_`, as Grafana Pyroscope does
// (its PR #3335), so OpenTelemetry-style keys like `process.runtime.name` are accepted.
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const utf8 = new TextEncoder();

function quote(s: string, maxChars = 64): string {
  return JSON.stringify(s.length > maxChars ? `${s.slice(0, maxChars)}…` : s);
}

/**
 * Validates a whole PushRequest and converts it for ingest. All series are checked before any
 * is returned, so a bad request stores nothing. Series without samples are dropped.
 *
 * @throws ValidationError (`KPROF_PUSH_*`) or LimitError (413), both answered invalid_argument
 *   naming the series index, the label and the limit.
 */
export function validatePushRequest(request: PushRequest, limits: PushLimits = DEFAULT_PUSH_LIMITS): PushedSeries[] {
  const out: PushedSeries[] = [];
  const profileCount = request.series.reduce((n, s) => n + s.samples.length, 0);
  if (profileCount > limits.maxProfilesPerRequest) {
    throw new LimitError(
      'KPROF_PUSH_TOO_MANY_PROFILES',
      `the request carries ${profileCount} profiles, over the limit of ${limits.maxProfilesPerRequest} per push; push fewer at a time`,
    );
  }
  request.series.forEach((series, i) => {
    const where = `series[${i}]`;
    if (series.labels.length > limits.maxLabelsPerSeries) {
      throw new ValidationError(
        'KPROF_PUSH_TOO_MANY_LABELS',
        `${where} has ${series.labels.length} labels, over the limit of ${limits.maxLabelsPerSeries} (ingest.max-labels)`,
      );
    }
    const labels: Record<string, string> = {};
    for (const { name: rawName, value } of series.labels) {
      const nameBytes = utf8.encode(rawName).length;
      if (nameBytes > limits.maxLabelNameBytes) {
        throw new ValidationError(
          'KPROF_PUSH_LABEL_NAME_TOO_LONG',
          `${where} label name ${quote(rawName)} is ${nameBytes} bytes, over the limit of ${limits.maxLabelNameBytes} (ingest.max-label-name-length)`,
        );
      }
      const name = rawName.replaceAll('.', '_');
      if (!LABEL_NAME.test(name)) {
        throw new ValidationError(
          'KPROF_PUSH_INVALID_LABEL_NAME',
          `${where} label name ${quote(rawName)} is invalid: names must match [a-zA-Z_][a-zA-Z0-9_]* (dots are turned into underscores)`,
        );
      }
      const valueBytes = utf8.encode(value).length;
      if (valueBytes > limits.maxLabelValueBytes) {
        throw new ValidationError(
          'KPROF_PUSH_LABEL_VALUE_TOO_LONG',
          `${where} label ${name} value is ${valueBytes} bytes, over the limit of ${limits.maxLabelValueBytes} (ingest.max-label-value-length)`,
        );
      }
      if (Object.hasOwn(labels, name)) {
        throw new ValidationError(
          'KPROF_PUSH_DUPLICATE_LABEL',
          `${where} has label ${name} twice${name === rawName ? '' : ` (after turning dots in ${quote(rawName)} into underscores)`}`,
        );
      }
      labels[name] = value;
    }
    if (!labels['__name__']) {
      throw new ValidationError(
        'KPROF_PUSH_MISSING_NAME',
        `${where} has no __name__ label (the profile name, e.g. process_cpu)`,
      );
    }
    const profiles: Uint8Array[] = [];
    series.samples.forEach((sample, j) => {
      const size = sample.rawProfile.length;
      if (size === 0) {
        throw new ValidationError('KPROF_PUSH_EMPTY_PROFILE', `${where}.samples[${j}] has an empty raw_profile`);
      }
      if (size > limits.maxProfileBytes) {
        throw new LimitError(
          'KPROF_PUSH_PROFILE_TOO_LARGE',
          `${where}.samples[${j}] raw_profile is ${size} bytes, over the limit of ${limits.maxProfileBytes} bytes (ingest.max-body-bytes)`,
        );
      }
      profiles.push(sample.rawProfile);
    });
    if (profiles.length > 0) out.push({ labels, profiles });
  });
  return out;
}
