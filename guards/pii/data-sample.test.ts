import { describe, expect, it } from "vitest";
import type { PiiType } from "../types.js";
import { findPii } from "./index.js";

// A fixed sample of rows from the labelled data (shared/data/pii-dev.jsonl: presidio-research and
// presidio recognizer tests, MIT; CredSweeper samples, MIT) with their labelled spans, restricted
// to the types each source labels. Negative rows (invalid checksums, look-alikes) expect nothing.
interface Row {
  id: string;
  text: string;
  scope: PiiType[];
  spans: Array<[PiiType, number, number]>;
}

const ROWS: Row[] = [
  {
    id: "presidio-research-generated:1",
    text: "the princess royal arrived at bauru this morning from bahrain.",
    scope: ["EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "US_SSN", "IP_ADDRESS"],
    spans: [],
  },
  {
    id: "presidio-research-generated:63",
    text: "Sharon Adamson\n\n35 Kromwater 38\n Apt. 705\n Zoetermeer\n Tanzania 53144\n06-10446904-Office\\,001-748-088-2851x818-Fax",
    scope: ["EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "US_SSN", "IP_ADDRESS"],
    spans: [
      ["PHONE", 70, 81],
      ["PHONE", 90, 110],
    ],
  },
  {
    id: "presidio-research-generated:112",
    text: "jared paavolainen\n\n16 salontie 6\n apt. 523\n urjala\n maldives 58673\n042 078 6381-office\\,833.719.3994x1887-fax",
    scope: ["EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "US_SSN", "IP_ADDRESS"],
    spans: [
      ["PHONE", 67, 79],
      ["PHONE", 88, 105],
    ],
  },
  {
    id: "presidio-research-generated:189",
    text: "Could you please send me the last billed amount for cc 4716379142021968 on my e-mail KristofferJohansen@einrot.com?",
    scope: ["EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "US_SSN", "IP_ADDRESS"],
    spans: [
      ["CREDIT_CARD", 55, 71],
      ["EMAIL", 85, 114],
    ],
  },
  {
    id: "presidio-recognizer-tests:0",
    text: "4012888888881881 4012-8888-8888-1881 4012 8888 8888 1881",
    scope: ["CREDIT_CARD"],
    spans: [
      ["CREDIT_CARD", 0, 16],
      ["CREDIT_CARD", 17, 36],
      ["CREDIT_CARD", 37, 56],
    ],
  },
  {
    id: "presidio-recognizer-tests:15",
    text: "my credit card number is 4012-8888-8888-1882",
    scope: ["CREDIT_CARD"],
    spans: [],
  },
  {
    id: "presidio-recognizer-tests:19",
    text: "AL47 2121 1009 0000 0002 3569 8741",
    scope: ["IBAN"],
    spans: [["IBAN", 0, 34]],
  },
  {
    id: "presidio-recognizer-tests:22",
    text: "AL47 2121 1009 0000 0002 3569 8740",
    scope: ["IBAN"],
    spans: [],
  },
  {
    id: "presidio-recognizer-tests:335",
    text: "this is an iban VG96 VPVG 0000 0123 4567 8901 X in a sentence",
    scope: ["IBAN"],
    spans: [["IBAN", 16, 45]],
  },
  {
    id: "presidio-recognizer-tests:355",
    text: "My US number is (415) 555-0132, and my international one is +1 415 555 0132",
    scope: ["PHONE"],
    spans: [
      ["PHONE", 16, 30],
      ["PHONE", 60, 75],
    ],
  },
  {
    id: "presidio-recognizer-tests:367",
    text: "078-05-1123",
    scope: ["US_SSN"],
    spans: [["US_SSN", 0, 11]],
  },
  {
    id: "presidio-recognizer-tests:375",
    text: "078-05-0000",
    scope: ["US_SSN"],
    spans: [],
  },
  {
    id: "presidio-recognizer-tests:417",
    text: "2001:db8::192.168.1.1",
    scope: ["IP_ADDRESS"],
    spans: [["IP_ADDRESS", 0, 21]],
  },
  {
    id: "presidio-recognizer-tests:433",
    text: "Version 1.2.3",
    scope: ["IP_ADDRESS"],
    spans: [],
  },
  {
    id: "credsweeper:doc_passwd_pair:21",
    text: '"password":"Prl23Db#@"',
    scope: ["SECRET"],
    spans: [["SECRET", 12, 21]],
  },
  {
    id: "credsweeper:password_FALSE:3",
    text: 'password = "abc"',
    scope: ["SECRET"],
    spans: [],
  },
  {
    id: "credsweeper:sql_password:14",
    text: "CREATE USER IF NOT EXISTS sandy WITH PASSWORD 'SqLpa5sW0rD' NOSUPERUSER;",
    scope: ["SECRET"],
    spans: [["SECRET", 47, 58]],
  },
  {
    id: "credsweeper:url_cred.js:25",
    text: '{"line": "url: mongodb://jrfdeg42:p4Dsr8b@127.0.0.1:32768/architecture"}',
    scope: ["SECRET"],
    spans: [["SECRET", 34, 41]],
  },
];

describe("labelled data sample", () => {
  it.each(ROWS)("$id", ({ text, scope, spans }) => {
    const found = findPii(text, { types: scope }).map((s) => [s.type, s.start, s.end]);
    expect(found).toEqual(spans);
  });
});
