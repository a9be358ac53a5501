// Package vigie holds Vigie's domain: the types that hotline analysts,
// platforms, partner hotlines, police liaison officers and parents deal with,
// and the service interfaces that the adapter packages implement.
//
// The package imports only the standard library. Adapters (sqldb, web, fetch,
// index, mail, jobs, hosting) implement its interfaces and never import each
// other; cmd/vigie wires concrete types together.
package vigie

// Version is the program version, overridden at link time with
// -ldflags "-X github.com/vigie-hotline/vigie.Version=…".
var Version = "dev"
