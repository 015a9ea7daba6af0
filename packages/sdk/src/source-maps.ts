import type { SourceMapper } from '@datadog/pprof';
import { loadEngine } from './engine.js';
import type { Logger } from './logger.js';

/** State of source-map loading, reported in `stats().sourceMaps`. */
export interface SourceMapStats {
  state: 'off' | 'loading' | 'ready' | 'failed';
  /** Directories searched. */
  dirs: readonly string[];
  /** Generated files whose maps were loaded. */
  mappedFiles: number;
  /** Time the directory scan took, ms. */
  loadMs?: number;
}

/**
 * Source maps for the profilers. The mapper object is handed to the profilers at once (they apply it when a profile is
 * serialized, not when samples are taken) and filled in the background, so `start()` stays synchronous; frames
 * serialized before loading ends keep their `.js` location. Equivalent to `SourceMapper.create(dirs)`, which awaits
 * the same `loadDirectory` calls before returning the mapper.
 */
export class SourceMaps {
  readonly mapper: SourceMapper;
  private readonly info: SourceMapStats;

  constructor(dirs: readonly string[], logger: Logger) {
    const mapper = new (loadEngine().SourceMapper)(false);
    const info: SourceMapStats = { state: 'loading', dirs, mappedFiles: 0 };
    this.mapper = mapper;
    this.info = info;
    // Only a throwing host logger can reject it; never leave that as an unhandled rejection.
    void loadAll(mapper, info, dirs, logger).catch(() => undefined);
  }

  stats(): SourceMapStats {
    return { ...this.info };
  }
}

async function loadAll(mapper: SourceMapper, info: SourceMapStats, dirs: readonly string[], logger: Logger): Promise<void> {
  const started = Date.now();
  let failures = 0;
  for (const dir of dirs) {
    try {
      await mapper.loadDirectory(dir);
    } catch (err) {
      failures++;
      logger.warn({ dir, err }, 'source maps could not be loaded from a directory; its frames stay unmapped');
    }
  }
  info.mappedFiles = mapper.infoMap.size;
  info.loadMs = Date.now() - started;
  info.state = failures === dirs.length && dirs.length > 0 ? 'failed' : 'ready';
  logger.info({ dirs, mappedFiles: info.mappedFiles, loadMs: info.loadMs }, 'source maps loaded');
}

/** Stats when source maps are off. */
export const SOURCE_MAPS_OFF: SourceMapStats = Object.freeze({ state: 'off', dirs: Object.freeze([]), mappedFiles: 0 });

/**
 * `sourceMaps: true` searches the working directory: services are started from their project root, where the build
 * output and its maps live. When the working directory is `/` (some containers) a recursive scan would walk the whole
 * filesystem, so the main script's directory is used instead.
 */
export function defaultSourceMapDir(): string {
  const cwd = process.cwd();
  if (cwd !== '/' || !process.argv[1]) return cwd;
  const main = process.argv[1];
  return main.slice(0, Math.max(1, main.lastIndexOf('/')));
}
