//go:build js && wasm

// Command wasm is Vigie's guardian compiled to WebAssembly for the
// /guardian page: it fingerprints and cleans photos inside the parent's
// browser, so that the photos never leave their device. It defines three
// JavaScript globals and then waits for calls:
//
//	vigieHash(bytes: Uint8Array) → {pdq, md5, sha256, quality, width, height, format, refused, error}
//	vigieScrub(bytes: Uint8Array) → {data: Uint8Array, removed: [string], orientation, format, error}
//	vigieMinQuality: number
//
// error is "" on success; refused is "" unless the photo's PDQ quality is
// below vigieMinQuality, in which case it explains why in plain words.
// Build it with `go generate ./guard` (see guard/wasmbuild).
package main

import (
	"bytes"
	"context"
	"fmt"
	"syscall/js"

	"github.com/vigie-hotline/vigie/fingerprint"
	"github.com/vigie-hotline/vigie/guard"
)

func main() {
	h := &fingerprint.Hasher{} // default options, as `vigie hash` and the server
	js.Global().Set("vigieHash", js.FuncOf(func(_ js.Value, args []js.Value) any {
		return call(args, func(b []byte) map[string]any { return hash(h, b) })
	}))
	js.Global().Set("vigieScrub", js.FuncOf(func(_ js.Value, args []js.Value) any {
		return call(args, scrub)
	}))
	js.Global().Set("vigieMinQuality", guard.MinQuality)
	select {} // keep the functions alive
}

// call copies the Uint8Array in args into Go memory and runs fn on it. A
// panic becomes an error result: an unrecovered panic would end the
// program and every later call would fail.
func call(args []js.Value, fn func([]byte) map[string]any) (res any) {
	defer func() {
		if p := recover(); p != nil {
			res = map[string]any{"error": fmt.Sprint("internal error: ", p)}
		}
	}()
	if len(args) != 1 || args[0].Type() != js.TypeObject || args[0].Get("byteLength").Type() != js.TypeNumber {
		return map[string]any{"error": "expected one Uint8Array"}
	}
	b := make([]byte, args[0].Get("byteLength").Int())
	js.CopyBytesToGo(b, args[0])
	return fn(b)
}

// hash fingerprints one photo.
func hash(h *fingerprint.Hasher, b []byte) map[string]any {
	res, err := h.Reader(context.Background(), bytes.NewReader(b))
	out := map[string]any{"md5": res.MD5, "sha256": res.SHA256, "format": string(res.Format),
		"width": res.Width, "height": res.Height, "error": "", "refused": ""}
	if err != nil {
		out["error"] = err.Error()
		return out
	}
	out["pdq"], out["quality"] = res.PDQ.String(), res.Quality
	if _, why := guard.NewEntry(res); why != "" {
		out["refused"] = why
	}
	return out
}

// scrub cleans one photo.
func scrub(b []byte) map[string]any {
	clean, rep, err := guard.Scrub(b)
	removed := make([]any, len(rep.Removed))
	for i, r := range rep.Removed {
		removed[i] = r
	}
	out := map[string]any{"removed": removed, "orientation": rep.Orientation, "format": rep.Format, "error": ""}
	if err != nil {
		out["error"] = err.Error()
		return out
	}
	data := js.Global().Get("Uint8Array").New(len(clean))
	js.CopyBytesToJS(data, clean)
	out["data"] = data
	return out
}
