// Command gochanbench runs the shapes of benches/channels.rs on Go's own channels, so that
// scripts/bench_go.sh can print gochan next to Go, measured in the same run.
//
// Every cell moves GOCHAN_BENCH_MSGS (default 100 000, rounded down to a multiple of 4)
// uint64 messages and reports nanoseconds per message (per round trip for ping_pong, which
// makes GOCHAN_BENCH_MSGS / 4 round trips): the median, fastest and slowest of
// GOCHAN_BENCH_RUNS (default 3) runs. Every run checks the sum of the messages received.
// GOMAXPROCS is left at Go's default (the number of CPUs).
//
// Shapes and capacities are those of benches/channels.rs: seq (one goroutine fills the
// buffer, then drains it; buffered only), spsc, mpsc (4 senders), mpmc (4 senders + 4
// receivers), select_rx (4 channels, a sender on each, one receiver selecting over the 4),
// select_both (4 senders selecting a send over 4 channels, 4 receivers selecting a receive)
// and ping_pong (two channels, strict request/reply), at capacities 0, 1, 100 and unbounded.
// Go has no unbounded channel: those cells print n/a.
//
// Output, one line per cell on stdout (progress goes to stderr):
//
//	go <mode> <shape> <cap> <median> <min> <max>
//
// where mode is always "go" (goroutines) and the three numbers are ns/msg (ns/round trip
// for ping_pong), or "n/a n/a n/a", or "<failure> - -" (hung, lost-messages).
// Arguments, if any, select cells: a cell runs if "<shape>/<cap>" contains one of them.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	selectChannels = 4
	runTimeout     = 30 * time.Second
)

// unbounded is the capacity value of an unbounded row.
const unbounded = -1

type row struct {
	shape string
	cap   int
}

func capName(c int) string {
	if c == unbounded {
		return "unbounded"
	}
	return strconv.Itoa(c)
}

// rows lists the cells in the order benches/channels.rs prints them.
func rows() []row {
	caps := []int{0, 1, 100, unbounded}
	var rs []row
	for _, shape := range []string{"seq", "spsc", "mpsc", "mpmc"} {
		for _, c := range caps {
			if shape == "seq" && c == 0 {
				continue // seq needs a buffer
			}
			rs = append(rs, row{shape, c})
		}
	}
	for _, c := range caps {
		rs = append(rs, row{"select_rx", c})
	}
	for _, c := range []int{0, 1, 100} {
		rs = append(rs, row{"select_both", c})
	}
	rs = append(rs, row{"ping_pong", 0}, row{"ping_pong", 1})
	return rs
}

func envCount(name string, def int) int {
	s, ok := os.LookupEnv(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		fmt.Fprintf(os.Stderr, "%s=%q is not a count\n", name, s)
		os.Exit(2)
	}
	return n
}

// expectedSum is 0 + 1 + ... + (n-1).
func expectedSum(n int) uint64 {
	return uint64(n) * uint64(n-1) / 2
}

// errHung and errWrongSum are the failures a run can report.
type failure string

const (
	errHung     failure = "hung"
	errWrongSum failure = "lost-messages"
)

