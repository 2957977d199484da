import { type Command, InvalidArgumentError } from 'commander';
import { CioError } from '../../core/errors.js';
import {
  CATALOG_GROWTHS,
  type CatalogGrowth,
  DEFAULT_NOW,
  LIMITER_MODES,
  type LimiterMode,
  SHAPES,
  type Shapes,
  type Simulator,
  sendWebhooks,
  startSimulator,
  webhookEvents,
} from '../../sim/index.js';
import { integer, nonNegative, port, positive, probability } from '../number-args.js';
import { defaulted, withDefault } from '../options.js';

interface SimFlags {
  port: number;
  host: string;
  seed: number;
  scale: number;
  rps: number;
  latencyMs: number;
  token: string;
  faultRate: number;
  now?: number;
  shapes: Shapes;
  limiter: LimiterMode;
  catalogGrowth: CatalogGrowth;
  empty?: boolean;
  webhookUrl?: string;
  webhookRate: number;
  webhookDuplicates: number;
}

/** How the command talks to the outside world; tests swap it to avoid real signals. */
export interface SimCommandIo {
  write(line: string): void;
  /** Resolves when the simulator should stop. */
  untilStopped(): Promise<void>;
  /** Where CIO_WEBHOOK_SIGNING_KEY is read (the process's environment). */
  env?: NodeJS.ProcessEnv;
}

const processIo: SimCommandIo = {
  write: (line) => process.stdout.write(`${line}\n`),
  untilStopped: () =>
    new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    }),
};

/** A commander parser accepting one of `choices`, or a usage error (exit 2) listing them. */
function oneOf<T extends string>(choices: readonly T[]) {
  return (raw: string): T => {
    const found = choices.find((choice) => choice === raw);
    if (found === undefined) throw new InvalidArgumentError(`expected one of ${choices.join(', ')}`);
    return found;
  };
}

