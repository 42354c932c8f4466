/**
 * Where each edge comes from in the manifests: its project (the thin manifest's project
 * directory, `manifests/<project>/`) and the file and line of its digest and of its tag. Edges are
 * keyed by where they land (the digest and the tag), first manifest first, as edge computation
 * keeps them: a second manifest naming the same digest with another tag is that edge's origin.
 * Pure.
 */
import { basename, dirname } from 'node:path';
import { sourceRegistry, type PromoterManifest, type SourcePos } from '../manifest/schema.js';
import type { Tag } from '../image/ref.js';
import type { Edge } from '../plan/edge.js';

/** An edge's project and the position of its digest line. */
export interface EdgeOrigin {
  project: string;
  /** The file holding the digest line (images.yaml of a thin manifest), and its line. */
  pos: SourcePos;
  /** The line of the edge's tag, when it is not the digest's line (a block list of tags). */
  tagPos?: SourcePos;
  /** The manifest file (`manifests/<project>/promoter-manifest.yaml`, or the --manifest). */
  manifestFile: string;
}

/** source registry → destination registry → image → digest → tag (`""`: tagless) → origin (no key strings built per lookup). */
type Nested = Map<string, Map<string, Map<string, Map<string, Map<string, EdgeOrigin>>>>>;

function child<V>(m: Map<string, V>, k: string, make: () => V): V {
  let v = m.get(k);
  if (v === undefined) m.set(k, (v = make()));
  return v;
}

/** The project of a manifest: its directory's name for a thin manifest, `""` for a plain one. */
export function projectOf(m: PromoterManifest): string {
  return m.imagesFile !== undefined ? basename(dirname(m.file)) : '';
}

/** Looks up the origin of edges (first manifest wins, as edge computation does). */
export class OriginIndex {
  private readonly bySource: Nested = new Map();

  constructor(manifests: readonly PromoterManifest[]) {
    for (const m of manifests) {
      const src = sourceRegistry(m);
      if (!src) continue;
      const project = projectOf(m);
      for (const img of m.images) {
        for (const [digest, tags] of img.dmap) {
          const pos = img.digestPos.get(digest) ?? img.pos;
          const tagPos = img.tagPos?.get(digest);
          for (const r of m.registries) {
            if (r.src) continue;
            const byDigest = child(child(child(this.bySource, src.name, () => new Map()), r.name, () => new Map()), img.name, () => new Map());
            const byTag = child(byDigest, digest, () => new Map<string, EdgeOrigin>());
            for (const t of tags.length ? tags : ['']) {
              if (byTag.has(t)) continue;
              const at = tagPos?.get(t as Tag);
              byTag.set(t, { project, pos, manifestFile: m.file, ...(at && at.line !== pos.line ? { tagPos: at } : {}) });
            }
          }
        }
      }
    }
  }

  /** The origin of `e`, when it came from these manifests. */
  of(e: Edge): EdgeOrigin | undefined {
    return this.bySource.get(e.srcRegistry)?.get(e.dstRegistry)?.get(e.srcImage)?.get(e.digest)?.get(e.tag ?? '');
  }
}
