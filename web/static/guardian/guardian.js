// guardian.js runs Vigie's guardian in the parent's browser: it fingerprints
// the photos they pick and cleans photos of their location data, both in
// WebAssembly (vigie.wasm, built from guard/wasm), so that no photo ever
// leaves the device. The only thing meant to leave is the fingerprints JSON
// that this script puts in the form's #hashes field.
//
// Load it as a module; it loads wasm_exec.js and vigie.wasm from its own
// folder:
//
//   <script type="module" src="/static/guardian/guardian.js"></script>
//
// Elements it uses, all optional:
//   #photos         <input type="file" multiple>: photos to fingerprint
//   #progress       <progress> (value/max set) or any element (text "3 / 12")
//   #results        <ul> or <ol>: one <li> per photo, shown only on the page
//   #hashes         <textarea name="hashes" hidden>: the submission JSON
//   #scrub-photos   <input type="file" multiple>: photos to clean
//   #scrub-progress like #progress, for cleaning
//   #scrub-results  <ul> or <ol>: one <li> per photo with a download link
//
// Messages can be translated with data attributes on #results and
// #scrub-results: data-msg-ok, data-msg-too-plain ("{quality}" is replaced),
// data-msg-duplicate, data-msg-unreadable, data-msg-clean ("{removed}"),
// data-msg-nothing, data-msg-download. Without them the messages are English.
//
// Events dispatched on document:
//   vigie-ready    the WebAssembly module is loaded
//   vigie-error    detail: {message}; the module could not be loaded
//   vigie-hashes   detail: {version: 1, hashes: [{pdq, md5, quality}], refused, failed}
//   vigie-scrubbed detail: [{name, removed: [string], url, blob}] (url: a blob: URL
//                  of blob, the cleaned file)
"use strict";

const here = new URL(".", import.meta.url);

// loadScript adds a classic script from this folder (CSP allows 'self').
function loadScript(name) {
	return new Promise((resolve, reject) => {
		const s = document.createElement("script");
		s.src = new URL(name, here).href;
		s.onload = resolve;
		s.onerror = () => reject(new Error("cannot load " + name));
		document.head.append(s);
	});
}

// loadWasm starts the Go program; its functions exist once run() yields.
async function loadWasm() {
	if (typeof globalThis.Go !== "function") {
		await loadScript("wasm_exec.js");
	}
	const go = new globalThis.Go();
	const url = new URL("vigie.wasm", here).href;
	let result;
	try {
		result = await WebAssembly.instantiateStreaming(fetch(url), go.importObject);
	} catch (err) { // a server without the application/wasm type
		const bytes = await (await fetch(url)).arrayBuffer();
		result = await WebAssembly.instantiate(bytes, go.importObject);
	}
	go.run(result.instance);
	if (typeof globalThis.vigieHash !== "function") {
		throw new Error("the WebAssembly module did not start");
	}
}

const $ = (id) => document.getElementById(id);

// message returns the translated message of el's data-msg-KEY, or fallback.
function message(el, key, fallback, vars = {}) {
	let text = (el && el.dataset["msg" + key]) || fallback;
	for (const [k, v] of Object.entries(vars)) {
		text = text.replaceAll("{" + k + "}", v);
	}
	return text;
}

// setProgress shows done of total in a <progress> or as text.
function setProgress(el, done, total) {
	if (!el) {
		return;
	}
	if (el instanceof HTMLProgressElement) {
		el.max = total;
		el.value = done;
	}
	el.textContent = done + " / " + total;
	el.hidden = total === 0;
}

// addLine appends an <li> with text to list and returns it.
function addLine(list, text) {
	if (!list) {
		return null;
	}
	const li = document.createElement("li");
	li.textContent = text;
	list.append(li);
	return li;
}

// yieldToBrowser lets the page repaint between two photos.
const yieldToBrowser = () => new Promise((resolve) => setTimeout(resolve, 0));

