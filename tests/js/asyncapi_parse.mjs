// @asyncapi/parser (what AsyncAPI's generators and Studio use) on an AsyncAPI document.
// Usage: node asyncapi_parse.mjs FILE   Prints {"diagnostics": [{severity, code, message, path}], "messages": [...]}
// (severity 0 is an error; "messages" are the parsed messages' ids, which code generators name them by).
import { readFileSync } from "node:fs";
import { Parser } from "@asyncapi/parser";

const parser = new Parser();
const { document, diagnostics } = await parser.parse(readFileSync(process.argv[2], "utf8"));
const messages = document ? document.allMessages().all().map((m) => (m.json().messageId ?? null)) : [];
process.stdout.write(JSON.stringify({
  parsed: Boolean(document),
  diagnostics: diagnostics.map((d) => ({ severity: d.severity, code: d.code, message: d.message, path: d.path.join("/") })),
  messages,
}));
