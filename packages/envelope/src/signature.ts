// The `herald-signature` header: an HMAC over everything that makes a record a particular
// Herald event (key, value, content-type, every ce_ header) and over nothing a router may add
// on the way (routing headers, the signature itself), so a record forwarded unchanged still
// verifies and an injected or altered one does not.
import type { Keyring } from './keyring.js';
import { headerValues, isCloudEventsHeader, toBytes, type HeaderValue, type KafkaRecord } from './record.js';

/** Not a `ce_` header, so CloudEvents SDKs do not read it as an attribute. */
export const SIGNATURE_HEADER = 'herald-signature';

export const VERIFICATION_FAILURES = ['missing', 'malformed', 'unknown_key', 'mismatch'] as const;

export type VerificationFailure = (typeof VERIFICATION_FAILURES)[number];

export type Verification = { ok: true; keyId: string } | { ok: false; reason: VerificationFailure };

// v1;kid=<key id>;sig=<HMAC-SHA256, unpadded base64url: 32 bytes are 43 characters>
const SIGNATURE_FORMAT = /^v1;kid=([A-Za-z0-9._-]{1,64});sig=([A-Za-z0-9_-]{43})$/;

// Tags the input with its format, so a MAC over it can never be replayed as a MAC over
// some other serialization made with the same key.
const FORMAT_TAG = Buffer.from('herald-signature-v1', 'utf8');
const ABSENT = 0xffffffff;

/**
 * The signed bytes: a sequence of length-prefixed fields (uint32 big-endian length, then the
 * bytes; a missing key or value is the length 0xFFFFFFFF and no bytes), so no two different
 * records serialize alike:
 *
 *   tag "herald-signature-v1" · key · value · uint32 header count ·
 *   per header, sorted by the UTF-8 bytes of its name: name · uint32 value count · values
 *
 * The headers are every `ce_*` header and `content-type`, matched case-insensitively so a
 * look-alike (`CE_Type`) injected next to the real one breaks the signature too.
 */
export function signingInput(record: KafkaRecord): Buffer {
  // One pass to size, one to write into a single buffer: no per-field allocations. (This runs
  // for every record the router and the replay service read: it is kept lean.)
  const signed: SignedHeader[] = [];
  const headers = record.headers ?? {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || !Object.hasOwn(headers, name)) continue;
    let known = headerNames.get(name);
    if (!known) {
      known = { name, bytes: Buffer.from(name, 'utf8'), signed: isCloudEventsHeader(name), ascii: Buffer.byteLength(name) === name.length };
      if (headerNames.size < 1024) headerNames.set(name, known);
    }
    if (known.signed) signed.push({ known, values: Array.isArray(value) ? value : [value] });
  }
  signed.sort(byNameBytes);
  let size = 4 + FORMAT_TAG.length + 4 + length(record.key) + 4 + length(record.value) + 4;
  for (const h of signed) {
    size += 4 + h.known.bytes.length + 4;
    for (const v of h.values) size += 4 + length(v);
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  const count = (n: number) => {
    out.writeUInt32BE(n, at);
    at += 4;
  };
  const field = (v: HeaderValue | null | undefined) => {
    if (v === null || v === undefined) return count(ABSENT);
    if (typeof v === 'string') {
      const n = out.write(v, at + 4, 'utf8');
      count(n);
      at += n;
    } else {
      count(v.length);
      // TypedArray#set: no call into C++ for the short header values.
      out.set(v, at);
      at += v.length;
    }
  };
  field(FORMAT_TAG);
  field(record.key);
  field(record.value);
  count(signed.length);
  for (const { known, values } of signed) {
    field(known.bytes);
    count(values.length);
    for (const v of values) field(v);
  }
  return out;
}

interface KnownHeader {
  name: string;
  bytes: Buffer;
  signed: boolean;
  /** ASCII names compare as strings exactly as their UTF-8 bytes do. */
  ascii: boolean;
}

interface SignedHeader {
  known: KnownHeader;
  values: HeaderValue[];
}

const length = (v: HeaderValue | null | undefined) => (v === null || v === undefined ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length);

function byNameBytes(a: SignedHeader, b: SignedHeader): number {
  if (a.known.ascii && b.known.ascii) return a.known.name < b.known.name ? -1 : a.known.name > b.known.name ? 1 : 0;
  return Buffer.compare(a.known.bytes, b.known.bytes);
}

const headerNames = new Map<string, KnownHeader>();

/** The `herald-signature` header value for a record, signed with the keyring's current key. */
export function signMessage(record: KafkaRecord, keyring: Keyring): string {
  const { keyId, mac } = keyring.sign(signingInput(record));
  return `v1;kid=${keyId};sig=${mac.toString('base64url')}`;
}

function parseSignature(header: HeaderValue): { keyId: string; mac: Buffer } | undefined {
  const match = SIGNATURE_FORMAT.exec(toBytes(header).toString('utf8'));
  if (!match?.[1] || !match[2]) return undefined;
  const mac = Buffer.from(match[2], 'base64url');
  // 43 characters leave 2 spare bits; only the canonical spelling is accepted.
  return mac.toString('base64url') === match[2] ? { keyId: match[1], mac } : undefined;
}

/**
 * Checks a record's signature against the keyring. A failure is a value with a reason, not an
 * exception: a consumer drops or dead-letters the record and carries on.
 */
export function verifyMessage(record: KafkaRecord, keyring: Keyring): Verification {
  const headers = headerValues(record.headers?.[SIGNATURE_HEADER]);
  if (headers.length === 0) return { ok: false, reason: 'missing' };
  const signature = headers.length === 1 && headers[0] !== undefined ? parseSignature(headers[0]) : undefined;
  if (!signature) return { ok: false, reason: 'malformed' };
  const check = keyring.verify(signature.keyId, signingInput(record), signature.mac);
  return check === 'ok' ? { ok: true, keyId: signature.keyId } : { ok: false, reason: check };
}
