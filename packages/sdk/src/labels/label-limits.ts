/** Bounds on per-request labels. A label outside them is dropped (with one warning per label name), never thrown. */
export const LABEL_LIMITS = Object.freeze({
  /** Labels in one context, after merging nested `withLabels` calls. */
  maxLabels: 16,
  /** Characters of a label name. */
  maxNameChars: 64,
  /** Characters of a label value. */
  maxValueChars: 256,
  /** Keys of one `withLabels` input that are looked at; the rest are dropped with one warning. */
  maxInputKeys: 64,
  /** Distinct label names remembered for "warn once"; past it, further drops are only counted. */
  maxWarnedNames: 1_000,
});

/** Prometheus-style label name, as Pyroscope and Grafana expect. */
export const LABEL_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
