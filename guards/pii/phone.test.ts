import { describe, expect, it } from "vitest";
import { findPii } from "./index.js";

const phones = (text: string) => findPii(text, { types: ["PHONE"] }).map((s) => text.slice(s.start, s.end));

describe("PHONE", () => {
  it.each([
    ["Call (415) 555-0132 today", "(415) 555-0132"],
    ["intl +1 415 555 0132.", "+1 415 555 0132"],
    ["UK +44 20 7946 0958", "+44 20 7946 0958"],
    ["Brazil: +55 11 98456 5666", "+55 11 98456 5666"],
    ["Israel 09-7625400", "09-7625400"],
    ["Japan 090-1234-5678", "090-1234-5678"],
    ["Belgium 0487 23 46 71", "0487 23 46 71"],
    ["France 02.27.96.63.08", "02.27.96.63.08"],
    ["dotted 833.719.3994x1887 ext", "833.719.3994x1887"],
    ["intl prefix 001-748-088-2851", "001-748-088-2851"],
    ["NANP solid 2813882583", "2813882583"],
    ["CN mobile 13812345678", "13812345678"],
  ])("finds %j", (text, expected) => {
    expect(phones(text)).toEqual([expected]);
  });

  it("keeps a postcode glued on by a space out of the number", () => {
    expect(phones("Bamblee, SD 20241 440-600-5124")).toEqual(["440-600-5124"]);
  });

  it.each([
    ["dates", "Meeting on 2024-03-05, or 05.03.2024, at 2024-03-05 14:30"],
    ["ranges", "Active 1998-2004, write 500-1000 words, see NY/T 875-2022"],
    ["scores", "rounds 68-70-69=207 and 72-69-71-68=280"],
    ["versions", "Upgrade to 10.0.19041.1 or 3.4.1"],
    ["dotted quads", "Address 256.100.100.100"],
    ["money and thousands", "It cost $1234567 or 1 000 000 EUR"],
    ["plain long numbers that are not national numbers", "Order 1700000000 and id 123456789012345"],
    ["card numbers", "4111 1111 1111 1111"],
    ["IBAN pieces", "NO93 8601 1117 947 and NO93 8601 1117 948"],
    ["short numbers", "Room 42, 12345 people"],
    ["SSN layout", "078-05-1123"],
    ["street numbers", "Apt. 722 20 40 rue Victor Hugo"],
  ])("rejects %s", (_name, text) => {
    expect(phones(text)).toEqual([]);
  });

  it.each([
    ["a ZIP code after a state", "1600 Amphitheatre Parkway, Mountain View, CA 94043"],
    ["a ZIP+4 code after a state", "1600 Amphitheatre Parkway Mountain View CA 94043-1351"],
    ["a spaced ZIP+4 code after a postal word", "ZIP 94043 1351"],
    ["a bare ZIP+4 code", "90210-1234 and 10118 5678"],
    ["a ZIP+4 code after a state name", "Austin, Texas 78701-1121"],
    ["house numbers before a street name", "12345 67890 Main St and 1234 5678 Oak Avenue"],
    ["a house number before a directional street", "1234 567 N. Main Street"],
    ["an invoice number", "Invoice 2024 000123"],
    ["an order number", "order number 1234 5678 90"],
    ["an account number, also its tail", "account 12 3456 7890"],
    ["a tracking number", "Tracking #: 9400 1000 0000"],
    ["a version", "version 10 0 19041"],
    ["a date and time", "on 12/05/2023 at 10 30"],
  ])("rejects %s", (_name, text) => {
    expect(phones(text)).toEqual([]);
  });

  it.each([
    ["a number after a ZIP code", "Beverly Hills, CA 90210 555 1234", "555 1234"],
    ["a full address with its phone", "350 Fifth Avenue, New York, NY 10118, tel. (212) 736-3100", "(212) 736-3100"],
    ["E.164", "+14155550132", "+14155550132"],
    ["an extension", "+44 20 7946 0958 ext. 12", "+44 20 7946 0958 ext. 12"],
    ["a German number with 00 prefix", "0049 30 12345678", "0049 30 12345678"],
    ["a Japanese number", "+81 3-1234-5678", "+81 3-1234-5678"],
    ["a French number", "+33 1 42 68 53 00", "+33 1 42 68 53 00"],
    ["a number after 'phone number'", "phone number 415 555 0132", "415 555 0132"],
    ["a five-four number after a phone word", "celular 98456-5666; tel 98456-5666", "98456-5666"],
    ["toll-free", "Call 1-800-555-0199", "1-800-555-0199"],
  ])("keeps %s", (_name, text, expected) => {
    expect(phones(text)).toContain(expected);
  });
});
