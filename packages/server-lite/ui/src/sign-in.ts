import { h } from './dom.js';

/** Why the sign-in prompt is shown. */
export interface SignInReason {
  /** A token was sent and the server refused it (else none had been entered yet). */
  refused: boolean;
  /** The server's message, shown under the prompt. */
  serverMessage: string;
}

/**
 * The prompt shown when the server answers 401 (server-lite with `auth.query-tokens`): one
 * labelled password field for the query bearer token. `onSubmit` gets the trimmed token.
 */
export function signInForm(reason: SignInReason, onSubmit: (token: string) => void): HTMLElement {
  const input = h('input', { type: 'password', id: 'query-token', name: 'token', autocomplete: 'current-password', required: true, spellcheck: 'false' });
  const error = reason.refused
    ? h('p', { class: 'message message-error', role: 'alert', text: `The server refused this token. Check it and try again. Server: ${reason.serverMessage}` })
    : null;
  const form = h('form', { class: 'sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h2', { id: 'sign-in-title', text: 'Sign in' }),
    h('p', { text: 'This server needs a query token (its auth.query-tokens) to show profiles. The token is kept in this browser tab only and sent as an Authorization header.' }),
    error,
    h('div', { class: 'field' }, h('label', { for: 'query-token', text: 'Query token' }), input),
    h('button', { type: 'submit', text: 'Sign in' }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (token) onSubmit(token);
  });
  return form;
}
