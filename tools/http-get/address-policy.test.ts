import { describe, expect, it } from "vitest";
import { addressKey, classifyAddress, describeAddressKind, type AddressKind } from "./address-policy.js";

describe("classifyAddress: IPv4", () => {
  it.each<[string, AddressKind]>([
    ["0.0.0.0", "unspecified"],
    ["0.255.255.255", "unspecified"],
    ["10.0.0.1", "private"],
    ["10.255.255.255", "private"],
    ["100.63.255.255", "public"],
    ["100.64.0.1", "shared"],
    ["100.127.255.255", "shared"],
    ["100.128.0.0", "public"],
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["169.254.169.254", "link-local"],
    ["169.254.0.1", "link-local"],
    ["169.255.0.1", "public"],
    ["172.15.255.255", "public"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["172.32.0.0", "public"],
    ["192.0.0.8", "reserved"],
    ["192.0.2.10", "documentation"],
    ["192.88.99.1", "reserved"],
    ["192.167.255.255", "public"],
    ["192.168.1.1", "private"],
    ["192.169.0.0", "public"],
    ["198.17.255.255", "public"],
    ["198.18.0.1", "benchmark"],
    ["198.19.255.255", "benchmark"],
    ["198.20.0.0", "public"],
    ["198.51.100.7", "documentation"],
    ["203.0.113.9", "documentation"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["240.0.0.1", "reserved"],
    ["255.255.255.255", "reserved"],
    ["1.1.1.1", "public"],
    ["8.8.8.8", "public"],
    ["93.184.216.34", "public"],
    ["223.255.255.255", "public"],
  ])("%s is %s", (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });
});

describe("classifyAddress: IPv6", () => {
  it.each<[string, AddressKind]>([
    ["::", "unspecified"],
    ["0:0:0:0:0:0:0:0", "unspecified"],
    ["::1", "loopback"],
    ["0:0:0:0:0:0:0:1", "loopback"],
    ["[::1]", "loopback"],
    // IPv4-mapped forms are judged by the IPv4 address they reach.
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::FFFF:7F00:0001", "loopback"],
    ["0:0:0:0:0:ffff:127.0.0.1", "loopback"],
    ["[::ffff:7f00:1]", "loopback"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:a9fe:a9fe", "link-local"], // 169.254.169.254
    ["::ffff:0.0.0.0", "unspecified"],
    ["::ffff:100.64.0.1", "shared"],
    ["::ffff:8.8.8.8", "public"],
    ["::127.0.0.1", "reserved"], // deprecated IPv4-compatible form
    ["::ffff:0:7f00:1", "reserved"], // IPv4-translated (SIIT)
    ["64:ff9b::7f00:1", "loopback"], // NAT64 of 127.0.0.1
    ["64:ff9b::10.1.2.3", "private"],
    ["64:ff9b::8.8.8.8", "public"],
    ["64:ff9b:1::1", "private"],
    ["2002:7f00:1::1", "loopback"], // 6to4 of 127.0.0.1
    ["2002:c0a8:101::1", "private"], // 6to4 of 192.168.1.1
    ["2002:808:808::1", "public"],
    ["fc00::1", "unique-local"],
    ["fd00:ec2::254", "unique-local"], // AWS IPv6 metadata
    ["fdff:ffff::1", "unique-local"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["febf:ffff::1", "link-local"],
    ["fec0::1", "private"],
    ["ff02::1", "multicast"],
    ["ff05::1:3", "multicast"],
    ["2001:db8::1", "documentation"],
    ["3fff::1", "documentation"],
    ["2001:2::1", "benchmark"],
    ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "reserved"], // Teredo
    ["100::1", "reserved"], // discard-only
    ["4000::1", "reserved"], // outside 2000::/3
    ["2606:4700:4700::1111", "public"],
    ["2001:4860:4860::8888", "public"],
    ["2a00:1450:4001:80b::200e", "public"],
    ["1:2:3:4:5:6:7:8", "reserved"],
  ])("%s is %s", (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });
});

describe("classifyAddress: not literals", () => {
  it.each([
    "",
    "localhost",
    "example.com",
    "127.1",
    "0x7f.0.0.1",
    "2130706433",
    "1.2.3.4.5",
    "::ffff:999.0.0.1",
    ":::1",
  ])("%j is not an IP (so never public)", (text) => {
    expect(classifyAddress(text)).toBe("not-an-ip");
  });
});

describe("addressKey", () => {
  it("treats IPv4 and its IPv4-mapped IPv6 forms as one address", () => {
    const key = addressKey("127.0.0.2");
    expect(key).toBeDefined();
    expect(addressKey("::ffff:127.0.0.2")).toBe(key);
    expect(addressKey("[::FFFF:7f00:2]")).toBe(key);
    expect(addressKey("127.0.0.1")).not.toBe(key);
  });

  it("canonicalises IPv6 spellings and rejects non-addresses", () => {
    expect(addressKey("2001:db8:0:0:0:0:0:1")).toBe(addressKey("2001:DB8::1"));
    expect(addressKey("2001:db8::1")).not.toBe(addressKey("2001:db8::2"));
    expect(addressKey("example.com")).toBeUndefined();
  });
});

it("describes kinds so a refusal reads as a sentence", () => {
  expect(describeAddressKind("private")).toBe("a private address");
  expect(describeAddressKind("link-local")).toMatch(/^a link-local address/);
});
