import { findReservedChar } from '../export/ingest-url.js';
import { LABEL_NAME_PATTERN } from '../labels/label-limits.js';
import { SDK_DEFAULTS } from './defaults.js';
import { describeValue } from './option-check.js';

/**
 * Why a value of a `start()` option is invalid, as text for a message (or `undefined` when it is valid). Shared by the
 * options passed in code, which throw, and the environment variables, which warn and fall back.
 */

/** True when `text` holds control characters: they would corrupt a URL query, a header line or a log line. */
export function hasControlChars(text: string): boolean {
  return /[\u0000-\u001f\u007f]/.test(text);
}

/** Why a part of the series name `appName{k=v,...}` (the app name, a tag value) is invalid. */
export function checkSeriesPart(value: string, maxChars: number): string | undefined {
  if (value.length > maxChars) return `${value.length} characters, over the limit of ${maxChars}`;
  const reserved = findReservedChar(value);
  if (reserved !== undefined) return `contains '${reserved}'; Pyroscope series names cannot carry { } , =`;
  if (hasControlChars(value)) return 'contains control characters';
  return undefined;
}

/** Why one tag is invalid: its name must be a label name, its value a valid series-name part. */
export function checkTag(key: string, value: unknown): string | undefined {
  if (!LABEL_NAME_PATTERN.test(key)) return `tag name ${describeValue(key)} must match ${LABEL_NAME_PATTERN.source}`;
  if (typeof value !== 'string') return `tags.${key} must be a string, got ${describeValue(value)}`;
  const why = checkSeriesPart(value, SDK_DEFAULTS.seriesName.maxTagValueChars);
  return why ? `tags.${key} ${describeValue(value)} is invalid: ${why}` : undefined;
}
