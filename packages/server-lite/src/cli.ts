#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { resolveConfig } from './config/resolve-config.js';
import { startServer } from './server.js';
import { checkDataDir, formatCheck } from './store/check-data-dir.js';

const USAGE = `usage: kprof-server [--config file.yml] [--data-dir dir] [--listen host:port]
       kprof-server check [--config file.yml] [--data-dir dir]

  --config    YAML config file (env KPROF_CONFIG)
  --data-dir  where the blocks live (env KPROF_DATA_DIR, default ./data)
  --listen    address to listen on (env KPROF_LISTEN, default :4040)

  check       verifies the data directory (every block's integrity, that every stored reference
              resolves and nothing unreferenced is left) and says how to repair; exits 1 when it
              finds a problem. Read-only: safe while the server runs.
`;

// The CLI is the one place that writes to the terminal directly: errors before a logger exists.
function fail(message: string): never {
  process.stderr.write(`kprof-server: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let values: { config?: string; 'data-dir'?: string; listen?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      options: {
        config: { type: 'string', short: 'c' },
        'data-dir': { type: 'string' },
        listen: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    }));
    if (positionals.length > 1 || (positionals.length === 1 && positionals[0] !== 'check')) throw new Error(`unknown command ${JSON.stringify(positionals.join(' '))}`);
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`);
  }
  if (values.help === true) {
    process.stdout.write(USAGE);
    return;
  }
  let config;
  try {
    config = resolveConfig(
      {
        ...(values.config !== undefined ? { config: values.config } : {}),
        ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
        ...(values.listen !== undefined ? { listen: values.listen } : {}),
      },
      process.env,
    );
  } catch (err) {
    fail((err as Error).message);
  }
  if (positionals[0] === 'check') {
    const report = checkDataDir(config.dataDir);
    process.stdout.write(formatCheck(report, config.dataDir));
    process.exit(report.ok ? 0 : 1);
  }
  let server;
  try {
    server = await startServer(config);
  } catch (err) {
    const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
    fail(`cannot start: ${(err as Error).message}${inUse ? '; choose another address with --listen or KPROF_LISTEN' : ''}`);
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`kprof-server: ${signal}, shutting down\n`);
    server.close().then(
      () => process.exit(0),
      (err: unknown) => fail(`shutdown failed: ${(err as Error).message}`),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Announced only once a signal stops it cleanly: whoever waits for this line may send one at once.
  process.stdout.write(`kprof-server listening on ${server.url} (data in ${config.dataDir})\n`);
}

void main();
