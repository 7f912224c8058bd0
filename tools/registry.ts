import { z } from "zod";
import { scanEgress, type EgressFindings } from "./egress.js";
import type { KeelTool, Role, ToolContext } from "./types.js";
import { KeelError } from "../runtime/errors.js";

export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export class ToolRegistry {
  private readonly tools = new Map<string, KeelTool>();
  private readonly specs = new Map<string, ToolSpec>();

  constructor(tools: readonly KeelTool[]) {
    for (const tool of tools) {
      if (this.tools.has(tool.name)) throw new KeelError("config_invalid", `Duplicate tool name "${tool.name}"`);
      this.tools.set(tool.name, tool);
    }
  }

  get(name: string): KeelTool | undefined {
    return this.tools.get(name);
  }

  names(): string[] {
    return [...this.tools.keys()];
  }

  /**
   * Tools a role may use, narrowed to `offered` when given (an assistant's tool set); only these
   * are offered to the model. `offered` can never add a tool the role may not use.
   */
  allowedFor(role: Role, offered?: readonly string[]): KeelTool[] {
    return [...this.tools.values()].filter(
      (tool) => tool.policy.roles.includes(role) && (offered === undefined || offered.includes(tool.name)),
    );
  }

  /**
   * JSON-schema specs for binding to the model. Each tool's spec is built once: tools do not change
   * after registration, and converting every schema on every model call cost about a millisecond a turn.
   */
  specsFor(role: Role, offered?: readonly string[]): ToolSpec[] {
    return this.allowedFor(role, offered).map((tool) => {
      let spec = this.specs.get(tool.name);
      if (spec === undefined) {
        spec = {
          name: tool.name,
          description: tool.description,
          parameters: z.toJSONSchema(tool.schema, { io: "input" }),
        };
        this.specs.set(tool.name, spec);
      }
      return spec;
    });
  }

  /**
   * Whether this call must wait for a human. Unknown tools, tools the caller's role may not use and
   * unparseable args need no approval: the engine refuses them and they never run, so asking a
   * human would only invite approving something that is denied anyway.
   */
  needsApproval(
    name: string,
    args: unknown,
    ctx: Pick<ToolContext, "userId" | "role" | "threadId"> & { tools?: readonly string[] | undefined },
  ): boolean {
    const tool = this.tools.get(name);
    if (!tool || !tool.policy.roles.includes(ctx.role)) return false;
    // Not offered to this run: the engine refuses it, so no human is asked.
    if (ctx.tools !== undefined && !ctx.tools.includes(name)) return false;
    const { needsApproval } = tool.policy;
    const parsed = tool.schema.safeParse(args);
    // A policy function (and the egress scan) only judges valid args; invalid args will be refused anyway.
    if (!parsed.success) return typeof needsApproval === "boolean" ? needsApproval : false;
    const egress = this.egressFindings(name, parsed.data);
    // A secret on its way out is refused by the engine, so no human is asked; personal data is theirs to allow.
    if (egress && egress.secrets > 0) return false;
    if (egress && egress.pii.length > 0) return true;
    return typeof needsApproval === "boolean" ? needsApproval : needsApproval(parsed.data, ctx);
  }

  /** For tools that send data out (`policy.egress`): the secrets and PII their validated args carry. */
  egressFindings(name: string, validArgs: unknown): EgressFindings | undefined {
    const tool = this.tools.get(name);
    return tool?.policy.egress ? scanEgress(validArgs) : undefined;
  }
}
