/**
 * The query bearer token (server-lite `auth.query-tokens`) the user typed into the sign-in
 * prompt. Kept in sessionStorage — gone when the tab closes, never in the URL — and sent as
 * `Authorization: Bearer …` on every API call.
 */
const KEY = 'kprof.queryToken';

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled: the token lives for this page only
  }
}

let pageOnly: string | null = null;

/** The stored token, or null when none was entered. */
export function getToken(): string | null {
  return storage()?.getItem(KEY) ?? pageOnly;
}

/** Stores `token` (trimmed) for this tab. */
export function setToken(token: string): void {
  pageOnly = token.trim();
  storage()?.setItem(KEY, pageOnly);
}

/** Forgets the token (sign out, or after the server refused it). */
export function clearToken(): void {
  pageOnly = null;
  storage()?.removeItem(KEY);
}

/** Headers every API call sends: JSON accepted, plus the bearer token when there is one. */
export function apiHeaders(): Record<string, string> {
  const token = getToken();
  return token ? { accept: 'application/json', authorization: `Bearer ${token}` } : { accept: 'application/json' };
}
