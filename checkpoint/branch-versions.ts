import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";

/**
 * The next version of a channel, unique to the branch that writes it.
 *
 * PostgresSaver stores channel values once per (thread, namespace, channel, version), keeping the
 * first row written (ON CONFLICT DO NOTHING), and its versions count 1, 2, 3… A run forked from an
 * earlier checkpoint (agent-chat-ui's regenerate and edit send `checkpoint` with a parent id) counts
 * the same numbers again, so its checkpoints pointed at the original branch's values: the new answer
 * streamed, and the old one came back from state and history. LangGraph's Python saver adds a random
 * part for the same reason. Here it is a random fraction, so versions stay numbers: a string beside
 * the numbers already stored on a thread would compare wrongly (as text) and stop nodes triggering.
 */
export function nextBranchVersion(current: number | string | undefined): number {
  const whole =
    typeof current === "number" ? Math.floor(current) : typeof current === "string" ? Math.floor(Number(current)) : 0;
  // In [0.001, 0.999): never rounds up into the next whole version.
  return (Number.isFinite(whole) ? whole : 0) + 1 + 0.001 + Math.random() * 0.998;
}

/** Makes `saver` write branch-unique channel versions (see nextBranchVersion). */
export function withBranchVersions<T extends BaseCheckpointSaver>(saver: T): T {
  saver.getNextVersion = nextBranchVersion;
  return saver;
}
