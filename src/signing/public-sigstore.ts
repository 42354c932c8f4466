/**
 * The public sigstore endpoints (upstream's defaults), in a module of their own so the cip flags
 * can name them without loading @sigstore/sign at start-up.
 */

/** The public sigstore instances (upstream defaults). */
export const PUBLIC_SIGSTORE = {
  fulcioUrl: 'https://fulcio.sigstore.dev',
  rekorUrl: 'https://rekor.sigstore.dev',
  tsaUrl: 'https://timestamp.sigstore.dev',
} as const;
