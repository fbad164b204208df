package mtd

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
)

// startReadyWatcher samples the Ready, non-terminating pods matching selector
// every 50ms until the returned stop is called. stop(full) returns the
// minimum number of Ready pods seen, the number of samples, and how many
// samples were below full.
func startReadyWatcher(cs kubernetes.Interface, ns, selector string) (stop func(full int) (minReady, samples, below int)) {
	ctx, cancel := context.WithCancel(context.Background())
	var (
		wg     sync.WaitGroup
		counts []int
	)
	wg.Go(func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			if ready, err := readyPods(ctx, cs, ns, selector); err == nil {
				counts = append(counts, len(ready))
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	})
	return func(full int) (int, int, int) {
		cancel()
		wg.Wait()
		minReady, below := full, 0
		for _, n := range counts {
			minReady = min(minReady, n)
			if n < full {
				below++
			}
		}
		return minReady, len(counts), below
	}
}

// TestSlowStartHoldsBack checks the availability guard itself against the
// real controllers: replacements take 2.5s to become Ready (stand-in start
// delay) while the schedule runs every 1s and asks for a batch of 3, so most
// runs must be skipped because the previous replacement (first missing, then
// not Ready) still counts as unavailable.
func TestSlowStartHoldsBack(t *testing.T) {
	cs := needCluster(t)
	ns := newNamespaceStartDelay(t, cs, 2500*time.Millisecond)
	createDeployment(t, cs, ns, "slow", 3)
	waitReady(t, cs, ns, "app=slow", 3)
	stopWatch := startReadyWatcher(cs, ns, "app=slow")

	sc := Schedule{
		Name: "slow", Namespace: ns, Selector: "app=slow", Action: ActionRestart,
		Every: Duration(time.Second), Batch: 3, MaxUnavailable: "1", MinAge: Duration(time.Second),
	}
	outs := runScheduler(t, cs, 9500*time.Millisecond, sc)
	minReady, samples, below := stopWatch(3)

	noErrors(t, outs)
	restarts := acted(outs)
	held := 0
	for _, o := range outs {
		if strings.HasPrefix(o.Skipped, "availability: 1 unavailable, max 1") {
			held++
		}
	}
	t.Logf("%d runs: %d restarts, %d held back by availability; %d samples, minimum Ready %d, %d samples below 3",
		len(outs), len(restarts), held, samples, minReady, below)
	if minReady < 2 {
		t.Errorf("availability dropped to %d Ready pods (maxUnavailable 1 of 3)", minReady)
	}
	if len(restarts) < 2 || held < 3 {
		t.Errorf("want >= 2 restarts and >= 3 runs held back, got %d and %d: %+v", len(restarts), held, outs)
	}
	for i := 1; i < len(restarts); i++ {
		if gap := restarts[i].At.Sub(restarts[i-1].At); gap < 2500*time.Millisecond {
			t.Errorf("restarts %d and %d only %s apart, before the replacement could be Ready", i-1, i, gap)
		}
	}
}
