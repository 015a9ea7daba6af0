import type { Labels } from '../config/relabel-rules.js';

/**
 * A set of targets from one discovery source (Prometheus's `targetgroup.Group`): each target is
 * a label set with at least `__address__`; `labels` apply to every target unless the target
 * sets the same name itself.
 */
export interface TargetGroup {
  /** Stable identity within its discoverer, e.g. `pod/default/app-1` or `static/0`. */
  readonly source: string;
  readonly targets: readonly Labels[];
  readonly labels: Labels;
}
