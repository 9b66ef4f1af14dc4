/**
 * The share URL: the whole network and the hyperparameters in the page's hash, as
 * `#share=v1.<base64url(deflate(JSON))>`. Opening a URL validates everything it holds: a
 * hand-edited, truncated or hostile hash gives a message and keeps the defaults for the parts
 * it spoiled (the network and the hyperparameters are checked apart). Decoding is bounded:
 * the hash length, the inflated size (no deflate bombs) and the JSON shape.
 */
import { Inflate, deflateSync, strFromU8, strToU8 } from 'fflate';
import type { NetworkSpec } from '../model/spec';
import { validateSpec } from '../model/schema';
import { validateHyperparameters, type Hyperparameters } from '../model/hyperparameters';

export const SHARE_PARAM = 'share';
const VERSION_PREFIX = 'v1.';
/** A shared L=96 DMRNet encodes to well under 1 KiB; anything far above is not ours. */
export const MAX_SHARE_CHARS = 16_384;
export const MAX_INFLATED_BYTES = 512 * 1024;

export interface SharedState {
  spec: NetworkSpec;
  hyper: Hyperparameters;
}

export type ShareDecode =
  | { kind: 'none' }
  | {
      kind: 'decoded';
      /** Undefined where the URL's network was unusable (the message says why). */
      spec: NetworkSpec | undefined;
      hyper: Hyperparameters | undefined;
      messages: string[];
    };

function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const padded =
    text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  try {
    const bin = atob(padded);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

/** Inflates in small pushes so that a bomb is stopped at MAX_INFLATED_BYTES. */
function boundedInflate(data: Uint8Array): Uint8Array | 'too-large' | 'corrupt' {
  const parts: Uint8Array[] = [];
  let total = 0;
  let tooLarge = false;
  const inflater = new Inflate((chunk) => {
    total += chunk.length;
    if (total > MAX_INFLATED_BYTES) tooLarge = true;
    else parts.push(chunk);
  });
  try {
    const step = 256;
    for (let i = 0; i < data.length && !tooLarge; i += step) {
      inflater.push(data.subarray(i, i + step), i + step >= data.length);
    }
  } catch {
    return 'corrupt';
  }
  if (tooLarge) return 'too-large';
  if (total === 0) return 'corrupt';
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * The hash of each state already encoded or opened from a link, per spec and hyperparameter
 * objects (the store keeps them unchanged until an edit): compressing a 1,000-block network
 * costs tens of ms, and the share field asks for the hash after every render of a new state.
 */
const knownHashes = new WeakMap<NetworkSpec, WeakMap<Hyperparameters, string>>();

function remember(state: SharedState, hash: string): void {
  let byHyper = knownHashes.get(state.spec);
  if (!byHyper) {
    byHyper = new WeakMap();
    knownHashes.set(state.spec, byHyper);
  }
  byHyper.set(state.hyper, hash);
}

/** The hash fragment (with its '#') for a network and its hyperparameters. */
export function encodeShareHash(state: SharedState): string {
  const known = knownHashes.get(state.spec)?.get(state.hyper);
  if (known !== undefined) return known;
  const json = JSON.stringify({ spec: state.spec, hyper: state.hyper });
  const hash = `#${SHARE_PARAM}=${VERSION_PREFIX}${toBase64Url(deflateSync(strToU8(json), { level: 9 }))}`;
  remember(state, hash);
  return hash;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a location hash. `kind: 'none'` when it holds no share state at all. */
export function decodeShareHash(hash: string): ShareDecode {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  if (raw === '') return { kind: 'none' };
  const params = new URLSearchParams(raw.length > MAX_SHARE_CHARS * 2 ? '' : raw);
  const value = params.get(SHARE_PARAM);
  const fail = (message: string): ShareDecode => ({
    kind: 'decoded',
    spec: undefined,
    hyper: undefined,
    messages: [`The shared link could not be opened: ${message} The default network is shown.`],
  });
  if (raw.length > MAX_SHARE_CHARS * 2) return fail('it is far too long.');
  if (value === null) return { kind: 'none' };
  if (value.length > MAX_SHARE_CHARS) return fail('it is far too long.');
  if (!value.startsWith(VERSION_PREFIX)) {
    return fail('it was made by an unknown version of the playground.');
  }
  const bytes = fromBase64Url(value.slice(VERSION_PREFIX.length));
  if (!bytes || bytes.length === 0) return fail('it is not valid base64url (was it cut off?).');
  const inflated = boundedInflate(bytes);
  if (inflated === 'too-large') return fail('it expands to more data than any network needs.');
  if (inflated === 'corrupt') return fail('its compressed data is damaged (was it cut off?).');
  let parsed: unknown;
  try {
    parsed = JSON.parse(strFromU8(inflated));
  } catch {
    return fail('its data is not valid JSON.');
  }
  if (!isRecord(parsed)) return fail('its data is not an object.');

  const messages: string[] = [];
  let spec: NetworkSpec | undefined;
  const checked = validateSpec(parsed.spec);
  if (checked.ok) spec = checked.spec;
  else {
    messages.push(
      `The shared network is not valid, so the default network is kept: ${checked.errors.slice(0, 5).join('; ')}`,
    );
  }
  let hyper: Hyperparameters | undefined;
  const h = validateHyperparameters(parsed.hyper);
  if (h.ok) hyper = h.value;
  else {
    messages.push(
      `Some shared hyperparameters are not valid, so their defaults are kept: ${Object.values(h.errors).join(' ')}`,
    );
    hyper = h.value;
  }
  // A link opened whole is its own share hash: the page need not compress it again.
  if (spec && hyper && messages.length === 0) remember({ spec, hyper }, `#${SHARE_PARAM}=${value}`);
  return { kind: 'decoded', spec, hyper, messages };
}

/** The full share URL for the current page. */
export function shareUrl(
  location: { origin: string; pathname: string; search: string },
  state: SharedState,
): string {
  return `${location.origin}${location.pathname}${location.search}${encodeShareHash(state)}`;
}
