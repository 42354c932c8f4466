/** kpromo's version, reported by `--version` and stamped into signatures and attestations. */
export const VERSION = '0.1.0';
