/**
 * Entry point of `npm run demo`: runs the embedded demo on this process's stdout/stderr and
 * exits non-zero when a promotion run failed.
 */
import { runDemo } from './run.js';

const io = {
  stdout: (s: string) => void process.stdout.write(s),
  stderr: (s: string) => void process.stderr.write(s),
  isTTY: Boolean(process.stderr.isTTY),
  env: process.env,
};
const r = await runDemo(io);
process.exitCode = r.firstExit || r.secondExit;
