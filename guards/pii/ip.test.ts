import { describe, expect, it } from "vitest";
import { findPii } from "./index.js";

const ips = (text: string) => findPii(text, { types: ["IP_ADDRESS"] }).map((s) => text.slice(s.start, s.end));

describe("IP_ADDRESS", () => {
  it("finds IPv4 with an optional prefix, at sentence ends and before ports", () => {
    expect(ips("Hosts 192.168.1.1, 10.0.0.0/8 and 0.0.0.0. Connect to 172.16.0.1:8080.")).toEqual([
      "192.168.1.1",
      "10.0.0.0/8",
      "0.0.0.0",
      "172.16.0.1",
    ]);
  });

  it("finds full, compressed, embedded-IPv4, zoned and prefixed IPv6", () => {
    const text =
      "a 684D:1111:222:3333:4444:5555:6:77 b 2001:db8::1 c ::1 d fe80::1%eth0 e ::ffff:192.0.2.1 " +
      "f 2001:db8::/32 g [2001:db8::8a2e:370:7334]:443";
    expect(ips(text)).toEqual([
      "684D:1111:222:3333:4444:5555:6:77",
      "2001:db8::1",
      "::1",
      "fe80::1%eth0",
      "::ffff:192.0.2.1",
      "2001:db8::/32",
      "2001:db8::8a2e:370:7334",
    ]);
  });

  it.each([
    ["octets over 255", "999.1.1.1 and 192.168.1.256"],
    ["three or five parts", "192.168.0 and 1.2.3.4.5"],
    ["versions", "version 1.2.3.4"],
    ["glued to letters", "IP192.168.1.1text"],
    ["times, ratios, ports, MACs", "12:34:56 1:2:3:4 80:443 aa:bb:cc:dd:ee:ff"],
    ["scope operators", "std::cout MyClass::toString"],
    ["two compressions", "2001::db8::1"],
    ["over-long groups", "12345:db8::1"],
    ["a Haskell type signature", "map :: (a -> b) -> [a] -> [b]"],
    ["a separator before a placeholder", "Format: <app> :: <day>/<month>"],
  ])("rejects %s", (_name, text) => {
    expect(ips(text)).toEqual([]);
  });

  it("drops an out-of-range prefix but keeps the address", () => {
    expect(ips("10.0.0.0/123")).toEqual(["10.0.0.0"]);
  });
});
