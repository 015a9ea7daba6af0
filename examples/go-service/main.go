// Command go-service is the Go half of kprof's demo: a plain net/http service that exposes the
// standard net/http/pprof handlers on the same port (8080, as in Pyroscope's pull-mode example),
// with one CPU-heavy and one allocating handler, so server-lite has something to scrape.
package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/* on http.DefaultServeMux
	"os"
	"strconv"
	"sync"
	"time"
)

// retained keeps allocations alive so the heap profile has a clear in-use site.
var (
	retainedMu sync.Mutex
	retained   [][]byte
)

// hashChain burns CPU: repeated SHA-256 over a small buffer.
func hashChain(rounds int) [32]byte {
	sum := sha256.Sum256([]byte("kprof"))
	for i := 0; i < rounds; i++ {
		sum = sha256.Sum256(sum[:])
	}
	return sum
}

// allocateBuffers allocates and retains n KiB, keeping at most 64 MiB alive.
func allocateBuffers(kib int) int {
	retainedMu.Lock()
	defer retainedMu.Unlock()
	for i := 0; i < kib; i++ {
		retained = append(retained, make([]byte, 1024))
	}
	if len(retained) > 64*1024 {
		retained = retained[len(retained)-64*1024:]
	}
	return len(retained)
}

func intParam(r *http.Request, name string, def, max int) int {
	v, err := strconv.Atoi(r.URL.Query().Get(name))
	if err != nil || v <= 0 {
		return def
	}
	if v > max {
		return max
	}
	return v
}

func main() {
	addr := flag.String("listen", envOr("LISTEN", ":8080"), "address to listen on")
	load := flag.Bool("self-load", os.Getenv("SELF_LOAD") == "1", "generate its own CPU and allocation load")
	flag.Parse()

	http.HandleFunc("/cpu", func(w http.ResponseWriter, r *http.Request) {
		sum := hashChain(intParam(r, "rounds", 200000, 10000000))
		fmt.Fprintf(w, "%x\n", sum[:4])
	})
	http.HandleFunc("/alloc", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "retained %d KiB\n", allocateBuffers(intParam(r, "kib", 256, 65536)))
	})
	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("listen %s: %v", *addr, err)
	}
	// Tests read this line to learn the port when listening on :0.
	fmt.Printf("go-service listening on http://%s (pprof at /debug/pprof/)\n", ln.Addr())
	if *load {
		go func() {
			for {
				hashChain(300000)
				allocateBuffers(64)
				time.Sleep(50 * time.Millisecond)
			}
		}()
	}
	log.Fatal(http.Serve(ln, nil))
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
