import { isIPv4, isIPv6 } from "node:net";

/** What an IP address is for; only "public" may be fetched. */
export type AddressKind =
  | "public"
  | "unspecified"
  | "loopback"
  | "private"
  | "link-local"
  | "unique-local"
  | "shared"
  | "benchmark"
  | "documentation"
  | "multicast"
  | "reserved"
  | "not-an-ip";

const DESCRIPTIONS: Record<AddressKind, string> = {
  public: "a public address",
  unspecified: "an unspecified (this-host) address",
  loopback: "a loopback address",
  private: "a private address",
  "link-local": "a link-local address (cloud metadata services live here)",
  "unique-local": "a unique-local (private IPv6) address",
  shared: "a carrier-grade NAT (shared) address",
  benchmark: "a benchmarking address",
  documentation: "a documentation-only address",
  multicast: "a multicast address",
  reserved: "a reserved address",
  "not-an-ip": "not an IP address",
};

/** Reads as the end of "10.0.0.5 is …". */
export function describeAddressKind(kind: AddressKind): string {
  return DESCRIPTIONS[kind];
}

// Special-purpose IPv4 blocks (IANA registry); anything outside them is public.
const IPV4_RANGES: readonly (readonly [string, number, AddressKind])[] = [
  ["0.0.0.0", 8, "unspecified"], // Linux connects 0.0.0.0 to the local host
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "shared"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "reserved"],
  ["192.0.2.0", 24, "documentation"],
  ["192.88.99.0", 24, "reserved"], // retired 6to4 relay anycast
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "benchmark"],
  ["198.51.100.0", 24, "documentation"],
  ["203.0.113.0", 24, "documentation"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"], // includes 255.255.255.255 broadcast
];

const IPV4_TABLE = IPV4_RANGES.map(([base, bits, kind]) => ({ base: ipv4ToNumber(base), bits, kind }));

/**
 * Classify an IP literal (IPv4 dotted quad or IPv6, with or without brackets or zone). Anything
 * that is not a valid literal is "not-an-ip", so callers that only allow "public" fail closed.
 */
export function classifyAddress(address: string): AddressKind {
  const text = stripBrackets(address);
  if (isIPv4(text)) return classifyIPv4(ipv4ToNumber(text));
  const words = parseIPv6(text);
  return words ? classifyIPv6(words) : "not-an-ip";
}

/**
 * A comparable key for an address, so "127.0.0.2", "::ffff:127.0.0.2" and "::FFFF:7f00:2" are
 * the same; undefined when the text is not an IP literal.
 */
export function addressKey(address: string): string | undefined {
  const text = stripBrackets(address);
  if (isIPv4(text)) return `v4:${ipv4ToNumber(text)}`;
  const words = parseIPv6(text);
  if (!words) return undefined;
  const mapped = embeddedMappedIPv4(words);
  return mapped === undefined ? `v6:${words.join(":")}` : `v4:${mapped}`;
}

function classifyIPv4(value: number): AddressKind {
  for (const { base, bits, kind } of IPV4_TABLE) {
    if (inPrefix(value, base, bits)) return kind;
  }
  return "public";
}

