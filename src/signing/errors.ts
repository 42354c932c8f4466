/** Errors of the signing and verification layer. */
import { KpromoError } from '../errors.js';

/** Codes: a signature that does not verify, a signer the policy does not trust, a signing failure. */
export type SignatureErrorCode = 'SIGNATURE_INVALID' | 'SIGNER_UNTRUSTED' | 'SIGNING_FAILED';

/** A signature that failed verification, or a signing step that failed. */
export class SignatureError extends KpromoError<SignatureErrorCode> {}
