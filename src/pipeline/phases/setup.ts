/** The setup phase: checks the run's options before anything is read. */
import { InputError, type Problem } from '../../errors.js';
import type { Phase } from '../phase.js';
import type { PromotionState } from '../state.js';

/** Rejects options no run could use (non-positive concurrency). Manifest flags are checked when loading. */
export const setupPhase: Phase<PromotionState> = {
  name: 'setup',
  async run(state) {
    const o = state.options;
    const problems: Problem[] = [];
    for (const [flag, v] of [
      ['requests per host', o.requestsPerHost],
      ['copy concurrency', o.copyConcurrency],
      ['writes per host', o.writesPerHost],
      ['blob concurrency', o.blobConcurrency],
    ] as const) {
      if (v !== undefined && !(Number.isInteger(v) && v > 0)) problems.push({ message: `${flag} must be a positive integer, got ${v}` });
    }
    if (problems.length) throw new InputError(problems);
  },
};
