// Package web holds the built dashboard, embedded into the hub binary.
//
// The bundle in dist/ is produced by `npm ci && npm run build` and committed, so `go build ./...`
// works without Node. CI rebuilds it and fails if the committed copy differs.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// FS returns the built UI rooted at dist/ (index.html, assets/...).
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err)
	}
	return sub
}
