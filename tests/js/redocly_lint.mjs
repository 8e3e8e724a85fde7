// Redocly CLI's `lint` with its recommended ruleset on OpenAPI documents.
// Usage: node redocly_lint.mjs FILE...   Prints {"FILE": [{"severity", "ruleId", "message", "path"}...]}.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve("@redocly/cli/package.json")), "bin", "cli.js");
const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", CI: "true" };
const out = {};
for (const file of process.argv.slice(2)) {
  let stdout;
  try {
    stdout = execFileSync(process.execPath, [cli, "lint", "--extends", "recommended", "--format", "json", file],
                          { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });
  } catch (e) {
    stdout = e.stdout; // exit code 1 when there are errors; the report is still on stdout
  }
  const report = JSON.parse(stdout.slice(stdout.indexOf("{")));
  out[file] = report.problems.map((p) => ({ severity: p.severity, ruleId: p.ruleId, message: p.message,
                                           path: (p.location || [])[0]?.pointer }));
}
process.stdout.write(JSON.stringify(out));
