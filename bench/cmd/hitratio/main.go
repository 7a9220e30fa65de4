// Command hitratio compares the hit ratio of keel's memorycache policies
// with otter, ristretto and golang-lru's LRU and ARC on synthetic Zipf
// traces: a 1,000,000-key space, 10,000,000 accesses, caches of 1% and
// 10% of the keys. Each access is a Get, followed by a Set on a miss (the
// cache-aside pattern); ristretto's Set is waited for, so that its
// asynchronous writes do not count against it. The traces are generated
// from a fixed seed, so two runs print the same table.
//
// Usage:
//
//	go run ./cmd/hitratio [-accesses 10000000] [-keys 1000000] [-seed 1] [-trace zipf-1.01,...] [-lib keel,otter,...]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/keel-go/keel/bench"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "hitratio:", err)
		os.Exit(2)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("hitratio", flag.ContinueOnError)
	accesses := fs.Int("accesses", 10_000_000, "accesses per trace (lower it for a quick run)")
	keys := fs.Int("keys", 1_000_000, "size of the key space")
	seed := fs.Uint64("seed", 1, "seed of the trace generator")
	traces := fs.String("trace", "", "comma-separated traces to run (default all)")
	libs := fs.String("lib", "", "comma-separated caches to run (default all)")
	parallel := fs.Int("parallel", min(2, runtime.GOMAXPROCS(0)), "caches simulated at once")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *accesses <= 0 || *keys <= 0 || *parallel <= 0 {
		return fmt.Errorf("-accesses, -keys and -parallel must be positive")
	}
	all := bench.CacheLibs[int](true)
	var selected []bench.CacheLib[int]
	for _, l := range all {
		if *libs == "" || contains(*libs, l.Name) {
			selected = append(selected, l)
		}
	}
	if len(selected) == 0 {
		return fmt.Errorf("-lib %q matches no cache", *libs)
	}
	capacities := []int{*keys / 100, *keys / 10}

	fmt.Fprintf(stdout, "hit ratio (%%), %d keys, %d accesses, seed %d\n\n", *keys, *accesses, *seed)
	fmt.Fprintf(stdout, "| trace | capacity |")
	for _, l := range selected {
		fmt.Fprintf(stdout, " %s |", l.Name)
	}
	fmt.Fprintf(stdout, "\n| --- | --- |%s\n", strings.Repeat(" ---: |", len(selected)))
	start := time.Now()
	for _, t := range bench.Traces {
		if *traces != "" && !contains(*traces, t.Name) {
			continue
		}
		trace := t.Generate(*seed, *keys, *accesses)
		for _, capacity := range capacities {
			ratios := make([]float64, len(selected))
			var wg sync.WaitGroup
			sem := make(chan struct{}, *parallel)
			for i, l := range selected {
				wg.Go(func() {
					sem <- struct{}{}
					defer func() { <-sem }()
					ratios[i] = simulate(l, capacity, trace)
				})
			}
			wg.Wait()
			fmt.Fprintf(stdout, "| %s | %d |", t.Name, capacity)
			for _, r := range ratios {
				fmt.Fprintf(stdout, " %.2f |", 100*r)
			}
			fmt.Fprintln(stdout)
		}
	}
	fmt.Fprintf(stdout, "\n(%s)\n", time.Since(start).Round(time.Second))
	return nil
}

// simulate runs trace through a new cache of lib and returns its hit
// ratio.
func simulate(lib bench.CacheLib[int], capacity int, trace []int) float64 {
	c := lib.New(capacity, true)
	defer c.Close()
	hits := 0
	for _, k := range trace {
		if _, ok := c.Get(k); ok {
			hits++
			continue
		}
		c.Set(k, k)
	}
	return float64(hits) / float64(len(trace))
}

func contains(list, name string) bool {
	for _, s := range strings.Split(list, ",") {
		if strings.TrimSpace(s) == name {
			return true
		}
	}
	return false
}
