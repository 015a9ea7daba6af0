/**
 * The package or file a frame belongs to, so frames of one module share a colour:
 * Node frames arrive as `<file>:<function>:<line>` (colour by file); Go frames as
 * `import/path/pkg.Func` or `pkg.(*T).Method` (colour by import path + package).
 */
export function frameGroup(name: string): string {
  const colon = name.indexOf(':');
  if (colon > 0 && name.indexOf(':', colon + 1) > 0) return name.slice(0, colon);
  const slash = name.lastIndexOf('/');
  const dot = name.indexOf('.', slash + 1);
  if (dot > 0) return name.slice(0, dot);
  return name;
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/** Warm, readable colour for a frame, stable per package/file. */
export function frameColor(name: string): string {
  const h = hash(frameGroup(name));
  const hue = 10 + (h % 50);
  const sat = 60 + ((h >>> 8) % 25);
  const light = 55 + ((h >>> 16) % 12);
  return `hsl(${hue} ${sat}% ${light}%)`;
}

/**
 * Colour for a diff frame: red when its share of the right side grew, green when it shrank,
 * grey when unchanged; saturation follows the size of the change (capped at ±100 %).
 */
export function diffColor(leftShare: number, rightShare: number): string {
  if (leftShare === 0 && rightShare === 0) return 'hsl(0 0% 80%)';
  const change = leftShare === 0 ? 1 : Math.max(-1, Math.min(1, (rightShare - leftShare) / leftShare));
  if (Math.abs(change) < 0.01) return 'hsl(0 0% 80%)';
  const strength = Math.round(25 + Math.abs(change) * 60);
  return change > 0 ? `hsl(0 ${strength}% ${80 - strength / 3}%)` : `hsl(130 ${strength}% ${75 - strength / 3}%)`;
}
