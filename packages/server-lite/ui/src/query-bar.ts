import { type AppInfo, fetchLabelValues, fetchLabels, fetchPprof } from './api.js';
import { splitSeriesName } from './app-groups.js';
import { h } from './dom.js';
import { type LabelMatcher, formatQuery, parseQuery } from './flameql.js';
import { TIME_PRESETS, displayTime, parseTimeInput } from './time-input.js';
import type { ViewState } from './url-state.js';

const OPS: ReadonlyArray<LabelMatcher['op']> = ['=', '!=', '=~', '!~'];

function timeField(id: string, label: string, value: string): { wrap: HTMLElement; input: HTMLInputElement } {
  const input = h('input', { type: 'text', id, value: displayTime(value), size: 19, spellcheck: 'false' });
  return { wrap: h('span', { class: 'field' }, h('label', { for: id, text: label }), input), input };
}

/**
 * The query bar: profile type, label filters (names from `/labels`, values from
 * `/label-values`), time range (presets and absolute), compare and download. Every change
 * goes through `onChange`, which writes it to the URL.
 */
export function queryBar(state: ViewState, apps: AppInfo[], onChange: (patch: Partial<ViewState>) => void): HTMLElement {
  const parsed = parseQuery(state.query);
  const { app } = splitSeriesName(parsed.name);
  const series = apps.filter((a) => splitSeriesName(a.name).app === app).map((a) => a.name);
  if (!series.includes(parsed.name)) series.unshift(parsed.name);

  const typeSelect = h('select', { id: 'profile-type' }, ...series.map((s) =>
    h('option', { value: s, selected: s === parsed.name, text: splitSeriesName(s).type })));
  typeSelect.addEventListener('change', () => onChange({ query: formatQuery({ name: typeSelect.value, matchers: parsed.matchers }) }));

  const filters = h('ul', { class: 'filters', 'aria-label': 'Label filters' });
  const matchers: LabelMatcher[] = parsed.matchers.map((m) => ({ ...m }));
  const labelNames = fetchLabels(parsed.name, state.from, state.until)
    .then((names) => names.filter((n) => n !== '__name__'))
    .catch(() => [] as string[]);
  const apply = (): void => onChange({ query: formatQuery({ name: parsed.name, matchers }) });

  const renderFilters = (): void => {
    filters.replaceChildren(...matchers.map((m, k) => {
      const keyId = `filter-key-${k}`;
      const valId = `filter-value-${k}`;
      const keySelect = h('select', { id: keyId }, h('option', { value: '', text: '(label)' }));
      const opSelect = h('select', { 'aria-label': `Operator of filter ${k + 1}` }, ...OPS.map((o) => h('option', { value: o, selected: o === m.op, text: o })));
      const valueInput = h('input', { id: valId, value: m.value, list: `${valId}-list`, autocomplete: 'off' });
      const valueList = h('datalist', { id: `${valId}-list` });
      const remove = h('button', { type: 'button', text: '×', 'aria-label': `Remove filter ${k + 1}` });
      void labelNames.then((names) => {
        for (const n of new Set([...names, m.key].filter(Boolean))) keySelect.append(h('option', { value: n, selected: n === m.key, text: n }));
      });
      const loadValues = (): void => {
        valueList.replaceChildren();
        if (!m.key) return;
        fetchLabelValues(m.key, parsed.name, state.from, state.until)
          .then((vals) => valueList.replaceChildren(...vals.map((v) => h('option', { value: v }))))
          .catch(() => undefined);
      };
      loadValues();
      keySelect.addEventListener('change', () => { m.key = keySelect.value; loadValues(); });
      opSelect.addEventListener('change', () => { m.op = opSelect.value as LabelMatcher['op']; });
      valueInput.addEventListener('change', () => { m.value = valueInput.value; });
      valueInput.addEventListener('keydown', (e) => { if (e.key === 'Enter') { m.value = valueInput.value; apply(); } });
      remove.addEventListener('click', () => { matchers.splice(k, 1); apply(); });
      return h('li', { class: 'filter' },
        h('label', { for: keyId, class: 'sr-only', text: `Label of filter ${k + 1}` }), keySelect, opSelect,
        h('label', { for: valId, class: 'sr-only', text: `Value of filter ${k + 1}` }), valueInput, valueList, remove);
    }));
  };
  renderFilters();
  const addFilter = h('button', { type: 'button', text: '+ Label filter' });
  addFilter.addEventListener('click', () => { matchers.push({ key: '', op: '=', value: '' }); renderFilters(); });
  const applyFilters = h('button', { type: 'button', text: 'Apply filters' });
  applyFilters.addEventListener('click', apply);

  const diff = state.view === 'diff';
  const presets = h('div', { class: 'presets', role: 'group', 'aria-label': 'Time range presets' }, ...TIME_PRESETS.map((p) => {
    const pressed = !diff && state.from === p.from && state.until === 'now';
    const b = h('button', { type: 'button', text: p.label, 'aria-pressed': String(pressed), title: `Last ${p.label}` });
    b.addEventListener('click', () => onChange({ from: p.from, until: 'now' }));
    return b;
  }));

  const timeError = h('span', { class: 'time-error', role: 'alert' });
  const fields = diff
    ? [timeField('left-from', 'Baseline from', state.leftFrom), timeField('left-until', 'Baseline until', state.leftUntil),
      timeField('right-from', 'Comparison from', state.rightFrom), timeField('right-until', 'Comparison until', state.rightUntil)]
    : [timeField('time-from', 'From', state.from), timeField('time-until', 'Until', state.until)];
  // A diff can also compare two label sets: the comparison side may have its own query.
  const rightQuery = diff ? h('input', { type: 'text', id: 'right-query', value: state.rightQuery || state.query, size: 36, spellcheck: 'false' }) : null;
  const applyTime = h('button', { type: 'button', text: 'Apply range' });
  applyTime.addEventListener('click', () => {
    const values = fields.map((f) => parseTimeInput(f.input.value));
    const bad = values.findIndex((v) => v === null);
    if (bad >= 0) {
      timeError.textContent = `Cannot read “${fields[bad]?.input.value}”: use now-1h, unix seconds or YYYY-MM-DD HH:MM`;
      return;
    }
    const [a, b, c, d] = values as string[];
    const rq = rightQuery?.value.trim() ?? '';
    onChange(diff
      ? { leftFrom: a, leftUntil: b, rightFrom: c, rightUntil: d, rightQuery: rq === state.query ? '' : rq }
      : { from: a, until: b });
  });

  const mode = h('button', { type: 'button', text: diff ? 'Single view' : 'Compare ranges (diff)' });
  mode.addEventListener('click', () => onChange(diff
    ? { view: 'single' }
    : { view: 'diff', leftFrom: state.from, leftUntil: state.until, rightFrom: state.from, rightUntil: state.until }));
  const download = diff ? null : downloadButton(state, `${parsed.name}.pb.gz`);

  const form = h('form', { class: 'query-bar', 'aria-label': 'Query', role: 'search' },
    h('span', { class: 'field' }, h('label', { for: 'profile-type', text: 'Profile type' }), typeSelect),
    h('div', { class: 'filter-box' }, filters, addFilter, applyFilters),
    diff ? null : presets,
    ...fields.map((f) => f.wrap),
    rightQuery ? h('span', { class: 'field' }, h('label', { for: 'right-query', text: 'Comparison query' }), rightQuery) : null,
    applyTime, timeError, mode, download);
  // Enter in a field must not reload the page; the explicit buttons apply changes.
  form.addEventListener('submit', (e) => e.preventDefault());
  return form;
}

/**
 * "Download pprof": fetches the view with the API headers (so it works with a query token,
 * which a plain link cannot send) and saves the answer through a blob URL.
 */
function downloadButton(state: ViewState, fileName: string): HTMLElement {
  const button = h('button', { type: 'button', text: 'Download pprof' });
  const status = h('span', { class: 'download-status', role: 'status' });
  button.addEventListener('click', () => {
    button.disabled = true;
    status.textContent = 'Preparing download…';
    fetchPprof(state.query, state.from, state.until, state.maxNodes)
      .then((blob) => {
        const url = URL.createObjectURL(blob);
        const a = h('a', { href: url, download: fileName, hidden: true });
        document.body.append(a);
        a.click();
        a.remove();
        // Revoking at once can cancel a download that has not read the blob yet.
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
        status.textContent = '';
      })
      .catch((err: unknown) => {
        status.textContent = `Download failed: ${(err as Error).message}`;
      })
      .finally(() => { button.disabled = false; });
  });
  return h('span', { class: 'download' }, button, status);
}
