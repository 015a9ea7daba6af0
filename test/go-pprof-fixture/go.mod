module kprof.dev/go-pprof-fixture

go 1.19
