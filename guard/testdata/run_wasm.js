// run_wasm.js loads Vigie's guardian WebAssembly module in Node the way
// guardian.js loads it in the browser, calls vigieHash and vigieScrub on
// each file and writes the results as JSON. guard's tests use it to compare
// the module with the native code.
//
// usage: node run_wasm.js wasm_exec.js vigie.wasm out.json file...
"use strict";

const fs = require("fs");
const crypto = require("crypto");

globalThis.crypto ??= crypto.webcrypto;
require(process.argv[2]);

const [wasmPath, outPath, ...files] = process.argv.slice(3);
const go = new Go();

WebAssembly.instantiate(fs.readFileSync(wasmPath), go.importObject).then(({ instance }) => {
	go.run(instance); // runs main until it waits for calls
	const results = files.map((file) => {
		const bytes = new Uint8Array(fs.readFileSync(file));
		const start = performance.now();
		const hash = globalThis.vigieHash(bytes);
		const ms = performance.now() - start;
		const scrub = globalThis.vigieScrub(bytes);
		const cleanSHA256 = scrub.data ? crypto.createHash("sha256").update(scrub.data).digest("hex") : "";
		return { file, ms, hash, scrub: { removed: scrub.removed, orientation: scrub.orientation, error: scrub.error, sha256: cleanSHA256 } };
	});
	fs.writeFileSync(outPath, JSON.stringify({ minQuality: globalThis.vigieMinQuality, results }));
	process.exit(0);
}).catch((err) => {
	console.error(err);
	process.exit(1);
});
