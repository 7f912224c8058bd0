export { openDatabase, type OpenDatabaseOptions } from "./open-database.js";
export { databaseFromPool, type Database } from "./database.js";
export { migrate } from "./migrate.js";
export { APP_MIGRATIONS } from "./app-schema.js";
export { connectPool, DEFAULT_CONNECT_TIMEOUT_MS, type ConnectOptions } from "./connect.js";
export { closeOnExit } from "./close-on-exit.js";
export { describeTarget, redactUrl, withDatabase } from "./connection-url.js";
export { startEmbeddedServer, type EmbeddedServer, type EmbeddedServerOptions } from "./embedded-server.js";