function classifyIPv6(w: readonly number[]): AddressKind {
  const [w0 = 0, w1 = 0, w2 = 0, w3 = 0, w4 = 0, w5 = 0, w6 = 0, w7 = 0] = w;
  const high96Zero = w0 === 0 && w1 === 0 && w2 === 0 && w3 === 0 && w4 === 0 && w5 === 0;
  if (high96Zero && w6 === 0 && w7 === 0) return "unspecified";
  if (high96Zero && w6 === 0 && w7 === 1) return "loopback";
  // IPv4 written in IPv6 form reaches the IPv4 address, so judge that address.
  const mapped = embeddedMappedIPv4(w);
  if (mapped !== undefined) return classifyIPv4(mapped);
  if (w0 === 0x64 && w1 === 0xff9b && w2 === 0 && w3 === 0 && w4 === 0 && w5 === 0) {
    return classifyIPv4(joinWords(w6, w7)); // NAT64 well-known prefix 64:ff9b::/96
  }
  if (w0 === 0x64 && w1 === 0xff9b && w2 === 1) return "private"; // local-use NAT64 64:ff9b:1::/48
  if (w0 === 0x2002) return classifyIPv4(joinWords(w1, w2)); // 6to4 embeds the IPv4 address
  if ((w0 & 0xfe00) === 0xfc00) return "unique-local"; // fc00::/7
  if ((w0 & 0xffc0) === 0xfe80) return "link-local"; // fe80::/10
  if ((w0 & 0xffc0) === 0xfec0) return "private"; // fec0::/10, retired site-local
  if ((w0 & 0xff00) === 0xff00) return "multicast";
  if (w0 === 0x2001 && w1 === 0x0db8) return "documentation";
  if (w0 === 0x3fff && w1 <= 0x0fff) return "documentation"; // 3fff::/20
  if (w0 === 0x2001 && w1 === 0x0002 && w2 === 0) return "benchmark"; // 2001:2::/48
  // 2001::/23 holds Teredo (hides its real IPv4 endpoint), ORCHID and other protocol blocks.
  if (w0 === 0x2001 && w1 < 0x0200) return "reserved";
  // Only 2000::/3 is handed out as global unicast; everything else is special or unassigned.
  if ((w0 & 0xe000) !== 0x2000) return "reserved";
  return "public";
}

/** The IPv4 address inside ::ffff:a.b.c.d (mapped), or undefined. */
function embeddedMappedIPv4(w: readonly number[]): number | undefined {
  const [w0, w1, w2, w3, w4, w5, w6 = 0, w7 = 0] = w;
  if (w0 === 0 && w1 === 0 && w2 === 0 && w3 === 0 && w4 === 0 && w5 === 0xffff) return joinWords(w6, w7);
  return undefined;
}

function stripBrackets(address: string): string {
  const unbracketed = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  // A zone ("fe80::1%eth0") only picks an interface; the address itself is what we judge.
  const zone = unbracketed.indexOf("%");
  return zone === -1 ? unbracketed : unbracketed.slice(0, zone);
}

function ipv4ToNumber(text: string): number {
  return text.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
}

function joinWords(high: number, low: number): number {
  return high * 0x10000 + low;
}

function inPrefix(value: number, base: number, bits: number): boolean {
  const size = 2 ** (32 - bits);
  return Math.floor(value / size) === Math.floor(base / size);
}

/** Eight 16-bit words, or undefined for anything node:net does not accept as IPv6. */
function parseIPv6(text: string): number[] | undefined {
  if (!isIPv6(text)) return undefined;
  let body = text;
  const tail: number[] = [];
  const lastColon = body.lastIndexOf(":");
  const last = body.slice(lastColon + 1);
  if (last.includes(".")) {
    // Trailing dotted quad, e.g. ::ffff:127.0.0.1.
    const value = ipv4ToNumber(last);
    tail.push(Math.floor(value / 0x10000), value % 0x10000);
    body = body.slice(0, lastColon + 1);
    if (!body.endsWith("::")) body = body.slice(0, -1); // drop the separator, keep a "::"
  }
  const toWords = (part: string): number[] => (part === "" ? [] : part.split(":").map((h) => parseInt(h, 16)));
  const gap = body.indexOf("::");
  let words: number[];
  if (gap === -1) {
    words = toWords(body);
  } else {
    const head = toWords(body.slice(0, gap));
    const rest = toWords(body.slice(gap + 2));
    const zeros = 8 - tail.length - head.length - rest.length;
    words = [...head, ...Array<number>(zeros).fill(0), ...rest];
  }
  words.push(...tail);
  return words.length === 8 ? words : undefined;
}
