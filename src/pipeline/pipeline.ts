/**
 * The pipeline engine: runs phases in order, logs each with its duration, stops cleanly on
 * StopPipeline, checks the AbortSignal before each phase and wraps failures with the phase name
 * (upstream promoter/image/pipeline/pipeline.go). An aborted signal ends the run as interrupted
 * (resolved, not rejected), so the caller can still report what the phases recorded.
 */
import { setMaxListeners } from 'node:events';
import { InputError, KpromoError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { StopPipeline, type Phase, type PhaseName } from './phase.js';

/** How one phase ended. */
export interface PhaseTiming {
  name: PhaseName;
  durationMs: number;
  result: 'ok' | 'stopped' | 'failed' | 'interrupted';
}

/** What a pipeline run did: the phases it ran and, when it stopped early, why. */
export interface PipelineResult {
  phases: PhaseTiming[];
  /** The StopPipeline reason, when a phase ended the run early. */
  stopped?: string;
  /** Set when the run's signal was aborted: the phase it stopped in (or before) and the abort reason. */
  interrupted?: { phase: PhaseName; reason: string };
}

/** A phase failure: `phase "promote" failed: …`, keeping the inner code and cause. */
export class PhaseError extends KpromoError {
  constructor(
    readonly phase: PhaseName,
    cause: unknown,
    /** What the run did up to the failure (the failed phase last), so a report can still be written. */
    readonly result?: PipelineResult,
  ) {
    super(cause instanceof KpromoError ? cause.code : 'PHASE_FAILED', `phase "${phase}" failed: ${errorMessage(cause)}`, {
      cause,
    });
  }
}

/** Builds a phase from a name and a function (upstream NewPhase). */
export function phase<S>(name: PhaseName, run: (state: S, signal: AbortSignal) => Promise<void>): Phase<S> {
  return { name, run };
}

/** Runs `phases` in order over `state`. Resolves when all ran or one stopped the run; rejects with PhaseError carrying the partial result (InputError passes through). */
export async function runPipeline<S>(
  phases: readonly Phase<S>[],
  state: S,
  opts: { logger: Logger; signal?: AbortSignal; now?: () => number },
): Promise<PipelineResult> {
  const now = opts.now ?? (() => performance.now());
  const signal = opts.signal ?? new AbortController().signal;
  // Every in-flight request listens on the run's signal; dozens at once are expected, not a leak.
  setMaxListeners(0, signal);
  const result: PipelineResult = { phases: [] };
  const interrupted = (name: PhaseName): PipelineResult => {
    result.interrupted = { phase: name, reason: errorMessage(signal.reason ?? 'aborted') };
    opts.logger.warn(`pipeline interrupted in ${name}: ${result.interrupted.reason}`);
    return result;
  };
  for (const [i, p] of phases.entries()) {
    if (signal.aborted) return interrupted(p.name);
    const log = opts.logger.child({ phase: p.name });
    // phase start/done lines and timings are detail: debug here, durations in the report
    log.debug(`phase ${i + 1}/${phases.length}: ${p.name}`);
    const start = now();
    const done = (r: PhaseTiming['result']): number => {
      const durationMs = Math.round(now() - start);
      result.phases.push({ name: p.name, durationMs, result: r });
      return durationMs;
    };
    try {
      await p.run(state, signal);
    } catch (err) {
      if (err instanceof StopPipeline) {
        log.debug(`pipeline stopped in ${p.name}: ${err.reason}`, { durationMs: done('stopped') });
        result.stopped = err.reason;
        return result;
      }
      if (signal.aborted) {
        done('interrupted');
        return interrupted(p.name);
      }
      // Bad input means nothing was attempted: it keeps its class (exit 2) and its located problems.
      if (err instanceof InputError) {
        done('failed');
        throw err;
      }
      // the caller reports the PhaseError itself: one line, not two
      log.debug(`phase ${p.name} failed`, { durationMs: done('failed'), error: errorMessage(err) });
      throw new PhaseError(p.name, err, result);
    }
    log.debug(`phase ${p.name} done`, { durationMs: done('ok') });
  }
  return result;
}
