/**
 * Strict YAML reading with source positions. Upstream uses yaml.v2 `UnmarshalStrict`: unknown
 * keys and duplicate keys are errors. We do the same, but collect every problem with its
 * file:line:column instead of stopping at the first.
 *
 * Drop-in details of yaml.v2 kept here: document markers (`---` before, `---` or `...` after)
 * and the empty documents they make are ignored; booleans take YAML 1.1's spellings (`yes`,
 * `on`, `Y`, …). Unlike yaml.v2, which silently reads only the first document, a second
 * document with content is a problem.
 */
import { LineCounter, isMap, isScalar, isSeq, parseAllDocuments, parseDocument } from 'yaml';
import type { Document, Node, Pair, YAMLError, YAMLMap, YAMLSeq } from 'yaml';
import type { Problem } from '../errors.js';
import { problemAt, quote, type SourcePos } from './schema.js';

/** A parsed YAML file plus the problems found so far while reading it. */
export class YamlReader {
  readonly problems: Problem[] = [];
  private constructor(
    readonly file: string,
    readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    private readonly errors: readonly YAMLError[],
  ) {}

  /** Parses `text`; syntax errors and duplicate keys become problems. */
  static parse(file: string, text: string): YamlReader {
    const lines = new LineCounter();
    const options = { lineCounter: lines, uniqueKeys: true, prettyErrors: false } as const;
    const all = parseAllDocuments(text, options);
    const docs = Array.isArray(all) ? all : [all];
    // empty documents (from a leading or trailing `---`) are skipped, as yaml.v2 reads past them
    const full = docs.filter((d) => !isNull(d.contents) || d.errors.length > 0);
    const doc = full[0] ?? docs[0] ?? parseDocument('', options);
    const r = new YamlReader(file, doc, lines, full.flatMap((d) => d.errors));
    for (const extra of full.slice(1)) {
      r.problems.push(
        problemAt(
          r.pos(extra.contents, r.posOfOffset(extra.range[0])),
          'a second YAML document: a manifest file holds one document (upstream would silently ignore this one); remove it or the "---" before it',
        ),
      );
    }
    for (const e of r.errors) {
      const at = r.posOfOffset(e.pos[0]);
      if (e.code === 'DUPLICATE_KEY') {
        const key = /^("[^"\n]*"|'[^'\n]*'|[^:\n]*)/.exec(text.slice(e.pos[0]))![0].trim();
        r.problems.push(problemAt(at, `duplicate key ${key.length > 200 ? quote(key) : key}: each key may appear only once in a mapping`));
      } else {
        r.problems.push(problemAt(at, `invalid YAML: ${e.message}`));
      }
    }
    return r;
  }

  /** Whether the text is too broken to decode (anything worse than duplicate keys). */
  get unreadable(): boolean {
    return this.errors.some((e) => e.code !== 'DUPLICATE_KEY');
  }

  /** The position of an offset in the text. */
  posOfOffset(offset: number): SourcePos {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, column: col };
  }

  /** The position of a node, or of the file when the node has none (e.g. an empty value). */
  pos(node: unknown, fallback?: SourcePos): SourcePos {
    const range = (node as Node | null)?.range;
    if (range) return this.posOfOffset(range[0]);
    return fallback ?? { file: this.file };
  }

  /** Records a problem at `node`. */
  fail(node: unknown, message: string, fallback?: SourcePos): void {
    this.problems.push(problemAt(this.pos(node, fallback), message));
  }

  /** The node as a mapping; null/empty gives undefined, anything else a problem. */
  map(node: unknown, what: string, fallback?: SourcePos): YAMLMap | undefined {
    if (isMap(node)) return node;
    if (!isNull(node)) this.fail(node, `${what} must be a mapping (key: value), found ${describe(node)}`, fallback);
    return undefined;
  }

  /** The node as a sequence; null/empty gives undefined, anything else a problem. */
  seq(node: unknown, what: string, fallback?: SourcePos): YAMLSeq | undefined {
    if (isSeq(node)) return node;
    if (!isNull(node)) this.fail(node, `${what} must be a list, found ${describe(node)}`, fallback);
    return undefined;
  }

  /**
   * The pairs of a mapping by key name. Keys outside `allowed` are problems (strict parsing);
   * non-scalar keys too.
   */
  fields(map: YAMLMap, what: string, allowed: readonly string[]): Map<string, Pair<unknown, unknown>> {
    const out = new Map<string, Pair<unknown, unknown>>();
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined) {
        this.fail(pair.key, `${what}: keys must be plain strings, found ${describe(pair.key)}`);
      } else if (!allowed.includes(key)) {
        this.fail(pair.key, `unknown key ${quote(key)} in ${what}; allowed keys: ${allowed.join(', ')}`);
      } else {
        out.set(key, pair);
      }
    }
    return out;
  }

  /**
   * A scalar as written. Numbers and booleans keep their source text, as yaml.v2 does when it
   * decodes into a string field (a tag written `1.10` stays "1.10", not "1.1").
   * null/empty gives undefined.
   */
  text(node: unknown, what: string, fallback?: SourcePos): string | undefined {
    if (isNull(node)) return undefined;
    if (isScalar(node)) {
      if (typeof node.value === 'string') return node.value;
      if (node.source !== undefined) return node.source;
      return String(node.value);
    }
    this.fail(node, `${what} must be a single value, found ${describe(node)}`, fallback);
    return undefined;
  }

  /**
   * A boolean as yaml.v2 reads one: `true`/`false` and YAML 1.1's `yes`/`no`/`on`/`off`/`y`/`n`
   * in the spellings of YAML_BOOLEANS, unquoted. null/empty gives undefined, anything else a problem.
   */
  bool(node: unknown, what: string, fallback?: SourcePos): boolean | undefined {
    if (isNull(node)) return undefined;
    if (isScalar(node) && typeof node.value === 'boolean') return node.value;
    if (isScalar(node) && node.type === 'PLAIN' && typeof node.value === 'string' && YAML_BOOLEANS.has(node.value)) {
      return YAML_BOOLEANS.get(node.value);
    }
    this.fail(node, `${what} must be true or false, found ${describe(node)}`, fallback);
    return undefined;
  }
}

/** yaml.v2's boolean spellings (resolve.go), exactly: other casings such as `yEs` are strings there. */
export const YAML_BOOLEANS: ReadonlyMap<string, boolean> = new Map([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'].map((s) => [s, true] as const),
  ...['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'].map((s) => [s, false] as const),
]);

/** Whether a node is absent or an explicit null (`key:` with nothing after it). */
export function isNull(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null);
}

/** A short description of a node for messages: its kind and, for scalars, its value. */
export function describe(node: unknown): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.source ?? node.value;
    return typeof v === 'string' ? quote(v) : JSON.stringify(v);
  }
  return 'nothing';
}
