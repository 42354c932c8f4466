/**
 * Runs the CLI's main() in-process for tests: output captured, stderr not a terminal, and only
 * the environment given (so no credentials or settings leak in from the machine running the tests).
 */
import { main, type CliIO } from '../../src/cli/main.js';

/** What a CLI run returned and printed. */
export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** An environment with HOME and DOCKER_CONFIG at `home` (no credentials of this machine), plus `extra`. */
export function isolatedEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { HOME: home, DOCKER_CONFIG: home, ...extra };
}

/** A CliIO that collects stdout in `out` and stderr in `err` (not a terminal), with only `env`. */
export function captureIO(env: NodeJS.ProcessEnv = {}): CliIO & { out: string; err: string } {
  const io = { out: '', err: '', isTTY: false, env, stdout: (s: string) => void (io.out += s), stderr: (s: string) => void (io.err += s) };
  return io;
}

/** Runs `kpromo ARGS` through main() with captured stdout and stderr. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const io = captureIO(env);
  const code = await main(args, io);
  return { code, out: io.out, err: io.err };
}
