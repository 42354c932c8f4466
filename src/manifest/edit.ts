/**
 * Adds digests and tags to an images list (a thin images.yaml, or the `images:` of a plain
 * manifest) without touching anything else: the YAML document is parsed with the `yaml`
 * package's document API to find where each addition belongs (node ranges), and the new entries
 * are spliced into the original text in the style of their neighbours (indentation, quoting,
 * flow-list spacing). Comments, key order, blank lines and quoting of the rest stay byte for byte.
 * Pure: text in, text out. The result is decoded again and checked to hold exactly the old
 * entries plus the additions.
 */
import { isMap, isScalar, isSeq, parse, parseDocument } from 'yaml';
import type { Node, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { KpromoError } from '../errors.js';
import { decodeImagesFile, decodePlainManifest } from './decode.js';
import { compareDigestEntries, compareStrings } from './order.js';
import type { ImageEntry } from './schema.js';
import { YamlReader } from './yaml.js';

/** Failures to edit a manifest (a shape the editor does not write into). */
export class EditError extends KpromoError<'MANIFEST_EDIT'> {
  constructor(message: string) {
    super('MANIFEST_EDIT', message);
  }
}

/** One digest of one image with the tags it must carry (tags it already has are left alone). */
export interface Addition {
  name: string;
  digest: string;
  tags: string[];
}

/** Where the images list lives in the file. */
export type ImagesLayout = 'images-file' | 'plain-manifest';

interface Insert {
  at: number;
  text: string;
  seq: number;
}

const DEFAULT_QUOTE: Scalar.Type = 'QUOTE_DOUBLE';

/** `text` with `additions` written in; unchanged text when everything is already there. */
export function addToImages(file: string, text: string, layout: ImagesLayout, additions: readonly Addition[]): string {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length) throw new EditError(`${file}: not valid YAML: ${doc.errors[0]!.message}`);
  const edits = new Editor(text);
  let list: YAMLSeq | undefined;
  let missingListAt: number | undefined;
  if (layout === 'images-file') {
    if (isSeq(doc.contents)) list = doc.contents;
    else if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) missingListAt = text.length;
    else throw new EditError(`${file}: an images file must be a list of images`);
  } else {
    if (!isMap(doc.contents)) throw new EditError(`${file}: a manifest must be a mapping`);
    const images = doc.contents.get('images', true);
    if (isSeq(images)) list = images;
    else if (images === undefined || (isScalar(images) && images.value === null)) {
      if (images === undefined) edits.insert(edits.endOfText(), 'images:\n');
      missingListAt = edits.endOfText();
    } else throw new EditError(`${file}: images: must be a list`);
  }
  if (list?.flow) throw new EditError(`${file}: the images list is written in flow style ([...]); write it as a block list first`);

  const byName = groupByName(additions);
  const items = (list?.items ?? []).filter(isMap) as YAMLMap[];
  const template = items[0];
  for (const [name, adds] of byName) {
    const entry = items.find((m) => scalarText(m.get('name', true)) === name);
    if (entry) addToEntry(file, edits, entry, adds, items);
    else addEntry(edits, name, adds, items, template, missingListAt);
  }
  const out = edits.apply();
  checkResult(file, text, out, layout, additions);
  return out;
}

function groupByName(additions: readonly Addition[]): Map<string, Addition[]> {
  const out = new Map<string, Addition[]>();
  for (const a of additions) out.set(a.name, [...(out.get(a.name) ?? []), a]);
  return out;
}

/** Adds digests and tags to an existing image entry. */
function addToEntry(file: string, edits: Editor, entry: YAMLMap, adds: Addition[], all: YAMLMap[]): void {
  const dmapPair = entry.items.find((p) => scalarText(p.key) === 'dmap');
  const dmap = dmapPair?.value;
  if (!dmapPair || !isMap(dmap) || dmap.flow || dmap.items.length === 0) {
    throw new EditError(`${file}: image ${JSON.stringify(scalarText(entry.get('name', true)))}: dmap must be a non-empty block mapping to add to it`);
  }
  const pairs = dmap.items as Pair<Node, Node>[];
  const style = dmapStyle(edits.text, pairs, all);
  const newPairs: Addition[] = [];
  for (const a of adds) {
    const pair = pairs.find((p) => scalarText(p.key) === a.digest);
    if (pair) addTags(file, edits, pair, a.tags, style);
    else newPairs.push(a);
  }
  for (const a of newPairs.sort((x, y) => compareDigestEntries(x, y))) {
    const next = pairs.find((p) => compareDigestEntries({ digest: scalarText(p.key) ?? '', tags: tagsOf(p.value) }, a) > 0);
    const line = `${style.indent}${dmapLine(a, style)}\n`;
    if (next) edits.insert(edits.beforeLine(range(next.key)[0]), line);
    else edits.insert(edits.afterLine(endOf(pairs[pairs.length - 1]!)), line);
  }
}

