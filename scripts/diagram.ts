// Regenerates the Mermaid diagram in README.md from the compiled graph.
import { readFileSync, writeFileSync } from "node:fs";
import { agentMermaid, withDiagram } from "../graphs/diagram.js";

const path = new URL("../README.md", import.meta.url);
writeFileSync(path, withDiagram(readFileSync(path, "utf8"), await agentMermaid()));
console.log("README.md diagram updated");
