import type { TenantLimits } from '../config/resolve-config.js';
import { LimitError } from '../errors.js';
import type { IntakeRequest } from './intake-request.js';

const MINUTE_MS = 60_000;
// Keys counted at most; past it, counts of earlier minutes go first.
const MAX_KEYS = 100_000;

/**
 * `limits.app-max-bytes-per-minute` and `limits.tenant-max-bytes-per-minute`: request bytes (as
 * received) per application and per tenant in each clock minute, checked before a request is
 * converted so an over-sending client costs no decode work. A request is all or nothing: it is
 * refused (429) if any of its profiles does not fit, and nothing of it is counted then.
 */
export class IngestRateLimiter {
  readonly #limits: Pick<TenantLimits, 'appMaxBytesPerMinute' | 'tenantMaxBytesPerMinute'>;
  readonly #now: () => number;
  readonly #bytes = new Map<string, { minute: number; bytes: number }>();

  constructor(limits: Pick<TenantLimits, 'appMaxBytesPerMinute' | 'tenantMaxBytesPerMinute'>, now: () => number) {
    this.#limits = limits;
    this.#now = now;
  }

  /** Counts `requests`' bytes, or throws `LimitError` `KPROF_LIMIT_APP_BYTES` / `KPROF_LIMIT_TENANT_BYTES` (429) counting nothing. */
  take(requests: readonly IntakeRequest[]): void {
    const { appMaxBytesPerMinute: perApp, tenantMaxBytesPerMinute: perTenant } = this.#limits;
    if (perApp === 0 && perTenant === 0) return;
    const minute = Math.floor(this.#now() / MINUTE_MS);
    const wanted = new Map<string, number>();
    for (const r of requests) {
      const tenant = r.tenant ?? '';
      if (perApp > 0) wanted.set(`a${tenant}\u0000${r.series.app}`, (wanted.get(`a${tenant}\u0000${r.series.app}`) ?? 0) + r.receivedBytes);
      if (perTenant > 0) wanted.set(`t${tenant}`, (wanted.get(`t${tenant}`) ?? 0) + r.receivedBytes);
    }
    for (const [key, bytes] of wanted) {
      const used = this.#used(key, minute);
      const max = key.startsWith('a') ? perApp : perTenant;
      if (used + bytes <= max) continue;
      const who = key.slice(1).replace('\u0000', ' / ');
      throw key.startsWith('a')
        ? new LimitError('KPROF_LIMIT_APP_BYTES', `application ${JSON.stringify(who)} sent ${used} bytes this minute and this request adds ${bytes}, over limits.app-max-bytes-per-minute (${max}); retry later or raise the limit`)
        : new LimitError('KPROF_LIMIT_TENANT_BYTES', `tenant ${JSON.stringify(who)} sent ${used} bytes this minute and this request adds ${bytes}, over limits.tenant-max-bytes-per-minute (${max}); retry later or raise the limit`);
    }
    for (const [key, bytes] of wanted) {
      if (!this.#bytes.has(key) && this.#bytes.size >= MAX_KEYS) {
        for (const [k, c] of this.#bytes) if (c.minute !== minute) this.#bytes.delete(k);
      }
      this.#bytes.set(key, { minute, bytes: this.#used(key, minute) + bytes });
    }
  }

  #used(key: string, minute: number): number {
    const c = this.#bytes.get(key);
    return c === undefined || c.minute !== minute ? 0 : c.bytes;
  }
}
