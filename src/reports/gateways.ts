/**
 * Decoders for links that mail security gateways rewrote so every click passes through them.
 * Each decoder recognises only its own wrapper and returns the destination, or undefined when the
 * link is not its kind or does not decode; such a link is then kept as it appeared. Mimecast's
 * `protect-*.mimecast.com/s/<token>` links carry an opaque token, so they have no decoder.
 */
type Decoder = (link: string, parsed: URL) => string | undefined;

/** `urldefense.proofpoint.com/v1/url?u=<percent-encoded URL>&k=…` */
const proofpointV1: Decoder = (_link, parsed) =>
  parsed.hostname === 'urldefense.proofpoint.com' && parsed.pathname === '/v1/url'
    ? percentDecoded(rawQueryParam(parsed, 'u'))
    : undefined;

/** `urldefense.proofpoint.com/v2/url?u=<URL, % written as - and / as _>&d=…`. */
const proofpointV2: Decoder = (_link, parsed) => {
  if (parsed.hostname !== 'urldefense.proofpoint.com' || parsed.pathname !== '/v2/url') return undefined;
  const encoded = rawQueryParam(parsed, 'u');
  return encoded === undefined ? undefined : percentDecoded(encoded.replaceAll('-', '%').replaceAll('_', '/'));
};

/**
 * `urldefense.com/v3/__<URL>__;<base64url>!!<signature>`: characters the gateway would not keep
 * literally are each written as `*`, and their UTF-8 text is the base64url block after `__;`.
 * A run of n ≥ 2 of them is written `**` plus one letter of RUN_LENGTH_DIGITS (`A` = 2, `B` = 3, …).
 */
const V3_LINK = /^https?:\/\/urldefense(?:\.proofpoint)?\.com\/v3\/__(.+?)__;([^!]*)!/;
const V3_PLACEHOLDER = /\*(\*.)?/g;
const RUN_LENGTH_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const SHORTEST_RUN = 2;

const proofpointV3: Decoder = (link) => {
  const match = V3_LINK.exec(link);
  if (!match) return undefined;
  const [, encodedUrl = '', replacementBlock = ''] = match;
  const replacements = Array.from(Buffer.from(replacementBlock, 'base64url').toString('utf8'));
  let used = 0;
  let complete = true;
  const url = percentDecoded(encodedUrl)?.replace(V3_PLACEHOLDER, (_placeholder, run: string | undefined) => {
    const count = run === undefined ? 1 : RUN_LENGTH_DIGITS.indexOf(run.charAt(1)) + SHORTEST_RUN;
    const taken = replacements.slice(used, used + count);
    used += count;
    if (count < 1 || taken.length < count) complete = false;
    return taken.join('');
  });
  return complete ? url : undefined;
};

/** `<region>.safelinks.protection.outlook.com/?url=<percent-encoded URL>&data=…`. */
const microsoftSafeLinks: Decoder = (_link, parsed) =>
  parsed.hostname.endsWith('.safelinks.protection.outlook.com')
    ? (parsed.searchParams.get('url') ?? undefined)
    : undefined;

/** `www.google.com/url?q=<percent-encoded URL>&sa=…` (older links name it `url`). */
const googleRedirect: Decoder = (_link, parsed) =>
  /^(www\.)?google\.com$/.test(parsed.hostname) && parsed.pathname === '/url'
    ? (parsed.searchParams.get('q') ?? parsed.searchParams.get('url') ?? undefined)
    : undefined;

const DECODERS: readonly Decoder[] = [proofpointV1, proofpointV2, proofpointV3, microsoftSafeLinks, googleRedirect];

/** A link decoded by the first decoder that recognises it, when the result is itself a URL. */
export function decodeGatewayLink(link: string): string | undefined {
  const parsed = parsedUrl(link);
  if (!parsed) return undefined;
  for (const decoder of DECODERS) {
    const decoded = decoder(link, parsed);
    if (decoded !== undefined) return parsedUrl(decoded) ? decoded : undefined;
  }
  return undefined;
}

function parsedUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** A query parameter as written, without `+`-to-space folding, which these gateways do not apply. */
function rawQueryParam(parsed: URL, name: string): string | undefined {
  const prefix = `${name}=`;
  return parsed.search
    .slice(1)
    .split('&')
    .find((pair) => pair.startsWith(prefix))
    ?.slice(prefix.length);
}

/** Percent-decoding that leaves a malformed escape as it is instead of failing the whole link. */
function percentDecoded(text: string | undefined): string | undefined {
  return text?.replace(/(?:%[0-9a-f]{2})+/gi, (escapes) => {
    try {
      return decodeURIComponent(escapes);
    } catch {
      return escapes;
    }
  });
}