/** Adds tags to a digest already listed, each at its sorted place in the list. */
function addTags(file: string, edits: Editor, pair: Pair<Node, Node>, tags: string[], style: DmapStyle): void {
  const seq = pair.value;
  const have = tagsOf(seq);
  const missing = tags.filter((t) => !have.includes(t)).sort(compareStrings);
  if (missing.length === 0) return;
  if (!isSeq(seq)) {
    if (seq === null || (isScalar(seq) && seq.value === null)) {
      // `"sha256:…":` with nothing after it: tagless written as null
      edits.insert(isScalar(seq) && seq.range ? seq.range[0] : range(pair.key)[1] + 1, ` [${missing.map((t) => styled(t, style.tagType)).join(style.sep)}]`);
      return;
    }
    throw new EditError(`${file}: the tags of ${scalarText(pair.key)} must be a list`);
  }
  const items = seq.items as Node[];
  if (seq.flow) {
    if (items.length === 0) {
      edits.insert(range(seq)[0] + 1, missing.map((t) => styled(t, style.tagType)).join(style.sep));
      return;
    }
    for (const t of missing) {
      const next = items.find((i) => compareStrings(scalarText(i) ?? '', t) > 0);
      if (next) edits.insert(range(next)[0], `${styled(t, style.tagType)}${style.sep}`);
      else edits.insert(range(items[items.length - 1]!)[1], `${style.sep}${styled(t, style.tagType)}`);
    }
    return;
  }
  for (const t of missing) {
    const next = items.find((i) => compareStrings(scalarText(i) ?? '', t) > 0);
    const ref = next ?? items[items.length - 1]!;
    const prefix = edits.text.slice(edits.lineStart(range(ref)[0]), range(ref)[0]);
    const line = `${prefix}${styled(t, style.tagType)}\n`;
    if (next) edits.insert(edits.lineStart(range(next)[0]), line);
    else edits.insert(edits.afterLine(range(ref)[1]), line);
  }
}

/** Adds a new image entry at its sorted place (before the first entry whose name sorts after it). */
function addEntry(edits: Editor, name: string, adds: Addition[], items: YAMLMap[], template: YAMLMap | undefined, missingListAt: number | undefined): void {
  const prefix = template ? edits.text.slice(edits.lineStart(range(template)[0]), range(template)[0]) : '- ';
  const inner = ' '.repeat(prefix.length);
  const templateDmap = template?.get('dmap', true);
  const tPairs = isMap(templateDmap) ? (templateDmap.items as Pair<Node, Node>[]) : [];
  const style = dmapStyle(edits.text, tPairs, items);
  const nameNode = template?.get('name', true);
  const nameType = isScalar(nameNode) ? nameNode.type : 'PLAIN';
  const dmapIndent = tPairs.length && template ? edits.column(range(tPairs[0]!.key)[0]) - edits.column(range(template)[0]) : 2;
  const lines = [`${prefix}name: ${styled(name, nameType ?? 'PLAIN')}`, `${inner}dmap:`];
  for (const a of [...adds].sort((x, y) => compareDigestEntries(x, y))) lines.push(`${inner}${' '.repeat(dmapIndent)}${dmapLine(a, style)}`);
  const block = `${lines.join('\n')}\n`;
  const next = items.find((m) => compareStrings(scalarText(m.get('name', true)) ?? '', name) > 0);
  if (next) edits.insert(edits.beforeLine(range(next)[0]), block);
  else if (items.length) edits.insert(edits.afterLine(range(items[items.length - 1]!)[1]), block);
  else edits.insert(edits.lineStartOrEnd(missingListAt ?? edits.endOfText()), block);
}

interface DmapStyle {
  indent: string;
  keyType: Scalar.Type;
  tagType: Scalar.Type;
  /** Between flow-list items: "," or ", ". */
  sep: string;
  /** Inside the brackets: "" or " ". */
  pad: string;
}

/** The style of the dmap lines around (these pairs, else the first entry that has any). */
function dmapStyle(text: string, pairs: Pair<Node, Node>[], all: YAMLMap[]): DmapStyle {
  let sample = pairs;
  if (sample.length === 0) {
    for (const m of all) {
      const d = m.get('dmap', true);
      if (isMap(d) && d.items.length) {
        sample = d.items as Pair<Node, Node>[];
        break;
      }
    }
  }
  const style: DmapStyle = { indent: '    ', keyType: DEFAULT_QUOTE, tagType: DEFAULT_QUOTE, sep: ', ', pad: '' };
  const first = sample[0];
  if (!first) return style;
  const k = range(first.key)[0];
  style.indent = ' '.repeat(k - (text.lastIndexOf('\n', k - 1) + 1));
  style.keyType = (isScalar(first.key) && first.key.type) || DEFAULT_QUOTE;
  for (const p of sample) {
    const seq = p.value;
    if (!isSeq(seq) || !seq.flow || seq.items.length === 0) continue;
    const items = seq.items as Node[];
    if (isScalar(items[0]) && items[0].type) style.tagType = items[0].type;
    style.pad = text[range(seq)[0] + 1] === ' ' ? ' ' : '';
    if (items.length > 1) {
      style.sep = text.slice(range(items[0]!)[1], range(items[1]!)[0]);
      if (!/^ *, *$/.test(style.sep)) style.sep = ', ';
      break;
    }
  }
  return style;
}

