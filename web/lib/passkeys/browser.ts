/**
 * The browser's side of a passkey ceremony, with the WebAuthn JSON helpers browsers now ship
 * (`PublicKeyCredential.parseCreationOptionsFromJSON`, `parseRequestOptionsFromJSON`,
 * `credential.toJSON()`), so no base64url or CBOR handling is written here. The API sends the
 * options as JSON and takes the credential back as JSON (Identity's PasskeyHandler on the server).
 */

// Not yet in TypeScript's DOM library: the static JSON parsers and conditional mediation's check.
interface PublicKeyCredentialJsonStatics {
  parseCreationOptionsFromJSON?(options: unknown): PublicKeyCredentialCreationOptions;
  parseRequestOptionsFromJSON?(options: unknown): PublicKeyCredentialRequestOptions;
  isConditionalMediationAvailable?(): Promise<boolean>;
}

type JsonCredential = PublicKeyCredential & { toJSON?(): unknown };

function statics(): PublicKeyCredentialJsonStatics | null {
  return typeof window !== 'undefined' && 'PublicKeyCredential' in window
    ? (window.PublicKeyCredential as unknown as PublicKeyCredentialJsonStatics)
    : null;
}

/** Whether this browser can use passkeys with JSON options (every current browser can). */
export function passkeysSupported(): boolean {
  const api = statics();
  return api !== null && typeof api.parseCreationOptionsFromJSON === 'function' && typeof api.parseRequestOptionsFromJSON === 'function';
}

/** Whether the browser offers passkeys in a username field's autofill (conditional mediation). */
export async function autofillSupported(): Promise<boolean> {
  const api = statics();
  return passkeysSupported() && typeof api?.isConditionalMediationAvailable === 'function' && (await api.isConditionalMediationAvailable());
}

/** Makes a passkey from the API's creation options; resolves to the credential as JSON for the API. */
export async function createPasskey(options: unknown): Promise<unknown> {
  const publicKey = statics()!.parseCreationOptionsFromJSON!(options);
  const credential = (await navigator.credentials.create({ publicKey })) as JsonCredential | null;
  if (!credential?.toJSON) throw new DOMException('No passkey was created.', 'NotAllowedError');
  return credential.toJSON();
}

/**
 * Asks for a passkey with the API's request options. `conditional`: offer it in the autofill of an
 * input with `autocomplete="username webauthn"` instead of a dialog; `signal` cancels the wait.
 */
export async function getPasskey(options: unknown, { conditional = false, signal }: { conditional?: boolean; signal?: AbortSignal } = {}): Promise<unknown> {
  const publicKey = statics()!.parseRequestOptionsFromJSON!(options);
  const credential = (await navigator.credentials.get({ publicKey, signal, ...(conditional ? { mediation: 'conditional' as CredentialMediationRequirement } : {}) })) as JsonCredential | null;
  if (!credential?.toJSON) throw new DOMException('No passkey was chosen.', 'NotAllowedError');
  return credential.toJSON();
}

/** True when the person dismissed the browser's dialog or it timed out: not an error to report loudly. */
export function wasCancelled(error: unknown): boolean {
  return error instanceof DOMException && (error.name === 'NotAllowedError' || error.name === 'AbortError');
}
