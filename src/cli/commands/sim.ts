import { type Command, InvalidArgumentError } from 'commander';
import { LIMITER_MODES, type LimiterMode, SHAPES, type Shapes, startSimulator } from '../../sim/index.js';

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
  empty?: boolean;
}

/** How the command talks to the outside world; tests swap it to avoid real signals. */
export interface SimCommandIo {
  write(line: string): void;
  /** Resolves when the simulator should stop. */
  untilStopped(): Promise<void>;
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

function numberArg(what: string, ok: (n: number) => boolean) {
  return (raw: string): number => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || !ok(n))
      throw new InvalidArgumentError(`expected ${what}`);
    return n;
  };
}

const integer = numberArg('an integer', Number.isInteger);
const port = numberArg('a port number (0-65535)', (n) => Number.isInteger(n) && n >= 0 && n <= 65535);
const positive = numberArg('a number > 0', (n) => n > 0);
const nonNegative = numberArg('a number >= 0', (n) => n >= 0);
const probability = numberArg('a probability between 0 and 1', (n) => n >= 0 && n <= 1);

function limiterArg(raw: string): LimiterMode {
  const found = LIMITER_MODES.find((mode) => mode === raw);
  if (found === undefined) throw new InvalidArgumentError(`expected ${LIMITER_MODES.join(', ')}`);
  return found;
}

function shapesArg(raw: string): Shapes {
  const found = SHAPES.find((s) => s === raw);
  if (found === undefined) throw new InvalidArgumentError(`expected ${SHAPES.join(' or ')}`);
  return found;
}

export function registerSimCommand(program: Command, io: SimCommandIo = processIo): void {
  program
    .command('sim')
    .description('Run the local Customer.io App API simulator until interrupted (Ctrl-C)')
    .option('--port <n>', 'port to listen on (0 = any free port)', port, 0)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--seed <n>', 'seed of the simulated workspace', integer, 1)
    .option('--scale <s>', 'size multiplier (1 = ~2,500 messages, ~600 customers)', positive, 1)
    .option('--rps <n>', 'rate limit per token in requests per second (0 = none)', nonNegative, 10)
    .option('--latency-ms <n>', 'delay added to every response', nonNegative, 0)
    .option('--token <token>', 'the bearer token the simulator accepts', 'sim-token')
    .option('--fault-rate <p>', 'probability of a random transient fault per request', probability, 0)
    .option('--now <unix>', 'the simulated "now" in unix seconds (default 2026-01-01)', integer)
    .option(
      '--shapes <kind>',
      'live: answer as real workspaces do where they differ from the vendor spec; spec: as the spec documents',
      shapesArg,
      'live',
    )
    .option('--empty', 'serve an empty workspace: nothing in any list')
    .option(
      '--limiter <mode>',
      'how --rps is counted: token-bucket, rolling (per rolling second) or fixed-window',
      limiterArg,
      'token-bucket',
    )
    .action(async (flags: SimFlags) => {
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
        world: flags.empty === true ? 'empty' : 'seeded',
      });
      // The simulator's token is not a secret: clients need it to connect.
      io.write(`Simulator listening on ${sim.url} (token: ${sim.token})`);
      try {
        await io.untilStopped();
      } finally {
        await sim.stop();
      }
    });
}
