module github.com/kprof/kprof/examples/go-service

go 1.19
