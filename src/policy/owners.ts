/**
 * OWNERS and OWNERS_ALIASES files (the Kubernetes convention, as kubernetes/k8s.io uses them
 * beside each project's manifests): approvers and reviewers, aliases expanded. Lower-cased. Read
 * from the working tree or, for a change under review, from its base revision (a change cannot
 * make its own author an owner).
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parse, YAMLError } from 'yaml';
import { InputError } from '../errors.js';

/** The approvers and reviewers of one directory. */
export interface OwnersOf {
  approvers: ReadonlySet<string>;
  reviewers: ReadonlySet<string>;
}

/** Reads a file's text, undefined when it does not exist (the working tree, or a git revision). */
export type TextReader = (file: string) => Promise<string | undefined>;

/** The working tree's files. */
export const readWorkingTree: TextReader = async (file) => {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
};

/** The YAML of `file`, undefined when it does not exist; InputError (file:line) when it is not YAML. */
async function readYaml(file: string, read: TextReader): Promise<unknown> {
  const text = await read(file);
  if (text === undefined) return undefined;
  try {
    return parse(text) as unknown;
  } catch (err) {
    if (!(err instanceof YAMLError)) throw err;
    const at = err.linePos?.[0];
    throw new InputError([{ file, line: at?.line, column: at?.col, message: `invalid YAML: ${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?\s*$/, '')}` }]);
  }
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').map((x) => x.toLowerCase()) : []);

/** The aliases of the nearest OWNERS_ALIASES at or above `dir` (up to `root`). */
async function aliasesFor(dir: string, root: string, read: TextReader): Promise<Map<string, string[]>> {
  for (let d = resolve(dir); ; d = dirname(d)) {
    const doc = (await readYaml(join(d, 'OWNERS_ALIASES'), read)) as { aliases?: Record<string, unknown> } | undefined;
    if (doc?.aliases) return new Map(Object.entries(doc.aliases).map(([k, v]) => [k.toLowerCase(), list(v)]));
    if (d === resolve(root) || d === dirname(d)) return new Map();
  }
}

/**
 * The owners of `dir` from its OWNERS file (aliases from the nearest OWNERS_ALIASES up to
 * `root`), or undefined when `dir` has no OWNERS file.
 */
export async function readOwners(dir: string, root: string, read: TextReader = readWorkingTree): Promise<OwnersOf | undefined> {
  const doc = (await readYaml(join(dir, 'OWNERS'), read)) as { approvers?: unknown; reviewers?: unknown } | undefined;
  if (!doc) return undefined;
  const aliases = await aliasesFor(dir, root, read);
  const expand = (names: string[]): Set<string> => new Set(names.flatMap((n) => aliases.get(n) ?? [n]));
  const approvers = expand(list(doc.approvers));
  return { approvers, reviewers: new Set([...expand(list(doc.reviewers)), ...approvers]) };
}
