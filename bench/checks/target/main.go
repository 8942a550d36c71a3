// Command target is the HTTP server the uptime-check benchmark probes: it answers every path
// with a short body and counts requests, reported at GET /count (not itself counted).
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"sync/atomic"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:18181", "address to serve on")
	flag.Parse()
	var n atomic.Int64
	http.HandleFunc("/count", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, n.Load()) })
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		fmt.Fprint(w, `{"status":"ok"}`)
	})
	log.Fatal(http.ListenAndServe(*listen, nil))
}