export function registerSimCommand(program: Command, io: SimCommandIo = processIo): void {
  program
    .command('sim')
    .description('Run the local Customer.io App API simulator until interrupted (Ctrl-C)')
    .addOption(defaulted('--port <n>', 'port to listen on (0 = any free port)', 0, port))
    .addOption(defaulted('--host <host>', 'interface to listen on', '127.0.0.1'))
    .addOption(defaulted('--seed <n>', 'seed of the simulated workspace', 1, integer))
    .addOption(defaulted('--scale <s>', 'size multiplier (1 = ~2,500 messages, ~600 customers)', 1, positive))
    .addOption(
      defaulted('--rps <n>', 'rate limit per token in requests per second (0 = none)', 10, nonNegative),
    )
    .addOption(defaulted('--latency-ms <n>', 'delay added to every response', 0, nonNegative))
    .addOption(defaulted('--token <token>', 'the bearer token the simulator accepts', 'sim-token'))
    .addOption(
      defaulted('--fault-rate <p>', 'probability of a random transient fault per request', 0, probability),
    )
    .option(
      '--now <unix>',
      withDefault(
        'the simulated "now" in unix seconds',
        `${DEFAULT_NOW} = ${new Date(DEFAULT_NOW * 1000).toISOString()}`,
      ),
      integer,
    )
    .addOption(
      defaulted<Shapes>(
        '--shapes <kind>',
        'live: answer as real workspaces do where they differ from the vendor spec; spec: as the spec documents',
        'live',
        oneOf(SHAPES),
      ),
    )
    .option('--empty', 'serve an empty workspace: nothing in any list')
    .addOption(
      defaulted<LimiterMode>(
        '--limiter <mode>',
        'how --rps is counted: token-bucket, rolling (per rolling second) or fixed-window',
        'token-bucket',
        oneOf(LIMITER_MODES),
      ),
    )
    .addOption(
      defaulted<CatalogGrowth>(
        '--catalog-growth <kind>',
        'above scale 1, how campaigns, newsletters, segments, senders and suppressions grow: sqrt (with the square root of --scale) or linear',
        'sqrt',
        oneOf(CATALOG_GROWTHS),
      ),
    )
    .option(
      '--webhook-url <url>',
      "also act as Customer.io's reporting webhook: send the world's delivery events there, signed with CIO_WEBHOOK_SIGNING_KEY",
    )
    .addOption(
      defaulted('--webhook-rate <n>', 'webhook events per second at most (0 = no limit)', 0, nonNegative),
    )
    .addOption(
      defaulted(
        '--webhook-duplicates <p>',
        'probability that an event is delivered twice',
        0.01,
        probability,
      ),
    )
    .action(async (flags: SimFlags) => {
      const key = (io.env ?? process.env).CIO_WEBHOOK_SIGNING_KEY ?? '';
      if (flags.webhookUrl !== undefined && key.trim() === '') {
        throw new CioError(
          'CIO_ERR_CONFIG',
          '--webhook-url needs the signing key in CIO_WEBHOOK_SIGNING_KEY (the same one `cio-sync serve` checks).',
        );
      }
      const sim = await startSimulator({
        port: flags.port,
        host: flags.host,
        seed: flags.seed,
        scale: flags.scale,
        rps: flags.rps,
        latencyMs: flags.latencyMs,
        token: flags.token,
        faultRate: flags.faultRate,
        ...(flags.now !== undefined ? { now: flags.now } : {}),
        shapes: flags.shapes,
        limiter: flags.limiter,
        catalogGrowth: flags.catalogGrowth,
        world: flags.empty === true ? 'empty' : 'seeded',
      }).catch((error: unknown) => {
        throw listenError(error, flags.host, flags.port);
      });
      // The simulator's token is not a secret: clients need it to connect.
      io.write(`Simulator listening on ${sim.url} (token: ${sim.token})`);
      const stopSending = new AbortController();
      const sending =
        flags.webhookUrl === undefined
          ? undefined
          : sendWorldWebhooks(
              sim,
              { ...flags, webhookUrl: flags.webhookUrl },
              key.trim(),
              io,
              stopSending.signal,
            );
      try {
        await io.untilStopped();
      } finally {
        stopSending.abort();
        await sending;
        await sim.stop();
      }
    });
}

/** Sends the world's webhook events in order, one at a time, reporting progress and the total. */
async function sendWorldWebhooks(
  sim: Simulator,
  flags: SimFlags & { webhookUrl: string },
  key: string,
  io: SimCommandIo,
  signal: AbortSignal,
): Promise<void> {
  const events = webhookEvents(sim.truth().messages, flags.seed);
  io.write(`Sending ${events.length} webhook events to ${flags.webhookUrl}`);
  let acknowledged = 0;
  const result = await sendWebhooks({
    url: flags.webhookUrl,
    key,
    events,
    rate: flags.webhookRate,
    duplicateRate: flags.webhookDuplicates,
    seed: flags.seed,
    signal,
    onAck: () => {
      acknowledged++;
      if (acknowledged % 500 === 0) io.write(`${acknowledged} webhook requests acknowledged`);
    },
    onRetry: (event, reason, delayMs) =>
      io.write(`webhook event ${event.eventId}: ${reason}; retrying in ${delayMs} ms, later events wait`),
  });
  io.write(
    `Webhook events sent: ${result.sent} (${result.duplicates} delivered twice, ${result.retries} retries)`,
  );
}

/** Why the simulator could not listen, in one sentence with what to do. */
function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  const where = `${host}:${port}`;
  if (code === 'EADDRINUSE') {
    return new CioError(
      'CIO_ERR_CONFIG',
      `Port ${port} on ${host} is already in use (another simulator?); choose another with --port, or --port 0 for any free port.`,
    );
  }
  if (code === 'EACCES') {
    return new CioError('CIO_ERR_CONFIG', `Not allowed to listen on ${where}; choose a port above 1023.`);
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new CioError('CIO_ERR_CONFIG', `Cannot listen on ${where}: no such local address; check --host.`);
  }
  return error;
}
