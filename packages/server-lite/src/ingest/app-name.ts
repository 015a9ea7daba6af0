import { LimitError, ValidationError } from '../errors.js';

/** Bounds for {@link parseAppName} and sample labels. */
export interface LabelLimits {
  readonly maxLabels: number;
  readonly maxLabelNameLength: number;
  readonly maxLabelValueLength: number;
  readonly maxNameLength: number;
}

/** `name=app{k=v,…}` split into the application name and its labels. */
export interface AppName {
  readonly app: string;
  readonly labels: Record<string, string>;
}

const APP_NAME = /^[A-Za-z0-9_.\-/]+$/;

/**
 * Parses Pyroscope's ingest `name` parameter, `app.cpu{env=prod,region=eu}`: app
 * `[A-Za-z0-9_.-]+`, label values trimmed, no `,` or `}` inside. Label names are sanitised with
 * {@link sanitizeLabelName} (dots become `_`, as Grafana Pyroscope does). Throws
 * `ValidationError` `KPROF_INGEST_BAD_NAME` and `LimitError` `KPROF_INGEST_NAME_TOO_LONG` /
 * `KPROF_INGEST_TOO_MANY_LABELS` / `KPROF_INGEST_LABEL_TOO_LONG`.
 */
export function parseAppName(input: string | null, limits: LabelLimits): AppName {
  if (input === null || input.trim() === '') {
    throw new ValidationError('KPROF_INGEST_BAD_NAME', 'the name parameter is required, e.g. name=myapp.cpu{env=prod}');
  }
  if (input.length > limits.maxNameLength) {
    throw new LimitError(
      'KPROF_INGEST_NAME_TOO_LONG',
      `name is ${input.length} characters, over ingest.max-name-length (${limits.maxNameLength}); use fewer or shorter labels`,
    );
  }
  const brace = input.indexOf('{');
  const app = (brace < 0 ? input : input.slice(0, brace)).trim();
  if (!APP_NAME.test(app)) {
    throw new ValidationError(
      'KPROF_INGEST_BAD_NAME',
      `application name ${JSON.stringify(app.slice(0, 200))} is invalid; use letters, digits, '_', '.', '-'`,
    );
  }
  const labels: Record<string, string> = {};
  if (brace >= 0) {
    if (!input.endsWith('}')) {
      throw new ValidationError('KPROF_INGEST_BAD_NAME', `name ${JSON.stringify(input.slice(0, 200))} has '{' but does not end with '}'`);
    }
    const body = input.slice(brace + 1, -1);
    if (body.trim() !== '') {
      for (const pair of body.split(',')) {
        const eq = pair.indexOf('=');
        if (eq < 0) {
          throw new ValidationError('KPROF_INGEST_BAD_NAME', `label ${JSON.stringify(pair.slice(0, 200))} in name has no '='; use key=value`);
        }
        const key = sanitizeLabelName(pair.slice(0, eq).trim());
        const value = pair.slice(eq + 1).trim();
        if (value.includes('}')) throw new ValidationError('KPROF_INGEST_BAD_NAME', `label value ${JSON.stringify(value.slice(0, 200))} contains '}'`);
        addLabel(labels, key, value, limits);
      }
    }
  }
  return { app, labels };
}

/**
 * Adds one label after checking its name and length and the label count (the `__name__` label
 * counts, so at most `maxLabels - 1` others). A reserved `__…` name is refused.
 */
export function addLabel(labels: Record<string, string>, key: string, value: string, limits: LabelLimits): void {
  if (!/^[A-Za-z0-9_]+$/.test(key)) {
    throw new ValidationError('KPROF_INGEST_BAD_LABEL', `label name ${JSON.stringify(key.slice(0, 200))} is invalid; use letters, digits and '_'`);
  }
  if (key.startsWith('__')) {
    throw new ValidationError('KPROF_INGEST_BAD_LABEL', `label name ${JSON.stringify(key.slice(0, 200))} is reserved (starts with __)`);
  }
  if (key.length > limits.maxLabelNameLength) {
    throw new LimitError(
      'KPROF_INGEST_LABEL_TOO_LONG',
      `label name ${JSON.stringify(key.slice(0, 64))}… is ${key.length} characters, over ingest.max-label-name-length (${limits.maxLabelNameLength})`,
    );
  }
  if (value.length > limits.maxLabelValueLength) {
    throw new LimitError(
      'KPROF_INGEST_LABEL_TOO_LONG',
      `value of label ${key} is ${value.length} characters, over ingest.max-label-value-length (${limits.maxLabelValueLength})`,
    );
  }
  if (value === '') return;
  if (!Object.hasOwn(labels, key) && Object.keys(labels).length + 1 >= limits.maxLabels) {
    throw new LimitError(
      'KPROF_INGEST_TOO_MANY_LABELS',
      `series has more than ${limits.maxLabels} labels (with __name__), over ingest.max-labels (${limits.maxLabels}); drop labels or raise the limit`,
    );
  }
  labels[key] = value;
}

/**
 * Grafana Pyroscope's rule for label names from clients: `.` becomes `_` (so
 * `@pyroscope/nodejs`' `process.runtime.name` is stored as `process_runtime_name`), as do `-`
 * and `/`, which are common in tag keys and never valid in a label name.
 */
export function sanitizeLabelName(name: string): string {
  return name.replace(/[.\-/]/g, '_');
}
