/**
 * Error model shared by the whole library: every error kpromo raises is a KpromoError with a
 * typed `code`, an optional `cause`, and context added at each boundary. The library never
 * prints or exits; src/cli/main.ts alone maps these to messages and exit codes.
 */

/** Codes of errors kpromo raises itself. Modules may add their own string codes. */
export type ErrorCode =
  | 'INVALID_INPUT' // flags or manifests are wrong: nothing was attempted (exit 2)
  | 'RUN_FAILED' // a run that failed part-way: some edges failed or were refused (exit 1)
  | 'PHASE_FAILED' // a pipeline phase failed (wraps the cause)
  | 'REGISTRY_ERROR' // a registry request failed (see registry/errors.ts)
  | 'INTERRUPTED' // the run was stopped from outside (SIGINT/SIGTERM in the CLI)
  | 'INTERNAL'; // a bug

/** One problem with user input, located as precisely as the input allows. */
export interface Problem {
  /** File the problem is in, when there is one. */
  file?: string;
  /** 1-based line and column in that file, when the YAML has one. */
  line?: number;
  column?: number;
  /** What is wrong, naming the offending value and what is allowed. */
  message: string;
}

/** Base class: a coded error with a cause. */
export class KpromoError<C extends string = ErrorCode | string> extends Error {
  readonly code: C;
  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad input (flags or manifests). Carries every problem found, not only the first. */
export class InputError extends KpromoError<'INVALID_INPUT'> {
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[], summary?: string) {
    super('INVALID_INPUT', summary ?? formatProblems(problems));
    this.problems = problems;
  }
}

/** A feature kpromo deliberately does not offer (e.g. GCP-only scanning): nothing was attempted (exit 2). */
export class NotSupportedError extends KpromoError<'NOT_SUPPORTED'> {
  constructor(message: string) {
    super('NOT_SUPPORTED', message);
  }
}

/** A run that did work but did not fully succeed (failed or refused edges). */
export class RunFailedError extends KpromoError<'RUN_FAILED'> {}

/**
 * The reason of an aborted run when the user stopped it (the CLI turns SIGINT/SIGTERM into an
 * abort with this reason). The library marks what it did and did not do, and returns.
 */
export class InterruptedError extends KpromoError<'INTERRUPTED'> {
  constructor(readonly signal: string) {
    super('INTERRUPTED', `interrupted by ${signal}`);
  }
}

/**
 * Most problems rendered in one message. A broken generated file can hold hundreds of thousands;
 * the first hundred show the pattern, and the rest are counted.
 */
export const MAX_SHOWN_PROBLEMS = 100;

/** Renders problems as `file:line:col: message`, one per line, at most `limit`, then how many more. */
export function formatProblems(problems: readonly Problem[], limit = MAX_SHOWN_PROBLEMS): string {
  const shown = problems.slice(0, limit).map(formatProblem);
  const rest = problems.length - shown.length;
  if (rest > 0) shown.push(`… and ${rest.toLocaleString('en-US')} more problem${rest === 1 ? '' : 's'}`);
  return shown.join('\n');
}

/** Renders one problem as `file:line:col: message`. */
export function formatProblem(p: Problem): string {
  const where = [p.file, p.line, p.line !== undefined ? p.column : undefined]
    .filter((x) => x !== undefined)
    .join(':');
  return where ? `${where}: ${p.message}` : p.message;
}

/** Adds context to an error at a boundary, keeping the original as `cause` and its code. */
export function wrapError(err: unknown, context: string, code?: string): KpromoError {
  const inner = err instanceof KpromoError ? err.code : 'INTERNAL';
  const msg = err instanceof Error ? err.message : String(err);
  return new KpromoError(code ?? inner, `${context}: ${msg}`, { cause: err });
}

/** The message of any thrown value. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
