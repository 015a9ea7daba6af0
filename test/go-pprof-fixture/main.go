// Command go-pprof-fixture serves Go's net/http/pprof handlers on a loopback port, so the
// @kprof/express-middleware parity suite can send the same requests to Go and to Node.
//
// Usage: go-pprof-fixture [-addr 127.0.0.1:0]   (or PPROF_FIXTURE_ADDR)
// When listening it prints one line to stdout: "listening http://HOST:PORT".
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/* on http.DefaultServeMux
	"os"
	"time"
)

// retained keeps allocations alive so the heap profile has in-use samples.
var retained [][]byte

func main() {
	defaultAddr := os.Getenv("PPROF_FIXTURE_ADDR")
	if defaultAddr == "" {
		defaultAddr = "127.0.0.1:0"
	}
	addr := flag.String("addr", defaultAddr, "listen address (host:port; port 0 picks a free port)")
	flag.Parse()

	for i := 0; i < 64; i++ {
		retained = append(retained, make([]byte, 64*1024))
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("listen %s: %v", *addr, err)
	}
	fmt.Printf("listening http://%s\n", ln.Addr().String())

	// No WriteTimeout: Go <= 1.22 would answer 400 for profiles longer than it.
	srv := &http.Server{Handler: http.DefaultServeMux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.Serve(ln))
}