function dmapLine(a: Addition, style: DmapStyle): string {
  const tags = [...new Set(a.tags)].sort(compareStrings).map((t) => styled(t, style.tagType));
  const list = tags.length ? `[${style.pad}${tags.join(style.sep)}${style.pad}]` : '[]';
  return `${styled(a.digest, style.keyType)}: ${list}`;
}

/** `value` written as a YAML scalar of `type`; a plain scalar that would not read back as this string is double-quoted. */
export function styled(value: string, type: Scalar.Type): string {
  if (type === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  if (type === 'PLAIN' && /^[A-Za-z0-9_][\w.:/-]*$/.test(value) && parse(value) === value) return value;
  return JSON.stringify(value);
}

function scalarText(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  if (typeof node.value === 'string') return node.value;
  return node.source ?? (node.value === null ? undefined : String(node.value));
}

function tagsOf(node: unknown): string[] {
  return isSeq(node) ? (node.items.map(scalarText).filter((s) => s !== undefined) as string[]) : [];
}

function range(node: unknown): [number, number, number] {
  const r = (node as Node | null)?.range;
  if (!r) throw new EditError('a YAML node without a position');
  return r;
}

/** The end of a pair's value (or key, when it has no value). */
function endOf(pair: Pair<Node, Node>): number {
  return pair.value && (pair.value as Node).range ? range(pair.value)[1] : range(pair.key)[1];
}

/** Offsets into the original text and the insertions collected against them. */
class Editor {
  private readonly inserts: Insert[] = [];
  constructor(readonly text: string) {}

  insert(at: number, text: string): void {
    this.inserts.push({ at, text, seq: this.inserts.length });
  }

  lineStart(offset: number): number {
    return this.text.lastIndexOf('\n', offset - 1) + 1;
  }

  column(offset: number): number {
    return offset - this.lineStart(offset);
  }

  endOfText(): number {
    return this.text.length;
  }

  /** The start of the line holding `offset`, moved up over the comment lines directly above it (they describe that line). */
  beforeLine(offset: number): number {
    let start = this.lineStart(offset);
    while (start > 0) {
      const prev = this.lineStart(start - 1);
      if (!this.text.slice(prev, start).trimStart().startsWith('#')) break;
      start = prev;
    }
    return start;
  }

  /** Just after the line holding the character before `end` (a node's end offset). */
  afterLine(end: number): number {
    const nl = this.text.indexOf('\n', Math.max(0, end - 1));
    if (nl < 0) {
      this.insert(this.text.length, '\n');
      return this.text.length;
    }
    return nl + 1;
  }

  /** `offset` if it starts a line, else the end of the text on a new line. */
  lineStartOrEnd(offset: number): number {
    if (offset === 0 || this.text[offset - 1] === '\n') return offset;
    this.insert(offset, '\n');
    return offset;
  }

  apply(): string {
    let out = this.text;
    const sorted = [...this.inserts].sort((a, b) => b.at - a.at || b.seq - a.seq);
    for (const i of sorted) out = out.slice(0, i.at) + i.text + out.slice(i.at);
    return out;
  }
}

/** Decodes both versions and checks the new one holds exactly the old entries plus the additions. */
function checkResult(file: string, before: string, after: string, layout: ImagesLayout, additions: readonly Addition[]): void {
  const decode = (text: string): ImageEntry[] => {
    const r = YamlReader.parse(file, text);
    if (r.unreadable) throw new KpromoError('INTERNAL', `${file}: the edited manifest does not parse: ${r.problems[0]?.message}`);
    return layout === 'images-file' ? decodeImagesFile(r) : decodePlainManifest(r).images;
  };
  const want = new Map<string, Set<string>>();
  const add = (name: string, d: string, tags: readonly string[]): void => {
    const k = `${name}@${d}`;
    const s = want.get(k) ?? new Set<string>();
    for (const t of tags) s.add(t);
    want.set(k, s);
  };
  for (const img of decode(before)) for (const [d, tags] of img.dmap) add(img.name, d, tags);
  for (const a of additions) add(a.name, a.digest, a.tags);
  const got = new Map<string, Set<string>>();
  for (const img of decode(after)) for (const [d, tags] of img.dmap) got.set(`${img.name}@${d}`, new Set([...(got.get(`${img.name}@${d}`) ?? []), ...tags]));
  const same = got.size === want.size && [...want].every(([k, s]) => got.has(k) && got.get(k)!.size === s.size && [...s].every((t) => got.get(k)!.has(t)));
  if (!same) throw new KpromoError('INTERNAL', `${file}: the edited manifest does not hold exactly the old entries plus the additions`);
}