// hashOne fingerprints one file and returns {entry} or {problem}.
async function hashOne(file, seen, results) {
	const r = globalThis.vigieHash(new Uint8Array(await file.arrayBuffer()));
	if (r.error) {
		return { failed: true, text: message(results, "Unreadable", "left out: not a photo this page can read") };
	}
	if (r.refused) {
		return { refused: true, text: message(results, "TooPlain", r.refused, { quality: r.quality }) };
	}
	if (seen.has(r.md5)) {
		return { text: message(results, "Duplicate", "left out: the same photo is already in the list") };
	}
	seen.add(r.md5);
	return { entry: { pdq: r.pdq, md5: r.md5, quality: r.quality }, text: message(results, "Ok", "ok") };
}

// hashFiles fingerprints files one by one and publishes the submission.
async function hashFiles(files) {
	const results = $("results");
	const progress = $("progress");
	if (results) {
		results.replaceChildren();
	}
	const sub = { version: 1, hashes: [] };
	let refused = 0, failed = 0;
	const seen = new Set();
	for (let i = 0; i < files.length; i++) {
		setProgress(progress, i, files.length);
		await yieldToBrowser();
		const out = await hashOne(files[i], seen, results);
		if (out.entry) {
			sub.hashes.push(out.entry);
		}
		refused += out.refused ? 1 : 0;
		failed += out.failed ? 1 : 0;
		addLine(results, files[i].name + ": " + out.text);
	}
	setProgress(progress, files.length, files.length);
	const field = $("hashes");
	if (field) {
		field.value = JSON.stringify(sub);
	}
	document.dispatchEvent(new CustomEvent("vigie-hashes", { detail: { ...sub, refused, failed } }));
}

// cleanName returns NAME.clean.EXT for NAME.EXT.
function cleanName(name) {
	const dot = name.lastIndexOf(".");
	return dot > 0 ? name.slice(0, dot) + ".clean" + name.slice(dot) : name + ".clean";
}

// scrubFiles cleans files one by one and offers each for download.
async function scrubFiles(files, urls) {
	const results = $("scrub-results");
	const progress = $("scrub-progress");
	urls.splice(0).forEach((u) => URL.revokeObjectURL(u));
	if (results) {
		results.replaceChildren();
	}
	const done = [];
	for (let i = 0; i < files.length; i++) {
		setProgress(progress, i, files.length);
		await yieldToBrowser();
		const f = files[i];
		const r = globalThis.vigieScrub(new Uint8Array(await f.arrayBuffer()));
		if (r.error) {
			addLine(results, f.name + ": " + r.error);
			continue;
		}
		const blob = new Blob([r.data], { type: f.type || "application/octet-stream" });
		const url = URL.createObjectURL(blob);
		urls.push(url);
		done.push({ name: cleanName(f.name), removed: r.removed, url, blob });
		const text = r.removed.length ? message(results, "Clean", "removed {removed}", { removed: r.removed.join(", ") }) : message(results, "Nothing", "nothing to remove");
		const li = addLine(results, f.name + ": " + text + " ");
		if (li) {
			const a = document.createElement("a");
			a.href = url;
			a.download = cleanName(f.name);
			a.textContent = message(results, "Download", "download") + " " + a.download;
			li.append(a);
		}
	}
	setProgress(progress, files.length, files.length);
	document.dispatchEvent(new CustomEvent("vigie-scrubbed", { detail: done }));
}

// start loads the module and wires the file inputs; one photo is handled
// at a time, and a new selection waits for the previous one.
async function start() {
	try {
		await loadWasm();
	} catch (err) {
		document.dispatchEvent(new CustomEvent("vigie-error", { detail: { message: String(err.message || err) } }));
		return;
	}
	let queue = Promise.resolve();
	const urls = [];
	const wire = (input, fn) => input && input.addEventListener("change", () => {
		const files = Array.from(input.files || []);
		queue = queue.then(() => fn(files, urls)).catch((err) => console.error(err));
	});
	wire($("photos"), hashFiles);
	wire($("scrub-photos"), scrubFiles);
	document.dispatchEvent(new CustomEvent("vigie-ready"));
	for (const id of ["photos", "scrub-photos"]) { // files picked before the module was ready
		const input = $(id);
		if (input && input.files && input.files.length) {
			input.dispatchEvent(new Event("change"));
		}
	}
}

start();
