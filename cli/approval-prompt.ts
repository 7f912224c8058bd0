import type { Interface } from "node:readline/promises";
import type { Decision, HITLRequest } from "../nodes/approval-schema.js";

/** Asks y / n / edit for every action of a paused run. */
export async function askDecisions(
  rl: Interface,
  request: HITLRequest,
  print: (s: string) => void,
): Promise<Decision[]> {
  if (request.error) print(`(previous answer refused: ${request.error})\n`);
  const decisions: Decision[] = [];
  for (const action of request.actionRequests) {
    print(`\n⚠ Approval needed: ${action.name} ${JSON.stringify(action.args)}\n`);
    for (;;) {
      const answer = (await rl.question("  approve? [y]es / [n]o / [e]dit > ")).trim().toLowerCase();
      if (answer === "y" || answer === "yes") {
        decisions.push({ type: "approve" });
        break;
      }
      if (answer === "n" || answer === "no") {
        const message = (await rl.question("  reason (optional) > ")).trim();
        decisions.push({ type: "reject", ...(message ? { message } : {}) });
        break;
      }
      if (answer === "e" || answer === "edit") {
        const edited = await askArgs(rl, action.args, print);
        if (edited) {
          decisions.push({ type: "edit", editedAction: { name: action.name, args: edited } });
          break;
        }
      }
    }
  }
  return decisions;
}

async function askArgs(
  rl: Interface,
  current: Record<string, unknown>,
  print: (s: string) => void,
): Promise<Record<string, unknown> | undefined> {
  const raw = (await rl.question(`  new arguments as JSON (empty keeps ${JSON.stringify(current)}) > `)).trim();
  if (!raw) return current;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    print("  arguments must be a JSON object\n");
  } catch (err) {
    print(`  not valid JSON: ${(err as Error).message}\n`);
  }
  return undefined;
}
