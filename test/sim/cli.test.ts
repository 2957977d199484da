/** `cio-sync sim`: flags reach the simulator, the URL line is printed, stop closes the server. */
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerSimCommand } from '../../src/cli/commands/sim.js';

function program(io: Parameters<typeof registerSimCommand>[1]): Command {
  const p = new Command('cio-sync').exitOverride();
  p.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerSimCommand(p, io);
  return p;
}

describe('cio-sync sim', () => {
  it('starts with the given flags, prints one line, serves until stopped', async () => {
    const lines: string[] = [];
    let stop: () => void = () => {};
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    let printed: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      printed = resolve;
    });
    const run = program({
      write: (line) => {
        lines.push(line);
        printed();
      },
      untilStopped: () => stopped,
    }).parseAsync(
      ['sim', '--port', '0', '--rps', '0', '--token', 'tok-123', '--seed', '4', '--scale', '0.5'],
      {
        from: 'user',
      },
    );
    await ready;
    expect(lines).toHaveLength(1);
    const m = /^Simulator listening on (http:\/\/127\.0\.0\.1:\d+) \(token: tok-123\)$/.exec(lines[0]!);
    expect(m).not.toBeNull();
    const url = m![1]!;
    const res = await fetch(`${url}/v1/messages?limit=1000`, {
      headers: { authorization: 'Bearer tok-123' },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { messages: unknown[] };
    expect(body.messages).toHaveLength(1000); // scale 0.5 still has 1,250 messages
    stop();
    await run;
    await expect(fetch(`${url}/v1/messages`)).rejects.toThrow();
  });

  it('--empty and --shapes reach the simulator', async () => {
    const answers: unknown[] = [];
    for (const args of [['--empty'], ['--empty', '--shapes', 'spec']]) {
      let url = '';
      await program({
        write: (line) => {
          url = /(http:\/\/\S+)/.exec(line)?.[1] ?? '';
        },
        untilStopped: async () => {
          const res = await fetch(`${url}/v1/exports`, { headers: { authorization: 'Bearer sim-token' } });
          answers.push(await res.json());
        },
      }).parseAsync(['sim', '--port', '0', '--rps', '0', ...args], { from: 'user' });
    }
    expect(answers).toEqual([{ exports: null }, { exports: [] }]);
  });

  it('refuses bad flag values as usage errors', async () => {
    for (const args of [
      ['sim', '--rps', '-1'],
      ['sim', '--fault-rate', '2'],
      ['sim', '--scale', '0'],
      ['sim', '--port', 'http'],
      ['sim', '--shapes', 'json'],
      ['sim', '--catalog-growth', 'cubic'],
    ]) {
      await expect(
        program({ write: () => {}, untilStopped: async () => {} }).parseAsync(args, { from: 'user' }),
      ).rejects.toMatchObject({ code: 'commander.invalidArgument' });
    }
  });
});

describe('cio-sync sim --webhook-url', () => {
  it("sends the world's events in order, signed, retrying a failed one before any later one", async () => {
    const key = 'sim-webhook-key-0123456789';
    const received: { body: string; valid: boolean; status: number }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const expected = createHmac('sha256', key)
          .update(`v0:${req.headers['x-cio-timestamp']}:${body}`)
          .digest('hex');
        // The third request fails once: it must come again before the fourth event.
        const status = received.length === 2 ? 503 : 200;
        received.push({ body, valid: req.headers['x-cio-signature'] === expected, status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const lines: string[] = [];
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    const run = program({
      write: (line) => {
        lines.push(line);
        if (line.startsWith('Webhook events sent')) done();
      },
      untilStopped: () => finished,
      env: { CIO_WEBHOOK_SIGNING_KEY: key },
    }).parseAsync(
      [
        'sim',
        '--rps',
        '0',
        '--scale',
        '0.05',
        '--webhook-duplicates',
        '0',
        '--webhook-url',
        `http://127.0.0.1:${port}/hook`,
      ],
      { from: 'user' },
    );
    await run;
    server.close();
    expect(received.every((r) => r.valid)).toBe(true);
    expect(received[3]!.body).toBe(received[2]!.body);
    const events = received
      .filter((r) => r.status === 200)
      .map(
        (r) => JSON.parse(r.body) as { event_id: string; timestamp: number; data: { delivery_id?: string } },
      );
    expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length);
    expect(events.map((e) => e.timestamp)).toEqual([...events.map((e) => e.timestamp)].sort((a, b) => a - b));
    expect(events.length).toBeGreaterThan(100);
    expect(lines.at(-1)).toBe(`Webhook events sent: ${events.length} (0 delivered twice, 1 retries)`);
  });
});
