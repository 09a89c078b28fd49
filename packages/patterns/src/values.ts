// What patterns see of an event, and the string and address primitives both matchers share.
// The reference evaluator and the compiled index each build on these, so the two agree on what
// a field, a value, a case-folded string, a wildcard and an IP address are.

/** A value a matcher can test: what JSON calls a string, number, boolean or null. */
export type Value = string | number | boolean | null;

export function isValue(value: unknown): value is Value {
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean' || value === null;
}

/**
 * Whether a value has fields a pattern can descend into: any object but an array and an
 * ArrayBuffer view (a Buffer of Avro `bytes` is opaque, not an object of byte fields).
 */
export function hasFields(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

/**
 * Whether reading `name` from an object could reach Object.prototype (`constructor`,
 * `toString`, `__proto__`, …): such a field is read only when the object has it as its own.
 */
export function isInheritedName(name: string): boolean {
  return name in Object.prototype;
}

/**
 * Reads one field by plain property access, so a getter (the router's lazily decoded `data`)
 * runs only when a pattern needs the field, and whatever it throws propagates.
 */
export function readField(record: object, name: string): unknown {
  if (isInheritedName(name) && !Object.hasOwn(record, name)) return undefined;
  return (record as Record<string, unknown>)[name];
}

/**
 * Case folding for equals-ignore-case and the ignore-case prefix and suffix:
 * `String.prototype.toLowerCase` (locale-independent Unicode lower-casing), with final sigma ς
 * folded to σ so that folding a string folds each character alone (a prefix of a string folds
 * to a prefix of the folded string). Not full Unicode case folding: ß and SS stay different.
 */
export function foldCase(text: string): string {
  const lower = text.toLowerCase();
  return lower.includes('ς') ? lower.replaceAll('ς', 'σ') : lower;
}

/**
 * A parsed wildcard: the literal text between the stars (`a*b\*c` → `['a', 'b*c']`). One part
 * means no star: the wildcard is an exact string.
 */
export interface Wildcard {
  readonly parts: readonly string[];
}

/** Parses `*` (any run of characters), `\*` (a star) and `\\` (a backslash); a string is a reason. */
export function parseWildcard(text: string): Wildcard | string {
  const parts: string[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '\\') {
      const next = text[i + 1];
      if (next !== '*' && next !== '\\') return 'a backslash must escape * or \\ (write \\\\ for a backslash)';
      literal += next;
      i++;
    } else if (char === '*') {
      if (text[i + 1] === '*') return 'consecutive wildcard characters (**) are not allowed';
      parts.push(literal);
      literal = '';
    } else {
      literal += char;
    }
  }
  parts.push(literal);
  return { parts };
}

export function wildcardMatches(wildcard: Wildcard, text: string): boolean {
  const parts = wildcard.parts;
  const first = parts[0] ?? '';
  if (parts.length === 1) return text === first;
  const last = parts[parts.length - 1] ?? '';
  if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  // Leftmost placement of each middle part leaves the most room for the rest, so greedy is exact.
  const end = text.length - last.length;
  let at = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i] ?? '';
    const found = text.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}

/** An IPv4 address as one unsigned 32-bit number, IPv6 as eight 16-bit words. */
export type IpAddress = { readonly version: 4; readonly value: number } | { readonly version: 6; readonly words: readonly number[] };

export interface CidrBlock {
  readonly address: IpAddress;
  readonly bits: number;
}

const OCTET = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const HEXTET = /^[0-9a-fA-F]{1,4}$/;

/** Dotted-quad IPv4, decimal octets 0-255 without leading zeros (`010.0.0.1` is not an address). */
export function parseIpv4(text: string): number | undefined {
  const octets = text.split('.');
  if (octets.length !== 4) return undefined;
  let value = 0;
  for (const octet of octets) {
    if (!OCTET.test(octet)) return undefined;
    value = value * 256 + Number(octet);
  }
  return value;
}

function hextets(side: string, lastMayBeIpv4: boolean): number[] | undefined {
  if (side === '') return [];
  const groups = side.split(':');
  const words: number[] = [];
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i] ?? '';
    if (lastMayBeIpv4 && i === groups.length - 1 && group.includes('.')) {
      const v4 = parseIpv4(group);
      if (v4 === undefined) return undefined;
      words.push(Math.floor(v4 / 65536), v4 % 65536);
    } else if (HEXTET.test(group)) {
      words.push(Number.parseInt(group, 16));
    } else {
      return undefined;
    }
  }
  return words;
}

/** RFC 4291 text form: hex groups, one `::` at most, an optional dotted IPv4 tail; no zone id. */
export function parseIpv6(text: string): number[] | undefined {
  if (text.length > 45) return undefined;
  const gap = text.indexOf('::');
  if (gap < 0) {
    const words = hextets(text, true);
    return words?.length === 8 ? words : undefined;
  }
  if (text.indexOf('::', gap + 1) >= 0) return undefined;
  const head = hextets(text.slice(0, gap), false);
  const tail = hextets(text.slice(gap + 2), true);
  if (head === undefined || tail === undefined || head.length + tail.length > 7) return undefined;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** An IPv4 address if the text has no `:`, else an IPv6 address; undefined if neither. */
export function parseIp(text: string): IpAddress | undefined {
  if (text.includes(':')) {
    const words = parseIpv6(text);
    return words === undefined ? undefined : { version: 6, words };
  }
  const value = parseIpv4(text);
  return value === undefined ? undefined : { version: 4, value };
}

/** `address/bits`; host bits may be set (`10.0.0.7/24` is the block 10.0.0.0/24). */
export function parseCidr(text: string): CidrBlock | undefined {
  const slash = text.lastIndexOf('/');
  if (slash < 0) return undefined;
  const bitsText = text.slice(slash + 1);
  if (!/^(?:0|[1-9]\d{0,2})$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  const address = parseIp(text.slice(0, slash));
  if (address === undefined || bits > (address.version === 4 ? 32 : 128)) return undefined;
  return { address, bits };
}

export function cidrContains(block: CidrBlock, address: IpAddress): boolean {
  const base = block.address;
  if (base.version === 4) {
    if (address.version !== 4) return false;
    return block.bits === 0 || Math.floor(base.value / 2 ** (32 - block.bits)) === Math.floor(address.value / 2 ** (32 - block.bits));
  }
  if (address.version !== 6) return false;
  for (let i = 0; i < 8; i++) {
    const bits = Math.min(16, block.bits - i * 16);
    if (bits <= 0) break;
    const mask = (0xffff << (16 - bits)) & 0xffff;
    if ((((base.words[i] ?? 0) ^ (address.words[i] ?? 0)) & mask) !== 0) return false;
  }
  return true;
}
