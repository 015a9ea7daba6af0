import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { UnauthorizedError } from '../errors.js';

/**
 * Checks `Authorization: Bearer <token>` against `tokens` (constant-time compare). An empty
 * list means auth is off for this side. Throws `UnauthorizedError` `KPROF_UNAUTHORIZED`.
 */
export function checkBearer(req: IncomingMessage, tokens: readonly string[], side: 'ingest' | 'query'): void {
  if (tokens.length === 0) return;
  const header = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (m !== null) {
    const given = Buffer.from(m[1] as string);
    for (const t of tokens) {
      const want = Buffer.from(t);
      if (want.length === given.length && timingSafeEqual(want, given)) return;
    }
  }
  throw new UnauthorizedError(
    'KPROF_UNAUTHORIZED',
    `${side} requires a bearer token (auth.${side}-tokens): send Authorization: Bearer <token>`,
  );
}
