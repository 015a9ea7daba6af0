import type { Request, Response } from 'express';
import type { RouterConfig } from './config.js';
import { sendErrorAnswer } from './go-replies.js';

/**
 * Runs the `authorize` hook and answers denied requests. Fails closed: anything but `true` or a valid decision object
 * denies with 403, and a hook that throws answers 500 (logged), so a bug in the hook never opens the routes.
 * @returns true when the request may be served.
 */
export async function authorizeRequest(config: RouterConfig, req: Request, res: Response): Promise<boolean> {
  if (!config.authorize) return true;
  let decision: unknown;
  try {
    decision = await config.authorize(req);
  } catch (err) {
    config.logger.error({ err, path: req.originalUrl }, 'pprof authorize hook threw; request denied');
    sendErrorAnswer(res, 'KPROF_EXPRESS_AUTHORIZE_FAILED', 'authorization check failed (the authorize hook threw; see the server log)');
    return false;
  }
  if (decision === true) return true;
  if (decision !== null && typeof decision === 'object' && (decision as { status?: unknown }).status === 401) {
    const d = decision as { message?: unknown; wwwAuthenticate?: unknown };
    const headers = typeof d.wwwAuthenticate === 'string' ? { 'WWW-Authenticate': d.wwwAuthenticate } : undefined;
    sendErrorAnswer(res, 'KPROF_EXPRESS_UNAUTHORIZED', typeof d.message === 'string' ? d.message : 'unauthorized: credentials are required for /debug/pprof', headers);
    return false;
  }
  if (decision !== false && !(decision !== null && typeof decision === 'object' && (decision as { status?: unknown }).status === 403)) {
    config.logger.warn({ decision: String(decision) }, 'pprof authorize hook returned neither a boolean nor { status: 401 | 403 }; denied');
  }
  const message = (decision as { message?: unknown } | null)?.message;
  sendErrorAnswer(res, 'KPROF_EXPRESS_FORBIDDEN', typeof message === 'string' ? message : 'forbidden: this client may not read /debug/pprof');
  return false;
}
