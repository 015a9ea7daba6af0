module kprof.dev/bench/go-service

go 1.19
