import { statSync } from 'node:fs';

/** Bytes of a file, 0 when it does not exist (a WAL between checkpoints, a block being deleted). */
export function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
