/**
 * The images list of a manifest file as written, with the line of every name, digest and tag, and
 * nothing merged: a tag written twice stays twice. The lint compares two of these (before and after
 * a change); the strict decoder (decode.ts) is for promotion, where repeats are merged.
 */
import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Node } from 'yaml';
import type { Problem } from '../errors.js';
import type { ImagesLayout } from './edit.js';

/** A value and its 1-based line. */
export interface Located {
  value: string;
  line: number;
}

/** One digest of an image as written. */
export interface OutlineDigest extends Located {
  tags: Located[];
}

/** One image as written. */
export interface OutlineImage extends Located {
  digests: OutlineDigest[];
}

/** The images list, or the problem that the text is not one. */
export interface Outline {
  images: OutlineImage[];
  problems: Problem[];
}

/** Reads the images list of `text` (`layout` says where it sits). */
export function outlineImages(file: string, text: string, layout: ImagesLayout): Outline {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  const out: Outline = { images: [], problems: [] };
  if (doc.errors.length) {
    out.problems.push({ file, line: lines.linePos(doc.errors[0]!.pos[0]).line, message: `invalid YAML: ${doc.errors[0]!.message}` });
    return out;
  }
  const line = (n: unknown): number => {
    const r = (n as Node | null)?.range;
    return r ? lines.linePos(r[0]).line : 1;
  };
  const list = layout === 'images-file' ? doc.contents : isMap(doc.contents) ? doc.contents.get('images', true) : undefined;
  if (!isSeq(list)) return out;
  for (const item of list.items) {
    if (!isMap(item)) continue;
    const nameNode = item.get('name', true);
    const image: OutlineImage = { value: text_(nameNode), line: line(isScalar(nameNode) ? nameNode : item), digests: [] };
    const dmap = item.get('dmap', true);
    if (isMap(dmap)) {
      for (const pair of dmap.items) {
        const d: OutlineDigest = { value: text_(pair.key), line: line(pair.key), tags: [] };
        if (isSeq(pair.value)) for (const t of pair.value.items) d.tags.push({ value: text_(t), line: line(t) });
        image.digests.push(d);
      }
    }
    out.images.push(image);
  }
  return out;
}

function text_(node: unknown): string {
  if (!isScalar(node)) return '';
  if (typeof node.value === 'string') return node.value;
  return node.source ?? (node.value === null ? '' : String(node.value));
}
