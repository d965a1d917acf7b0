// PostGraphile 5 over the meshkit tables of one PostgreSQL schema, for bench/graphql/run.py.
//
//   DATABASE_URL=postgresql://... PG_SCHEMA=bench_graphql_x PORT=5678 node postgraphile.mjs
//
// The amber preset: tables and foreign keys (composite: tenant + id) become types, connections
// and relations as they are. Two changes for the benchmark: ordering by columns without an index
// of their own is allowed (PgIndexBehaviorsPlugin off — meshkit orders by any attribute), and
// every statement sent to PostgreSQL is counted (transaction control left out, as on the meshkit
// side): GET /bench-stats answers {"statements": n}.
import "./node20.mjs"; // first: Promise.withResolvers on Node.js 20

import { createServer } from "node:http";

import pg from "pg";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";

const connectionString = process.env.DATABASE_URL;
const schema = process.env.PG_SCHEMA;
const port = Number(process.env.PORT ?? "5678");
if (!connectionString || !schema) {
  console.error("DATABASE_URL and PG_SCHEMA are required");
  process.exit(2);
}

let statements = 0;
const CONTROL = /^\s*(begin|commit|rollback|savepoint|release)\b/i;
const pool = new pg.Pool({ connectionString, max: 16 });
pool.on("connect", (client) => {
  const query = client.query.bind(client);
  client.query = (...args) => {
    const first = args[0];
    const text = typeof first === "string" ? first : first?.text ?? "";
    if (!CONTROL.test(text)) statements += 1;
    return query(...args);
  };
});

const preset = {
  extends: [PostGraphileAmberPreset],
  disablePlugins: ["PgIndexBehaviorsPlugin"],
  pgServices: [makePgService({ pool, schemas: [schema] })],
  grafserv: { port, graphqlPath: "/graphql", graphiql: false },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const handler = pgl.createServ(grafserv).createHandler();
const server = createServer((req, res) => {
  if (req.url === "/bench-stats") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ statements }));
    return;
  }
  handler(req, res);
});
server.listen(port, "127.0.0.1", () => {
  console.error(`postgraphile on http://127.0.0.1:${port}/graphql (schema ${schema})`);
});
const stop = () => {
  server.close();
  pgl.release().then(() => pool.end()).then(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
