import { PRIORITY, type Emit } from "../candidate.js";
import { isPlaceholder, looksIllustrative } from "./value.js";

// Credential spellings in connection strings and database command lines that the field-name
// reader (assignment.ts) and URL reader (url-credentials.ts) do not cover. Each pattern opens with a
// literal and has bounded quantifiers; the span is the password only.

/** ODBC braces: `PWD={pa;ss}`, `Password={…}` (a brace-quoted value may hold ";"). */
const ODBC_BRACED = /(?:^|[;"'\s])(?:pwd|password)\s{0,8}=\s{0,8}\{([^}\n]{1,128})\}/gi;
/** Oracle thin JDBC and SQL*Plus-style `user/password@host`. */
const ORACLE = /jdbc:oracle:(?:thin|oci):([A-Za-z0-9_$#]{1,64})\/([^@\s/'"]{1,128})@/g;
/** Database and shell tools whose password flag is a bare letter, and how each writes it. */
const TOOLS = /\b(mysql|mysqldump|mysqladmin|mariadb|mariadb-dump|sqlcmd|bcp|redis-cli|sshpass|mongo|mongosh)\b/g;
/** `-p` glued to its value (`mysql -pSECRET`) or a letter flag and a separate value (`sqlcmd -P x`). */
const FLAG = /\s-([pPa])(?:(\S)|\s{1,8}(?=\S))/g;
/** A shell command ends at a line break or a command separator. */
const COMMAND_END = /[\n|;&]/g;
const GLUED = new Set(["mysql", "mysqldump", "mysqladmin", "mariadb", "mariadb-dump"]);
const SPACED: Record<string, string> = {
  sqlcmd: "P",
  bcp: "P",
  "redis-cli": "a",
  sshpass: "p",
  mongo: "p",
  mongosh: "p",
};
const MAX_COMMAND = 160;
const BARE_VALUE = /('[^'\n]{3,128}'|"[^"\n]{3,128}"|[^\s'"-][^\s'"]{2,127})(?=\s|$)/y;

export function detectConnectionCredentials(text: string, emit: Emit): void {
  const report = (start: number, value: string) => {
    let s = start;
    let v = value;
    if ((v.startsWith("'") && v.endsWith("'")) || (v.startsWith('"') && v.endsWith('"'))) {
      s += 1;
      v = v.slice(1, -1);
    }
    if (v.length < 3 || isPlaceholder(v) || looksIllustrative(v) || /^\$/.test(v)) return;
    emit({ start: s, end: s + v.length, type: "SECRET", priority: PRIORITY.secretAssignment });
  };
  const groupStart = (m: RegExpExecArray, g: number) => m.index + m[0].lastIndexOf(m[g] ?? "");
  if (/pwd|password/i.test(text) && text.includes("{")) {
    for (const m of text.matchAll(ODBC_BRACED)) report(groupStart(m, 1), m[1] ?? "");
  }
  if (text.includes("jdbc:oracle:")) for (const m of text.matchAll(ORACLE)) report(groupStart(m, 2), m[2] ?? "");
  if (/mysql|mariadb|sqlcmd|bcp|redis-cli|sshpass|mongo/.test(text)) toolFlags(text, report);
}

/**
 * Password flags of database tools on their command line. Three forward-only cursors (flags, tool
 * names, command ends) keep it linear: each flag is matched with the nearest tool name before it.
 */
function toolFlags(text: string, report: (start: number, value: string) => void): void {
  TOOLS.lastIndex = 0;
  COMMAND_END.lastIndex = 0;
  FLAG.lastIndex = 0;
  let tool: RegExpExecArray | null = null;
  let nextTool = TOOLS.exec(text);
  let lastEnd = -1;
  let nextEnd = COMMAND_END.exec(text);
  for (let f = FLAG.exec(text); f !== null; f = FLAG.exec(text)) {
    while (nextTool !== null && nextTool.index < f.index) {
      tool = nextTool;
      nextTool = TOOLS.exec(text);
    }
    while (nextEnd !== null && nextEnd.index < f.index) {
      lastEnd = nextEnd.index;
      nextEnd = COMMAND_END.exec(text);
    }
    if (tool === null || tool.index < lastEnd || f.index - tool.index > MAX_COMMAND) continue;
    const name = tool[1] ?? "";
    const glued = f[2] !== undefined;
    const ok = glued ? GLUED.has(name) && f[1] === "p" : SPACED[name] === f[1];
    if (!ok) continue;
    const from = f.index + f[0].length - (glued ? 1 : 0);
    BARE_VALUE.lastIndex = from;
    const v = BARE_VALUE.exec(text);
    if (v) report(from, v[1] ?? "");
  }
  TOOLS.lastIndex = 0;
  COMMAND_END.lastIndex = 0;
  FLAG.lastIndex = 0;
}
