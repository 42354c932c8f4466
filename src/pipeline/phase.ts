/**
 * The pipeline contract: a promotion is a fixed list of phases run in order
 * (setup → plan → provenance → validate → policy → promote → sign → attest → publish).
 */

/** The names of the phases, in the order they run. */
export type PhaseName = 'setup' | 'plan' | 'provenance' | 'validate' | 'policy' | 'referrers' | 'promote' | 'carry' | 'sign' | 'attest' | 'publish';

/** One step of the pipeline. `S` is the typed state the phases share. */
export interface Phase<S> {
  readonly name: PhaseName;
  run(state: S, signal: AbortSignal): Promise<void>;
}

/** Thrown by a phase to end the run early and cleanly (dry run, --parse-only). */
export class StopPipeline extends Error {
  constructor(readonly reason: string) {
    super(`pipeline stopped: ${reason}`);
    this.name = 'StopPipeline';
  }
}
