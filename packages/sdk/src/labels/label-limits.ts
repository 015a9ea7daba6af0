import { SDK_DEFAULTS } from '../config/defaults.js';

/** Bounds on per-request labels. A label outside them is dropped (with one warning per label name), never thrown. */
export const LABEL_LIMITS = SDK_DEFAULTS.labels;

/** Prometheus-style label name, as Pyroscope and Grafana expect. */
export const LABEL_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
