import { ENV_KEYS } from '../config/load.js';

/** Secrets the process was given on its command line or in its environment (to mask in output). */
export function secretsFromProcess(argv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const found: string[] = [];
  argv.forEach((arg, i) => {
    if (arg === '--access-token' && argv[i + 1]) found.push(argv[i + 1]!);
    if (arg.startsWith('--access-token=')) found.push(arg.slice('--access-token='.length));
  });
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (key === 'access_token' && value) found.push(value.trim());
  }
  return found.filter((s) => s.length >= 4);
}

export function maskSecrets(text: string, secrets: readonly string[]): string {
  return secrets.reduce((out, secret) => out.split(secret).join('***'), text);
}
