/** `kpromo cip --snapshot` / `--manifest-based-snapshot-of` (placeholder until the snapshot work lands). */
import { KpromoError } from '../../errors.js';
import type { CipOptions } from '../cip-options.js';
import type { CipContext } from './cip-context.js';

/** Runs snapshot mode and returns the exit code. */
export async function runSnapshot(opts: CipOptions, ctx: CipContext): Promise<number> {
  void opts;
  void ctx;
  throw new KpromoError('NOT_IMPLEMENTED', 'snapshot mode (--snapshot, --manifest-based-snapshot-of) is not implemented yet');
}
