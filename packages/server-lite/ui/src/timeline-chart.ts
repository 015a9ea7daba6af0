import type { RenderResponse } from './flamebearer.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const WIDTH = 1000;
const HEIGHT = 60;

type Timeline = NonNullable<RenderResponse['timeline']>;

/**
 * Bar chart of total samples per timeline bucket; dragging across it selects a sub-range
 * and reports it in unix seconds.
 */
export function timelineChart(tl: Timeline, onSelect: (fromSec: number, untilSec: number) => void): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('class', 'timeline');
  svg.setAttribute('role', 'img');
  const n = tl.samples.length;
  const endSec = tl.startTime + n * tl.durationDelta;
  const sum = tl.samples.reduce((a, b) => a + b, 0);
  svg.setAttribute('aria-label',
    `Timeline: ${sum} samples in ${n} buckets of ${tl.durationDelta} s from ${new Date(tl.startTime * 1000).toISOString()}; drag to select a range`);
  const max = Math.max(1, ...tl.samples);
  const bw = WIDTH / Math.max(1, n);
  let d = '';
  tl.samples.forEach((v, i) => {
    if (v <= 0) return;
    const bh = (v / max) * (HEIGHT - 2);
    d += `M${(i * bw).toFixed(2)} ${HEIGHT}h${Math.max(bw - 0.5, 0.5).toFixed(2)}v${(-bh).toFixed(2)}h${(-Math.max(bw - 0.5, 0.5)).toFixed(2)}z`;
  });
  const bars = document.createElementNS(SVG_NS, 'path');
  bars.setAttribute('d', d);
  bars.setAttribute('class', 'timeline-bars');
  const sel = document.createElementNS(SVG_NS, 'rect');
  sel.setAttribute('class', 'timeline-selection');
  sel.setAttribute('y', '0');
  sel.setAttribute('height', String(HEIGHT));
  sel.setAttribute('width', '0');
  svg.append(bars, sel);

  const toX = (clientX: number): number => {
    const r = svg.getBoundingClientRect();
    return Math.max(0, Math.min(WIDTH, ((clientX - r.left) / Math.max(1, r.width)) * WIDTH));
  };
  let startX: number | null = null;
  svg.addEventListener('pointerdown', (e) => {
    startX = toX(e.clientX);
    svg.setPointerCapture(e.pointerId);
    sel.setAttribute('x', String(startX));
    sel.setAttribute('width', '0');
  });
  svg.addEventListener('pointermove', (e) => {
    if (startX === null) return;
    const x = toX(e.clientX);
    sel.setAttribute('x', String(Math.min(x, startX)));
    sel.setAttribute('width', String(Math.abs(x - startX)));
  });
  svg.addEventListener('pointerup', (e) => {
    if (startX === null) return;
    const x = toX(e.clientX);
    const a = Math.min(x, startX);
    const b = Math.max(x, startX);
    startX = null;
    // A click without a drag is not a selection.
    if (b - a < 3) { sel.setAttribute('width', '0'); return; }
    const span = endSec - tl.startTime;
    onSelect(Math.floor(tl.startTime + (a / WIDTH) * span), Math.ceil(tl.startTime + (b / WIDTH) * span));
  });
  return svg;
}