// timeWorkers runs each worker in its own goroutine, all released at once; it returns the
// span from the first worker's start to the last one's end (each worker takes its own
// times, as in benches/channels.rs) and the sum of what they received.
func timeWorkers(workers []func() uint64) (time.Duration, uint64, failure) {
	type result struct {
		start, end time.Time
		sum        uint64
	}
	results := make([]result, len(workers))
	release := make(chan struct{})
	var wg sync.WaitGroup
	for i, w := range workers {
		wg.Add(1)
		go func(i int, w func() uint64) {
			defer wg.Done()
			<-release
			start := time.Now()
			sum := w()
			results[i] = result{start, time.Now(), sum}
		}(i, w)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	close(release)
	select {
	case <-done:
	case <-time.After(runTimeout):
		return 0, 0, errHung // the goroutines are left behind
	}
	first, last := results[0].start, results[0].end
	var sum uint64
	for _, r := range results {
		if r.start.Before(first) {
			first = r.start
		}
		if r.end.After(last) {
			last = r.end
		}
		sum += r.sum
	}
	return last.Sub(first), sum, ""
}

// seq: one goroutine fills the buffer up to its capacity, then drains it, repeatedly.
func seq(c, n int) (time.Duration, uint64, failure) {
	ch := make(chan uint64, c)
	start := time.Now()
	var sum uint64
	for sent := 0; sent < n; {
		k := c
		if n-sent < k {
			k = n - sent
		}
		for v := sent; v < sent+k; v++ {
			ch <- uint64(v)
		}
		for i := 0; i < k; i++ {
			sum += <-ch
		}
		sent += k
	}
	return time.Since(start), sum, ""
}

// channel: spsc, mpsc and mpmc on one channel.
func channel(senders, receivers, c, n int) (time.Duration, uint64, failure) {
	ch := make(chan uint64, c)
	perSender, perReceiver := n/senders, n/receivers
	var workers []func() uint64
	for s := 0; s < senders; s++ {
		s := s
		workers = append(workers, func() uint64 {
			for v := s * perSender; v < (s+1)*perSender; v++ {
				ch <- uint64(v)
			}
			return 0
		})
	}
	for r := 0; r < receivers; r++ {
		workers = append(workers, func() uint64 {
			var sum uint64
			for i := 0; i < perReceiver; i++ {
				sum += <-ch
			}
			return sum
		})
	}
	return timeWorkers(workers)
}

// selectRecv receives count messages, each by a select over the 4 channels.
func selectRecv(chs []chan uint64, count int) func() uint64 {
	c0, c1, c2, c3 := chs[0], chs[1], chs[2], chs[3]
	return func() uint64 {
		var sum uint64
		for i := 0; i < count; i++ {
			select {
			case v := <-c0:
				sum += v
			case v := <-c1:
				sum += v
			case v := <-c2:
				sum += v
			case v := <-c3:
				sum += v
			}
		}
		return sum
	}
}

// selectShape: select_rx (plain senders, one selecting receiver) or select_both (selecting
// senders and selecting receivers). The channels are never closed, so no case turns into an
// always-ready closed one.
func selectShape(both bool, c, n int) (time.Duration, uint64, failure) {
	chs := make([]chan uint64, selectChannels)
	for i := range chs {
		chs[i] = make(chan uint64, c)
	}
	per := n / selectChannels
	var workers []func() uint64
	if !both {
		workers = append(workers, selectRecv(chs, n))
		for s, ch := range chs {
			s, ch := s, ch
			workers = append(workers, func() uint64 {
				for v := s * per; v < (s+1)*per; v++ {
					ch <- uint64(v)
				}
				return 0
			})
		}
	} else {
		for r := 0; r < selectChannels; r++ {
			workers = append(workers, selectRecv(chs, per))
		}
		c0, c1, c2, c3 := chs[0], chs[1], chs[2], chs[3]
		for s := 0; s < selectChannels; s++ {
			s := s
			workers = append(workers, func() uint64 {
				for v := s * per; v < (s+1)*per; v++ {
					x := uint64(v)
					select {
					case c0 <- x:
					case c1 <- x:
					case c2 <- x:
					case c3 <- x:
					}
				}
				return 0
			})
		}
	}
	return timeWorkers(workers)
}

// pingPong: n strict request/reply round trips between two goroutines.
func pingPong(c, n int) (time.Duration, uint64, failure) {
	req := make(chan uint64, c)
	rep := make(chan uint64, c)
	return timeWorkers([]func() uint64{
		func() uint64 {
			var sum uint64
			for v := 0; v < n; v++ {
				req <- uint64(v)
				sum += <-rep
			}
			return sum
		},
		func() uint64 {
			for i := 0; i < n; i++ {
				rep <- <-req
			}
			return 0
		},
	})
}

// run does one run of a cell with ops messages (round trips for ping_pong).
func run(r row, ops int) (time.Duration, uint64, failure) {
	switch r.shape {
	case "seq":
		return seq(r.cap, ops)
	case "spsc":
		return channel(1, 1, r.cap, ops)
	case "mpsc":
		return channel(4, 1, r.cap, ops)
	case "mpmc":
		return channel(4, 4, r.cap, ops)
	case "select_rx":
		return selectShape(false, r.cap, ops)
	case "select_both":
		return selectShape(true, r.cap, ops)
	case "ping_pong":
		return pingPong(r.cap, ops)
	}
	panic("unknown shape " + r.shape)
}

func selected(key string, filters []string) bool {
	if len(filters) == 0 {
		return true
	}
	for _, f := range filters {
		if strings.Contains(key, f) {
			return true
		}
	}
	return false
}

func main() {
	msgs := envCount("GOCHAN_BENCH_MSGS", 100000) / 4 * 4
	if msgs < 4 {
		msgs = 4
	}
	runs := envCount("GOCHAN_BENCH_RUNS", 3)
	if runs < 1 {
		runs = 1
	}
	trips := msgs / 4
	filters := os.Args[1:]
	fmt.Fprintf(os.Stderr, "%s, GOMAXPROCS=%d, %d messages per cell (%d round trips per ping_pong cell), %d run(s)\n",
		runtime.Version(), runtime.GOMAXPROCS(0), msgs, trips, runs)
	started := time.Now()
	for _, r := range rows() {
		key := r.shape + "/" + capName(r.cap)
		if !selected(key, filters) {
			continue
		}
		prefix := "go go " + r.shape + " " + capName(r.cap)
		if r.cap == unbounded {
			fmt.Println(prefix + " n/a n/a n/a")
			fmt.Fprintf(os.Stderr, "go/%s: n/a\n", key)
			continue
		}
		ops := msgs
		if r.shape == "ping_pong" {
			ops = trips
		}
		samples := make([]float64, 0, runs)
		var failed failure
		for i := 0; i < runs && failed == ""; i++ {
			elapsed, sum, f := run(r, ops)
			if f == "" && sum != expectedSum(ops) {
				f = errWrongSum
			}
			if f != "" {
				failed = f
				fmt.Fprintf(os.Stderr, "go/%s: %s (run %d of %d)\n", key, f, i+1, runs)
				break
			}
			samples = append(samples, float64(elapsed.Nanoseconds())/float64(ops))
		}
		if failed != "" {
			fmt.Printf("%s %s - -\n", prefix, failed)
			continue
		}
		sort.Float64s(samples)
		mid := len(samples) / 2
		median := samples[mid]
		if len(samples)%2 == 0 {
			median = (samples[mid-1] + samples[mid]) / 2
		}
		lo, hi := samples[0], samples[len(samples)-1]
		fmt.Printf("%s %.1f %.1f %.1f\n", prefix, median, lo, hi)
		fmt.Fprintf(os.Stderr, "go/%s: %.1f (%.1f-%.1f)\n", key, median, lo, hi)
	}
	fmt.Fprintf(os.Stderr, "go total: %.0f s\n", time.Since(started).Seconds())
}
