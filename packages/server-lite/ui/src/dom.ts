type Attrs = Record<string, string | number | boolean | undefined>;

/** Creates an element with attributes (`on…` keys are skipped: wire events explicitly) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Attrs = {}, ...children: Array<Node | string | null | undefined>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') el.className = String(v);
    else if (k === 'text') el.textContent = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    el.append(c);
  }
  return el;
}

/** Shows a status message (loading, empty, error) in `host`, replacing its content. */
export function showMessage(host: HTMLElement, kind: 'loading' | 'empty' | 'error', text: string): void {
  host.replaceChildren(h('div', {
    class: `message message-${kind}`,
    role: kind === 'error' ? 'alert' : 'status',
    text,
  }));
  host.setAttribute('aria-busy', kind === 'loading' ? 'true' : 'false');
}
