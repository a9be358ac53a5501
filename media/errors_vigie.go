//go:build !js

// The WebAssembly build for the browser (guard/wasm) leaves this file out,
// so that the module does not depend on the domain package and stays the
// same when the domain changes.

package media

import vigie "github.com/vigie-hotline/vigie"

// As lets errors.As see e as a *vigie.Error, so that the web and command
// layers report it with the right code and its safe message: limits give
// ETOOLARGE, anything else wrong with the file EINVALID.
func (e *Error) As(target any) bool {
	t, ok := target.(**vigie.Error)
	if !ok {
		return false
	}
	code := vigie.EINVALID
	if e.Kind == TooLarge || e.Kind == Bomb || e.Kind == Timeout {
		code = vigie.ETOOLARGE
	}
	*t = vigie.Errorf(code, "The file could not be read as an image (%s): %s", e.Kind, e.Message)
	return true
}
