// Validators that the Go tests run over confighash's outputs (see
// fn/explain_test.go). Installed by `make tools` (npm ci, pinned by
// package-lock.json); nothing here downloads a browser.
//
//   node validate.mjs mermaid FILE...         parse each file with mermaid's own parser
//   node validate.mjs schema SCHEMA FILE...   validate each JSON file against a JSON Schema (draft 2020-12)
//
// Prints one line per file that fails and exits 1 when any fails.
import { readFileSync } from 'node:fs';

const [mode, ...args] = process.argv.slice(2);
let failed = 0;

if (mode === 'mermaid') {
  // mermaid needs a DOM (DOMPurify) even to parse; jsdom gives it one.
  const { JSDOM } = await import('jsdom');
  const dom = new JSDOM('<!doctype html><html><body></body></html>');
  globalThis.window = dom.window;
  globalThis.document = dom.window.document;
  const { default: mermaid } = await import('mermaid');
  for (const file of args) {
    try {
      const r = await mermaid.parse(readFileSync(file, 'utf8'));
      if (!r || !r.diagramType) throw new Error('not recognised as a mermaid diagram');
    } catch (e) {
      failed++;
      console.log(`${file}: ${String(e.message || e).split('\n').join(' | ')}`);
    }
  }
} else if (mode === 'schema') {
  const { default: Ajv2020 } = await import('ajv/dist/2020.js');
  const [schemaFile, ...files] = args;
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')));
  for (const file of files) {
    let doc;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      failed++;
      console.log(`${file}: not JSON: ${e.message}`);
      continue;
    }
    if (!validate(doc)) {
      failed++;
      for (const err of validate.errors) {
        console.log(`${file}: ${err.instancePath || '/'} ${err.message} ${JSON.stringify(err.params)}`);
      }
    }
  }
} else {
  console.log('usage: node validate.mjs mermaid FILE... | schema SCHEMA FILE...');
  process.exit(2);
}
console.log(`${failed === 0 ? 'ok' : 'failed'}: ${mode}, ${failed} of ${mode === 'schema' ? args.length - 1 : args.length} files failed`);
process.exit(failed === 0 ? 0 : 1);
