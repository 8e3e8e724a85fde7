// Checks published JSON Schemas the way JavaScript clients read them (ajv, JSON Schema 2020-12 as
// OpenAPI 3.1 uses it; ajv-formats for `format`). Usage: node published_schemas.mjs FILE...
// Each FILE is an OpenAPI 3.1 document. Prints one JSON object:
//   {"patterns": [...not compilable...], "examples": [...not valid...], "checked": {"patterns": n, "examples": n}}
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const problems = { patterns: [], examples: [], checked: { patterns: 0, examples: 0 } };

function newAjv() {
  // strict: false only because OpenAPI adds keywords of its own (discriminator, xml,
  // externalDocs, example); unicodeRegExp is ajv's default: patterns compile with the `u` flag.
  const ajv = new Ajv2020({ strict: false, allErrors: true, unicodeRegExp: true, validateFormats: true });
  addFormats(ajv);
  for (const k of ["example", "discriminator", "xml", "externalDocs"]) ajv.addKeyword(k);
  return ajv;
}

function walk(node, path, visit) {
  if (Array.isArray(node)) { node.forEach((v, i) => walk(v, `${path}/${i}`, visit)); return; }
  if (node && typeof node === "object") {
    visit(node, path);
    for (const [k, v] of Object.entries(node)) walk(v, `${path}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`, visit);
  }
}

function checkPatterns(doc, name) {
  walk(doc, "", (node, path) => {
    if (typeof node.pattern !== "string" || path.endsWith("/properties")) return;
    problems.checked.patterns++;
    try { new RegExp(node.pattern, "u"); } catch (e) {
      problems.patterns.push({ document: name, path, pattern: node.pattern, error: String(e.message) });
      return;
    }
    try { newAjv().compile({ type: "string", pattern: node.pattern }); } catch (e) {
      problems.patterns.push({ document: name, path, pattern: node.pattern, error: String(e.message) });
    }
  });
}

function checkExamples(doc, name) {
  const ajv = newAjv();
  ajv.addSchema({ $id: "https://cpr.invalid/doc.json", components: doc.components || {} });
  const rebase = (schema) => JSON.parse(JSON.stringify(schema).replace(/"\$ref":"#\//g, '"$ref":"https://cpr.invalid/doc.json#/'));
  const validate = (schema, example, path) => {
    problems.checked.examples++;
    let fn;
    try { fn = ajv.compile(rebase(schema)); } catch (e) {
      problems.examples.push({ document: name, path, error: `schema does not compile: ${e.message}` });
      return;
    }
    if (!fn(example)) problems.examples.push({ document: name, path, errors: fn.errors.slice(0, 5) });
  };
  walk(doc, "", (node, path) => {
    const isSchema = path.startsWith("/components/schemas/") || /\/schema$/.test(path);
    // A schema's own examples (JSON Schema `examples`, a list; OpenAPI's `example`)...
    if (isSchema || path.includes("/properties/")) {
      if (Array.isArray(node.examples)) node.examples.forEach((ex, i) => validate(node, ex, `${path}/examples/${i}`));
      if ("example" in node && !("in" in node)) validate(node, node.example, `${path}/example`);
    }
    // ...and media-type / parameter examples next to a `schema`.
    if (node.schema && typeof node.schema === "object") {
      if ("example" in node) validate(node.schema, node.example, `${path}/example`);
      if (node.examples && !Array.isArray(node.examples)) {
        for (const [k, ex] of Object.entries(node.examples)) if ("value" in ex) validate(node.schema, ex.value, `${path}/examples/${k}`);
      }
    }
  });
}

for (const file of process.argv.slice(2)) {
  const doc = JSON.parse(readFileSync(file, "utf8"));
  checkPatterns(doc, file);
  checkExamples(doc, file);
}
process.stdout.write(JSON.stringify(problems));
