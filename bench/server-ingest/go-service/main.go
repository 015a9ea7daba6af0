// go-service is a small net/http service with net/http/pprof mounted and a built-in load
// generator, so the ingest benchmark can capture a realistic Go CPU profile (HTTP server and
// client stacks, JSON, gzip, hashing, regexp) from /debug/pprof/profile.
// Usage: go-service -addr 127.0.0.1:0 (prints the listening address on stdout).
package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

type item struct {
	ID    int      `json:"id"`
	Name  string   `json:"name"`
	Tags  []string `json:"tags"`
	Score float64  `json:"score"`
}

var wordRe = regexp.MustCompile(`[a-z]+-(\d+)-(\d+)`)

func buildItems(n, seed int) []item {
	items := make([]item, n)
	for i := range items {
		items[i] = item{ID: seed*1000 + i, Name: fmt.Sprintf("item-%d-%d", seed, i), Tags: []string{"a", "b", fmt.Sprint(i % 7)}, Score: float64((i * 37) % 101)}
	}
	return items
}

func handleUsers(w http.ResponseWriter, r *http.Request) {
	items := buildItems(60, len(r.URL.Path))
	sort.Slice(items, func(i, j int) bool { return items[i].Score < items[j].Score })
	w.Header().Set("content-type", "application/json")
	_ = json.NewEncoder(w).Encode(items)
}

func handleOrders(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for i := 0; i < 20; i++ {
		b, _ := json.Marshal(buildItems(20, i))
		_, _ = zw.Write(b)
	}
	_ = zw.Close()
	sum := sha256.Sum256(buf.Bytes())
	w.Header().Set("content-encoding", "gzip")
	w.Header().Set("x-digest", hex.EncodeToString(sum[:]))
	_, _ = w.Write(buf.Bytes())
}

func handleSearch(w http.ResponseWriter, r *http.Request) {
	var sb strings.Builder
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&sb, "item-%d-%d ", i, i*7)
	}
	matches := wordRe.FindAllStringSubmatch(sb.String(), -1)
	_, _ = fmt.Fprintf(w, "%d matches", len(matches))
}

func load(base string, workers int) {
	paths := []string{"/users", "/orders", "/search"}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers, DisableCompression: false}}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				res, err := client.Get(base + paths[(i+w)%len(paths)])
				if err != nil {
					time.Sleep(10 * time.Millisecond)
					continue
				}
				var body io.Reader = res.Body
				if res.Header.Get("content-encoding") == "gzip" {
					if zr, err := gzip.NewReader(res.Body); err == nil {
						body = zr
					}
				}
				_, _ = io.Copy(io.Discard, body)
				res.Body.Close()
			}
		}(w)
	}
	wg.Wait()
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	http.HandleFunc("/users", handleUsers)
	http.HandleFunc("/orders", handleOrders)
	http.HandleFunc("/search", handleSearch)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ln.Addr().String())
	go load("http://"+ln.Addr().String(), 8)
	log.Fatal(http.Serve(ln, nil))
}
