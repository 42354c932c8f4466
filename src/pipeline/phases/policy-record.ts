/** What the policy phase decided in a run, for the report. */
import type { EdgeDecision } from '../../policy/engine.js';

/** What the policy phase decided, for the report. */
export interface PolicyRecord {
  file: string;
  decisions: EdgeDecision[];
  /** Manifests read from the registry for `image` attributes. */
  imageReads: number;
  /** Images denied `sign` at a destination (`host/repo@digest`): the sign phase signs none of them. */
  signDenied?: ReadonlySet<string>;
}
