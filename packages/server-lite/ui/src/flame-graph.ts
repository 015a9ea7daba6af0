import { h } from './dom.js';
import { diffColor, frameColor } from './frame-color.js';
import { type FlameData, rowOf } from './flamebearer.js';
import { measureInteraction } from './interaction-timing.js';
import { type ValueUnits, formatChange, formatPercent, formatValue } from './format-value.js';
import { type SearchResult, matchSearch } from './search-match.js';

/** Height of one flamegraph row in CSS pixels. */
export const ROW_HEIGHT_PX = 20;
const FONT = '12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
const MIN_DRAW_PX = 0.35;

/**
 * Canvas flamegraph: click a frame to zoom into it, click an ancestor (or the breadcrumb, or
 * press Escape) to back out; search dims every frame that does not match. The tooltip and
 * the breadcrumb are DOM, so assistive tech and tests read them, not pixels.
 */
export class FlameGraph {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly tooltip: HTMLElement;
  private readonly crumbs: HTMLElement;
  private readonly searchStatus: HTMLElement;
  private readonly cursorStatus: HTMLElement;
  /** Frame selected with the keyboard (-1 = none); Enter zooms into it. */
  private cursor = -1;
  private data: FlameData | null = null;
  private units: ValueUnits = { units: 'samples', sampleRate: 0 };
  private focus = 0;
  private search: SearchResult | null = null;
  private frame = 0;
  private readonly resize: ResizeObserver;
  /** Milliseconds the last full draw took (read by the benchmark). */
  lastDrawMs = 0;
  /** The canvas clientWidth the last draw measured (-1 = never drawn). */
  private drawnWidth = -1;
  /** frameColor of each name index, filled as frames are drawn (hashing a name per frame per draw added up). */
  private colors: string[] = [];

  constructor() {
    this.canvas = h('canvas', { role: 'img', 'aria-label': 'Flamegraph', tabindex: 0, class: 'flame-canvas' });
    this.tooltip = h('div', { role: 'tooltip', id: 'flame-tooltip', class: 'flame-tooltip', hidden: true });
    this.crumbs = h('nav', { 'aria-label': 'Flamegraph zoom path', class: 'crumbs' });
    this.searchStatus = h('p', { role: 'status', class: 'search-status', 'aria-live': 'polite' });
    this.cursorStatus = h('p', { id: 'flame-cursor', class: 'sr-only', 'aria-live': 'polite' });
    this.element = h('section', { class: 'flamegraph', 'aria-label': 'Flamegraph view' },
      this.crumbs, this.searchStatus, this.cursorStatus, h('div', { class: 'flame-wrap' }, this.canvas, this.tooltip));
    this.canvas.addEventListener('mousemove', (e) => this.onHover(e));
    this.canvas.addEventListener('mouseleave', () => { this.tooltip.hidden = true; });
    this.canvas.addEventListener('click', (e) => this.onClick(e));
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
    // Redraw when the canvas width changes — not on the observer's first report of the size
    // the first draw already used (that redraw cost a second full draw and a forced layout).
    this.resize = new ResizeObserver(() => {
      if (this.data && this.canvas.clientWidth !== this.drawnWidth) this.schedule();
    });
    this.resize.observe(this.canvas);
  }

  /** Shows a new profile (zoom resets). */
  setData(data: FlameData, units: ValueUnits, searchTerm: string): void {
    this.data = data;
    // Sized up front: filling a growing array at scattered indices can turn it into a slow dictionary.
    this.colors = new Array<string>(data.names.length);
    this.units = units;
    this.focus = 0;
    this.cursor = -1;
    this.cursorStatus.textContent = '';
    this.search = matchSearch(data, searchTerm);
    this.updateSearchStatus(searchTerm);
    this.updateCrumbs();
    this.draw();
  }

  /** Highlights frames whose name contains `term`. */
  setSearch(term: string): void {
    if (!this.data) return;
    this.search = matchSearch(this.data, term);
    this.updateSearchStatus(term);
    this.draw();
  }

  /**
   * Zooms so node `i` spans the full width; `startMs` (default now) is when the user asked,
   * for the `kprof:zoom` measure.
   */
  zoomTo(i: number, startMs = performance.now()): void {
    if (!this.data || i < 0 || i >= this.data.name.length) return;
    this.focus = i;
    this.cursor = -1;
    this.updateCrumbs();
    this.draw();
    measureInteraction('zoom', startMs);
  }

  /** Goes one level up from the zoomed frame. */
  zoomOut(): void {
    if (!this.data) return;
    this.zoomTo(Math.max(0, this.data.parent[this.focus] as number));
  }

  /** Stops observing the canvas size. */
  dispose(): void {
    this.resize.disconnect();
    cancelAnimationFrame(this.frame);
  }

