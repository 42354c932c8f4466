/**
 * Setup checks of a `kpromo cip` run that need the CLI's view (files and environment), made
 * before any registry is contacted: the `--report-file` folder takes the report, and the
 * docker/containers credential files parse. Problems are bad input (exit 2), all reported together.
 * The identity token is checked when the trust configuration is built (trust-config.ts).
 */
import { InputError, KpromoError, type Problem } from '../../errors.js';
import { checkCredentialFiles } from '../../registry/http/credentials.js';
import { checkReportTarget } from '../../report/report.js';
import { credentialEnv } from '../network-options.js';
import type { CipOptions } from '../cip-options.js';

/** Throws InputError listing every setup problem of `opts`. */
export async function preflight(opts: Pick<CipOptions, 'run' | 'network'>, env: NodeJS.ProcessEnv, checkCredentials: boolean): Promise<void> {
  const problems: Problem[] = [];
  if (opts.run.reportFile) {
    const why = await checkReportTarget(opts.run.reportFile);
    if (why) problems.push({ message: `--report-file: ${why}` });
  }
  if (checkCredentials) {
    try {
      await checkCredentialFiles({ env: credentialEnv(env, opts.network) });
    } catch (err) {
      if (!(err instanceof KpromoError && err.code === 'INVALID_CREDENTIALS_FILE')) throw err;
      problems.push({ message: err.message });
    }
  }
  if (problems.length) throw new InputError(problems);
}
