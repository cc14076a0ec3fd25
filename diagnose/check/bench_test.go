package check_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/docker/cli/cli/config/types"

	"github.com/acr-doctor/acr-doctor/diagnose/acremu"
	"github.com/acr-doctor/acr-doctor/diagnose/check"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
)

// BenchmarkCheck checks 1 and 10 emulated registries, each answering
// every request 50 ms late, side by side: parallel registries should cost
// little more than one. It reports the HTTP requests each registry took.
func BenchmarkCheck(b *testing.B) {
	const latency = 50 * time.Millisecond
	var regs []acremu.Registry
	auths := map[string]types.AuthConfig{}
	for i := range 10 {
		host := fmt.Sprintf("bench%02d.azurecr.io", i)
		r := registry(host)
		r.Latency = latency
		regs = append(regs, r)
		auths[host] = types.AuthConfig{Username: fmt.Sprintf("bench%02d", i), Password: adminPW}
	}
	emu, err := acremu.Start(regs...)
	if err != nil {
		b.Fatal(err)
	}
	defer emu.Close()
	store := &credstore.Store{Config: &credstore.Config{Auths: auths}}
	for _, n := range []int{1, 10} {
		b.Run(fmt.Sprintf("registries=%d", n), func(b *testing.B) {
			var targets []string
			for i := range n {
				targets = append(targets, fmt.Sprintf("bench%02d.azurecr.io", i))
				emu.ResetRequests(targets[i])
			}
			opts := check.Options{Targets: targets, Timeout: time.Minute, Probe: probeOptions(emu)}
			runs := 0
			for b.Loop() {
				for _, r := range check.Run(context.Background(), store, opts, nil) {
					if !r.Healthy {
						b.Fatalf("%s unhealthy: %+v", r.Registry.Registry, r.Causes)
					}
				}
				runs++
			}
			b.ReportMetric(float64(len(emu.Requests(targets[0])))/float64(runs), "requests/registry")
		})
	}
}
