/** What a command is given to talk to the user: output sinks, the environment, and the exit codes it may choose. */

/** Exit codes, documented in the README. */
export const ExitCode = { ok: 0, failed: 1, invalidInput: 2 } as const;

/** Output sinks, injectable for tests. */
export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Whether stderr is a terminal (progress display). */
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
}

/** Sets the process exit code chosen by a command. */
export type SetExit = (code: number) => void;