  private schedule(): void {
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => this.draw());
  }

  private updateSearchStatus(term: string): void {
    const s = this.search;
    if (!s || !this.data || term.trim() === '') {
      this.searchStatus.textContent = '';
      return;
    }
    this.searchStatus.textContent = s.frames === 0
      ? `No frames match “${term}”`
      : `${s.frames} frame${s.frames === 1 ? '' : 's'} match “${term}”: ${formatPercent(s.ticks, this.data.numTicks)} of total (${formatValue(s.ticks, this.units)})`;
  }

  private updateCrumbs(): void {
    const data = this.data;
    if (!data) return;
    const path: number[] = [];
    for (let i = this.focus; i >= 0; i = data.parent[i] as number) path.unshift(i);
    const items = path.map((i, k) => {
      const label = data.names[data.name[i] as number] as string;
      const btn = h('button', { type: 'button', text: label, 'aria-current': k === path.length - 1 ? 'true' : undefined });
      btn.addEventListener('click', () => this.zoomTo(i));
      return h('li', {}, btn);
    });
    this.crumbs.replaceChildren(h('ol', {}, ...items));
    this.canvas.setAttribute('aria-label',
      `Flamegraph focused on ${data.names[data.name[this.focus] as number]}; click a frame or use the arrow keys and Enter to zoom, Escape to zoom out`);
  }

  private draw(): void {
    const data = this.data;
    const canvas = this.canvas;
    if (!data) return;
    const t0 = performance.now();
    const rows = data.rowStart.length - 1;
    const height = rows * ROW_HEIGHT_PX;
    // Height first, then read the width: the layout that read forces is then the one the next
    // frame paints, not one it has to redo.
    if (canvas.style.height !== `${height}px`) canvas.style.height = `${height}px`;
    this.drawnWidth = canvas.clientWidth;
    const width = Math.max(100, this.drawnWidth || canvas.parentElement?.clientWidth || 800);
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    const charPx = ctx.measureText('m').width || 7;

    const viewStart = data.start[this.focus] as number;
    const viewTotal = Math.max(1, data.total[this.focus] as number);
    const viewEnd = viewStart + viewTotal;
    const scale = width / viewTotal;
    const focusRow = rowOf(data, this.focus);
    const matched = this.search && this.search.frames > 0 ? this.search.matched : null;
    const leftTicks = Math.max(1, data.leftTicks);
    const rightTicks = Math.max(1, data.rightTicks);

    for (let d = 0; d < rows; d++) {
      const y = d * ROW_HEIGHT_PX;
      const end = data.rowStart[d + 1] as number;
      for (let i = data.rowStart[d] as number; i < end; i++) {
        // Most nodes of a big profile are too narrow to draw; a frame's visible part is never
        // wider than the frame, so this test alone skips them (cheaply, which matters in the
        // not yet optimised code of a page's first draw).
        if ((data.total[i] as number) * scale < MIN_DRAW_PX) continue;
        const s = data.start[i] as number;
        const e = s + (data.total[i] as number);
        if (e <= viewStart || s >= viewEnd) continue;
        const x0 = (Math.max(s, viewStart) - viewStart) * scale;
        const w = (Math.min(e, viewEnd) - Math.max(s, viewStart)) * scale;
        if (w < MIN_DRAW_PX) continue;
        const nameIndex = data.name[i] as number;
        const name = data.names[nameIndex] as string;
        let fill: string;
        if (matched && matched[i] === 0) fill = '#e4e4e4';
        else if (data.diff) fill = diffColor((data.leftTotal[i] as number) / leftTicks, (data.rightTotal[i] as number) / rightTicks);
        else if (d === 0) fill = '#c9c9c9';
        else fill = this.colors[nameIndex] ??= frameColor(name);
        ctx.globalAlpha = d < focusRow ? 0.55 : 1;
        ctx.fillStyle = fill;
        ctx.fillRect(x0, y, Math.max(w - 1, MIN_DRAW_PX), ROW_HEIGHT_PX - 1);
        if (w > charPx * 3 + 6) {
          const fits = Math.floor((w - 6) / charPx);
          const label = name.length > fits ? `${name.slice(0, Math.max(1, fits - 1))}…` : name;
          ctx.fillStyle = '#1b1b1b';
          ctx.fillText(label, x0 + 3, y + ROW_HEIGHT_PX / 2);
        }
      }
    }
    ctx.globalAlpha = 1;
    if (this.cursor >= 0) {
      const s = data.start[this.cursor] as number;
      const e = s + (data.total[this.cursor] as number);
      const x0 = (Math.max(s, viewStart) - viewStart) * scale;
      const w = (Math.min(e, viewEnd) - Math.max(s, viewStart)) * scale;
      ctx.strokeStyle = '#1b1b1b';
      ctx.lineWidth = 2;
      ctx.strokeRect(x0 + 1, rowOf(data, this.cursor) * ROW_HEIGHT_PX + 1, Math.max(w - 2, 2), ROW_HEIGHT_PX - 3);
    }
    this.lastDrawMs = performance.now() - t0;
    canvas.dataset['drawMs'] = this.lastDrawMs.toFixed(2);
  }

  private nodeAt(e: MouseEvent): number {
    const data = this.data;
    if (!data) return -1;
    const rect = this.canvas.getBoundingClientRect();
    const d = Math.floor((e.clientY - rect.top) / ROW_HEIGHT_PX);
    if (d < 0 || d >= data.rowStart.length - 1) return -1;
    const viewStart = data.start[this.focus] as number;
    const viewTotal = Math.max(1, data.total[this.focus] as number);
    const tick = viewStart + ((e.clientX - rect.left) / rect.width) * viewTotal;
    // Binary search the row (sorted by start) for the last node starting at or before tick.
    let lo = data.rowStart[d] as number;
    let hi = (data.rowStart[d + 1] as number) - 1;
    if (hi < lo) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((data.start[mid] as number) <= tick) lo = mid; else hi = mid - 1;
    }
    const s = data.start[lo] as number;
    if (tick < s || tick >= s + (data.total[lo] as number)) return -1;
    return lo;
  }

  private onHover(e: MouseEvent): void {
    const data = this.data;
    const i = this.nodeAt(e);
    if (!data || i < 0) {
      this.tooltip.hidden = true;
      this.canvas.removeAttribute('aria-describedby');
      return;
    }
    const { name, lines } = this.describe(i);
    this.tooltip.replaceChildren(
      h('strong', { class: 'tooltip-name', text: name }),
      h('dl', {}, ...lines.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })])),
    );
    this.tooltip.hidden = false;
    this.canvas.setAttribute('aria-describedby', 'flame-tooltip');
    const wrap = this.canvas.getBoundingClientRect();
    const x = e.clientX - wrap.left + 14;
    const y = e.clientY - wrap.top + 14;
    const maxX = wrap.width - this.tooltip.offsetWidth - 4;
    this.tooltip.style.left = `${Math.max(0, Math.min(x, maxX))}px`;
    this.tooltip.style.top = `${y}px`;
  }

  /** Name and value lines of node `i`, for the tooltip and the keyboard announcement. */
  private describe(i: number): { name: string; lines: Array<[string, string]> } {
    const data = this.data as FlameData;
    const name = data.names[data.name[i] as number] as string;
    const lines: Array<[string, string]> = [];
    if (data.diff) {
      const lt = data.leftTotal[i] as number;
      const rt = data.rightTotal[i] as number;
      lines.push(['Baseline total', `${formatValue(lt, this.units)} (${formatPercent(lt, data.leftTicks)})`]);
      lines.push(['Comparison total', `${formatValue(rt, this.units)} (${formatPercent(rt, data.rightTicks)})`]);
      lines.push(['Change', formatChange(lt / Math.max(1, data.leftTicks), rt / Math.max(1, data.rightTicks))]);
    } else {
      const t = data.total[i] as number;
      const sf = data.self[i] as number;
      lines.push(['Total', `${formatValue(t, this.units)} (${formatPercent(t, data.numTicks)})`]);
      lines.push(['Self', `${formatValue(sf, this.units)} (${formatPercent(sf, data.numTicks)})`]);
    }
    return { name, lines };
  }

  /**
   * Keyboard: arrows move a frame cursor (Up = caller, Down = first callee, Left/Right =
   * neighbours in the row), Enter zooms into it, Escape zooms out. The cursor is announced.
   */
  private onKey(e: KeyboardEvent): void {
    const data = this.data;
    if (!data) return;
    if (e.key === 'Escape') { this.zoomOut(); return; }
    if (e.key === 'Enter' && this.cursor >= 0) { this.zoomTo(this.cursor, e.timeStamp); return; }
    const cur = this.cursor >= 0 ? this.cursor : this.focus;
    let next = -1;
    const row = rowOf(data, cur);
    if (e.key === 'ArrowUp') next = data.parent[cur] as number;
    else if (e.key === 'ArrowDown') {
      const end = data.rowStart[row + 2] ?? -1;
      for (let k = data.rowStart[row + 1] ?? end; k < end; k++) if (data.parent[k] === cur) { next = k; break; }
    } else if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      const k = cur + (e.key === 'ArrowLeft' ? -1 : 1);
      const viewStart = data.start[this.focus] as number;
      const viewEnd = viewStart + (data.total[this.focus] as number);
      const inRow = k >= (data.rowStart[row] as number) && k < (data.rowStart[row + 1] as number);
      if (inRow && (data.start[k] as number) < viewEnd && (data.start[k] as number) + (data.total[k] as number) > viewStart) next = k;
    } else return;
    e.preventDefault();
    if (next < 0) return;
    this.cursor = next;
    const { name, lines } = this.describe(next);
    this.cursorStatus.textContent = `${name}: ${lines.map(([k, v]) => `${k} ${v}`).join(', ')}`;
    this.draw();
  }

  private onClick(e: MouseEvent): void {
    const i = this.nodeAt(e);
    if (i >= 0) this.zoomTo(i, e.timeStamp);
  }
}
