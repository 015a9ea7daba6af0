import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gcFn: (() => void) | undefined;

/**
 * Go's `heap?gc=1` runs a full GC first. Node exposes `gc()` only with --expose-gc; setting the flag at run time and
 * reading `gc` from a fresh context gives the same function without restarting the host with different flags.
 */
export function runFullGc(): void {
  if (!gcFn) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (typeof exposed === 'function') {
      gcFn = exposed;
    } else {
      setFlagsFromString('--expose-gc');
      gcFn = runInNewContext('gc') as () => void;
    }
  }
  gcFn();
}
