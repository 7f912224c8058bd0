import { ToolError } from "../errors.js";

/** A request we declined to make; the message starts with "Refused:" and says why. */
export class HttpGetRefusal extends ToolError {
  override name = "HttpGetRefusal";

  constructor(readonly reason: string) {
    super(`Refused: ${reason}`);
  }
}
