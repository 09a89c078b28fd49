// Grammar checks for attribute values. Each returns the reason a value is wrong, or undefined
// when it is right, so the caller can name the attribute and collect every problem at once.
import { isIPv6 } from 'node:net';

/** Quotes a value for a problem message, cut short so a huge header cannot flood a log. */
export function quote(value: string): string {
  const max = 80;
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}

/**
 * The CloudEvents type system forbids control characters, noncharacters and unpaired
 * surrogates in String values.
 */
export function checkCloudEventsString(value: string): string | undefined {
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    const isControl = code <= 0x1f || (code >= 0x7f && code <= 0x9f);
    const isSurrogate = code >= 0xd800 && code <= 0xdfff; // only unpaired ones survive for..of
    const isNoncharacter = (code >= 0xfdd0 && code <= 0xfdef) || (code & 0xfffe) === 0xfffe;
    if (isControl || isSurrogate || isNoncharacter) {
      return `must not contain ${isControl ? 'control character' : isSurrogate ? 'unpaired surrogate' : 'noncharacter'} U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
    }
  }
  return undefined;
}

// RFC 3339 section 5.6 with "T" and "Z" upper case only, a restriction the section allows:
// lower-case forms are valid RFC 3339 but not ISO 8601 as many consumers' parsers read it.
const RFC3339 =
  /^(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})T(?<hour>\d{2}):(?<minute>\d{2}):(?<second>\d{2})(?:\.\d+)?(?:Z|[+-](?<offsetHour>\d{2}):(?<offsetMinute>\d{2}))$/;

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

export function checkTimestamp(value: string): string | undefined {
  const fields = RFC3339.exec(value)?.groups;
  if (!fields) return `must be an RFC 3339 timestamp, got ${quote(value)}`;
  const field = (name: string): number => Number(fields[name] ?? 0);
  const [year, month, day] = [field('year'), field('month'), field('day')];
  if (month < 1 || month > 12) return `must be an RFC 3339 timestamp, got ${quote(value)}: there is no month ${month}`;
  const daysInMonth = daysIn(year, month);
  if (day < 1 || day > daysInMonth) return `must be an RFC 3339 timestamp, got ${quote(value)}: ${fields.year}-${fields.month} has ${daysInMonth} days`;
  if (field('hour') > 23 || field('offsetHour') > 23) return `must be an RFC 3339 timestamp, got ${quote(value)}: an hour is at most 23`;
  if (field('minute') > 59 || field('offsetMinute') > 59) return `must be an RFC 3339 timestamp, got ${quote(value)}: a minute is at most 59`;
  // RFC 3339 allows a leap second, but a JavaScript Date cannot hold one and the CloudEvents
  // JS SDK throws a RangeError on reading it, so a Herald record must never carry one.
  if (field('second') === 60) return `must not be a leap second (:60): a JavaScript Date, and so the CloudEvents JS SDK, cannot represent it; got ${quote(value)}`;
  if (field('second') > 59) return `must be an RFC 3339 timestamp, got ${quote(value)}: a second is at most 59`;
  return undefined;
}

// RFC 3986 appendix A, assembled from its named rules. The IP-literal is matched loosely
// here and checked exactly below, since an IPv6 regex would be unreadable.
const UNRESERVED = 'A-Za-z0-9\\-._~';
const SUB_DELIMS = "!$&'()*+,;=";
const PCT_ENCODED = '%[0-9A-Fa-f]{2}';
const PCHAR = `(?:[${UNRESERVED}${SUB_DELIMS}:@]|${PCT_ENCODED})`;
const SEGMENT = `${PCHAR}*`;
const SEGMENT_NZ = `${PCHAR}+`;
const SEGMENT_NZ_NC = `(?:[${UNRESERVED}${SUB_DELIMS}@]|${PCT_ENCODED})+`;
const USERINFO = `(?:[${UNRESERVED}${SUB_DELIMS}:]|${PCT_ENCODED})*`;
const REG_NAME = `(?:[${UNRESERVED}${SUB_DELIMS}]|${PCT_ENCODED})*`;
const AUTHORITY = `(?:${USERINFO}@)?(\\[[^\\]/]*\\]|${REG_NAME})(?::\\d*)?`;
const PATH_ABEMPTY = `(?:/${SEGMENT})*`;
const PATH_ABSOLUTE = `/(?:${SEGMENT_NZ}(?:/${SEGMENT})*)?`;
const PATH_ROOTLESS = `${SEGMENT_NZ}(?:/${SEGMENT})*`;
const PATH_NOSCHEME = `${SEGMENT_NZ_NC}(?:/${SEGMENT})*`;
const QUERY_AND_FRAGMENT = `(?:\\?(?:${PCHAR}|[/?])*)?(?:#(?:${PCHAR}|[/?])*)?`;
const SCHEME = '[A-Za-z][A-Za-z0-9+.\\-]*';

const URI = new RegExp(`^${SCHEME}:(?://${AUTHORITY}${PATH_ABEMPTY}|${PATH_ABSOLUTE}|${PATH_ROOTLESS}|)${QUERY_AND_FRAGMENT}$`);
const RELATIVE_REF = new RegExp(`^(?://${AUTHORITY}${PATH_ABEMPTY}|${PATH_ABSOLUTE}|${PATH_NOSCHEME}|)${QUERY_AND_FRAGMENT}$`);
const IP_FUTURE = new RegExp(`^v[0-9A-Fa-f]+\\.[${UNRESERVED}${SUB_DELIMS}:]+$`);

function hasValidIpLiteral(match: RegExpExecArray): boolean {
  const host = match[1];
  if (host === undefined || !host.startsWith('[')) return true;
  const literal = host.slice(1, -1);
  return isIPv6(literal) || IP_FUTURE.test(literal);
}

function isUri(value: string): boolean {
  const match = URI.exec(value);
  return match !== null && hasValidIpLiteral(match);
}

function isRelativeRef(value: string): boolean {
  const match = RELATIVE_REF.exec(value);
  return match !== null && hasValidIpLiteral(match);
}

/** An absolute URI (RFC 3986 `URI`): scheme, then the rest. */
export function checkUri(value: string): string | undefined {
  if (isUri(value)) return undefined;
  if (isRelativeRef(value)) return `must be an absolute URI with a scheme (RFC 3986), got the relative reference ${quote(value)}`;
  return `must be a URI (RFC 3986), got ${quote(value)}`;
}

/** A URI or a relative reference (RFC 3986 `URI-reference`). */
export function checkUriReference(value: string): string | undefined {
  return isUri(value) || isRelativeRef(value) ? undefined : `must be a URI-reference (RFC 3986), got ${quote(value)}`;
}

// RFC 9110 section 8.3.1 (media-type = type "/" subtype parameters), ASCII only.
const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const QUOTED_STRING = '"(?:[\\t !#-\\[\\]-~]|\\\\[\\t -~])*"';
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(?:[ \\t]*;[ \\t]*${TOKEN}=(?:${TOKEN}|${QUOTED_STRING}))*$`);

export function checkMediaType(value: string): string | undefined {
  if (!MEDIA_TYPE.test(value)) return `must be a media type such as "application/avro" (RFC 9110), got ${quote(value)}`;
  // The Kafka binding reads a content-type starting with application/cloudevents as
  // structured mode: such a record would be misread by every CloudEvents SDK.
  if (value.toLowerCase().startsWith('application/cloudevents')) {
    return `must not be an application/cloudevents media type: in binary content mode that marks a structured-mode record; got ${quote(value)}`;
  }
  return undefined;
}

// W3C Trace Context, version 00: version-traceid-parentid-flags, lowercase hex.
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

export function checkTraceparent(value: string): string | undefined {
  const match = TRACEPARENT.exec(value);
  if (!match) return `must be a W3C traceparent "00-<32 hex>-<16 hex>-<2 hex>" in lowercase hex, got ${quote(value)}`;
  if (/^0+$/.test(match[1] ?? '')) return `must not have an all-zero trace-id, got ${quote(value)}`;
  if (/^0+$/.test(match[2] ?? '')) return `must not have an all-zero parent-id, got ${quote(value)}`;
  return undefined;
}
