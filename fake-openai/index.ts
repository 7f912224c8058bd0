export { startFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from "./server.js";
export { script, say, callTool, malformedToolCall, unknownToolCall, proseInsteadOfJson, forever } from "./script.js";
export { demoResponder, DEMO_HELP } from "./demo.js";
export { firstJsonObject } from "../runtime/json-extract.js";
export type * from "./types.js";
export { isFault } from "./types.js";
