import { parseArgs } from "node:util";
import { z } from "zod";
import { ROLES, type Role } from "../tools/types.js";

export interface CliOptions {
  threadId: string | undefined;
  message: string | undefined;
  json: boolean;
  /** Non-interactive answer to a pending approval: approve all, reject all, or raw decisions JSON. */
  decision: { kind: "approve" } | { kind: "reject"; message: string } | { kind: "raw"; json: string } | undefined;
  userId: string | undefined;
  role: Role | undefined;
  help: boolean;
}

export const USAGE = `Usage: npm start -- [options]

  (no options)            chat in the terminal
  --message, -m "text"    send one message and exit
  --thread, -t <id>       continue an earlier conversation
  --json                  print one machine-readable JSON result (with --message or a decision)
  --approve               approve every pending tool call of --thread
  --reject "<reason>"     reject every pending tool call of --thread
  --resume '<json>'       answer a pending approval with {"decisions":[...]}
  --user <id>             caller id (default KEEL_USER_ID)
  --role <role>           caller role: ${ROLES.join(", ")} (default KEEL_ROLE)
  --help, -h              this text`;

/** Parses argv; throws an Error with a message fit for the terminal on misuse. */
export function parseCliArgs(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      message: { type: "string", short: "m" },
      thread: { type: "string", short: "t" },
      json: { type: "boolean", default: false },
      approve: { type: "boolean", default: false },
      reject: { type: "string" },
      resume: { type: "string" },
      user: { type: "string" },
      role: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const decisions = [values.approve, values.reject !== undefined, values.resume !== undefined].filter(Boolean).length;
  if (decisions > 1) throw new Error("Use only one of --approve, --reject and --resume.");
  if (decisions === 1 && !values.thread) throw new Error("--approve, --reject and --resume need --thread <id>.");
  if (decisions === 1 && values.message !== undefined) throw new Error("A decision and --message cannot be combined.");
  const role = values.role === undefined ? undefined : z.enum(ROLES).safeParse(values.role);
  if (role && !role.success) throw new Error(`--role must be one of: ${ROLES.join(", ")}.`);
  return {
    threadId: values.thread,
    message: values.message,
    json: values.json,
    decision: values.approve
      ? { kind: "approve" }
      : values.reject !== undefined
        ? { kind: "reject", message: values.reject }
        : values.resume !== undefined
          ? { kind: "raw", json: values.resume }
          : undefined,
    userId: values.user,
    role: role?.data,
    help: values.help,
  };
}
