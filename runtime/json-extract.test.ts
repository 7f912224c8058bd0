import { describe, expect, it } from "vitest";
import { firstJsonObject, jsonCandidates } from "./json-extract.js";

describe("firstJsonObject", () => {
  it("finds an object wrapped in delimiters and prose", () => {
    const text =
      '<tool_output name="calculator">\n{"ok":true,"data":{"expression":"12*7","result":84}}\n</tool_output> trailing {';
    expect(firstJsonObject(text)).toEqual({ ok: true, data: { expression: "12*7", result: 84 } });
  });

  it("skips braces that are not JSON and braces inside strings", () => {
    expect(firstJsonObject('note {not json} then {"a":"}{","b":{"c":1}}')).toEqual({ a: "}{", b: { c: 1 } });
    expect(firstJsonObject('{"quote":"he said \\"{\\""}')).toEqual({ quote: 'he said "{"' });
  });

  it("returns undefined when there is no object", () => {
    expect(firstJsonObject("no json here")).toBeUndefined();
    expect(firstJsonObject('{"cut": ')).toBeUndefined();
    expect(firstJsonObject("[1,2,3]")).toBeUndefined();
  });
});

describe("jsonCandidates", () => {
  it("prefers fenced blocks, then the whole reply, then an object inside prose", () => {
    expect(jsonCandidates('Here:\n```json\n{"a":1}\n```\nand {"b":2}')[0]).toEqual({ a: 1 });
    expect(jsonCandidates('  {"whole":true}  ')).toEqual([{ whole: true }, { whole: true }]);
    expect(jsonCandidates('Sure! The result is {"x": [1, 2]}. Anything else?')).toEqual([{ x: [1, 2] }]);
  });

  it("finds nothing in plain prose", () => {
    expect(jsonCandidates("Sure! Here is what you asked for, in plain words.")).toEqual([]);
  });
});
