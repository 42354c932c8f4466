/** Real git for tests: commands in a scratch repository, isolated from the machine's git configuration. */
import { execFileSync } from 'node:child_process';

/**
 * Runs `git ARGS` in `repo` and returns its stdout. The author is `author` (default
 * t@example.com; the name is its local part); no system configuration is read and HOME is the
 * repository, so no user configuration either. `env` adds variables (e.g. GIT_AUTHOR_DATE).
 */
export function gitIn(repo: string, args: string[], opts: { author?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const author = opts.author ?? 't@example.com';
  return execFileSync('git', ['-c', `user.name=${author.split('@')[0]}`, '-c', `user.email=${author}`, ...args], {
    cwd: repo,
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: repo, ...opts.env },
    encoding: 'utf8',
  });
}
