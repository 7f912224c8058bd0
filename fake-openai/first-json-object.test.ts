import { describe, expect, it } from "vitest";
import { firstJsonObject } from "./first-json-object.js";

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
