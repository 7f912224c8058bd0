// `npm run prune`: one retention pass now (STORAGE_* settings), printing what it deleted as JSON.
// Safe beside running servers: it skips busy threads, and waits for nobody: when another process is
// already running a pass it says so and exits 0.
import { openDatabase } from "../checkpoint/open-database.js";
import { runStoragePass } from "../checkpoint/storage-pass.js";
import { loadConfig } from "../runtime/config.js";
import { describePass } from "../server/storage-schedule.js";

const config = loadConfig();
const database = await openDatabase(config.database, { log: (line) => process.stderr.write(`${line}\n`) });
try {
  const result = await runStoragePass(database.pool, config.storage);
  console.log(
    JSON.stringify(
      result ? describePass(result) : { event: "storage_prune_skipped", reason: "another pass is running" },
    ),
  );
} finally {
  await database.close();
}
