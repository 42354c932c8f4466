/**
 * SIGINT and SIGTERM during a run: the first one aborts the run's signal with an
 * InterruptedError (the library stops starting work, cuts in-flight requests, marks every edge
 * and returns, and the command writes the report and the summary); a second one, or a run that
 * has not returned within the grace period, exits at once. Exit codes are 128 + the signal
 * number: 130 for SIGINT, 143 for SIGTERM.
 */
import { InterruptedError } from '../errors.js';

/** The signals a run stops on, with their exit codes. */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

export type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

/** How long a run may take to stop after the first signal before the process exits anyway. */
export const STOP_GRACE_MS = 10_000;

/** What the handlers need from the process (injectable for tests). */
export interface SignalHost {
  on(signal: StopSignal, listener: () => void): unknown;
  off(signal: StopSignal, listener: () => void): unknown;
  /** Exits the process at once. */
  exit(code: number): void;
  /** Starts the grace timer; returns a function that cancels it. */
  startTimer(ms: number, fire: () => void): () => void;
}

const processHost: SignalHost = {
  on: (s, l) => process.on(s, l),
  off: (s, l) => process.off(s, l),
  exit: (code) => process.exit(code),
  startTimer: (ms, fire) => {
    const t = setTimeout(fire, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

/** The handlers of one run. */
export interface SignalStop {
  /** Aborted (reason: InterruptedError) by the first signal. */
  signal: AbortSignal;
  /** The first signal received, if any. */
  received(): StopSignal | undefined;
  /** The exit code of the first signal received, if any. */
  exitCode(): number | undefined;
  /** Removes the handlers and cancels the grace timer (after the report and summary are out). */
  dispose(): void;
}

/** Installs SIGINT/SIGTERM handlers for one run; `say` prints a line on stderr. */
export function stopOnSignals(say: (line: string) => void, opts: { host?: SignalHost; graceMs?: number } = {}): SignalStop {
  const host = opts.host ?? processHost;
  const graceMs = opts.graceMs ?? STOP_GRACE_MS;
  const abort = new AbortController();
  let first: StopSignal | undefined;
  let cancelTimer: (() => void) | undefined;
  const handlers = new Map<StopSignal, () => void>();
  for (const sig of Object.keys(SIGNAL_EXIT_CODES) as StopSignal[]) {
    const onSignal = (): void => {
      if (first !== undefined) {
        say(`${sig} again: exiting at once (no report)\n`);
        return host.exit(SIGNAL_EXIT_CODES[sig]);
      }
      first = sig;
      say(`${sig}: stopping: no new copies start, requests in flight are cancelled; the report and summary follow (${sig === 'SIGINT' ? 'Ctrl-C' : 'send it'} again to exit at once)\n`);
      cancelTimer = host.startTimer(graceMs, () => {
        say(`not stopped within ${Math.round(graceMs / 1000)} s of ${sig}: exiting without a report\n`);
        host.exit(SIGNAL_EXIT_CODES[sig]);
      });
      abort.abort(new InterruptedError(sig));
    };
    handlers.set(sig, onSignal);
    host.on(sig, onSignal);
  }
  return {
    signal: abort.signal,
    received: () => first,
    exitCode: () => (first === undefined ? undefined : SIGNAL_EXIT_CODES[first]),
    dispose() {
      cancelTimer?.();
      for (const [sig, h] of handlers) host.off(sig, h);
    },
  };
}

/** The exit code of a run stopped by `signal` (128 + its number; 1 for a signal kpromo does not stop on). */
export const signalExitCode = (signal: string): number => SIGNAL_EXIT_CODES[signal as StopSignal] ?? 1;
