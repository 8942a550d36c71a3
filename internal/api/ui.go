package api

import (
	"bytes"
	_ "embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed openapi.json
var openapiDoc []byte

func (a *API) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openapiDoc)
}

// ui serves the single-page app: real files from the bundle, index.html for every other path
// so that deep links like /hosts/3 work. Hashed assets are immutable; index.html is not cached.
func (a *API) ui(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "the web UI only answers GET", "")
		return
	}
	if a.cfg.UI == nil {
		writeError(w, http.StatusNotFound, "this hub was built without the web UI", "")
		return
	}
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if name != "" && name != "index.html" {
		if data, err := fs.ReadFile(a.cfg.UI, name); err == nil {
			if strings.HasPrefix(name, "assets/") {
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			}
			http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
			return
		}
		if strings.HasPrefix(name, "assets/") {
			http.NotFound(w, r)
			return
		}
	}
	index, err := fs.ReadFile(a.cfg.UI, "index.html")
	if err != nil {
		writeError(w, http.StatusNotFound, "web UI bundle has no index.html", "")
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(index))
}
