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
// little more than one. With azure=true, ARM and Log Analytics answer 50
// ms late too: reading the Azure side alongside the replay should cost
// little more than the replay. It reports the HTTP requests each registry
// took, and the ARM requests.
func BenchmarkCheck(b *testing.B) {
	const latency = 50 * time.Millisecond
	var regs []acremu.Registry
	auths := map[string]types.AuthConfig{}
	for i := range 10 {
		host := fmt.Sprintf("bench%02d.azurecr.io", i)
		r := withARM(registry(host), nil)
		r.Latency = latency
		regs = append(regs, r)
		auths[host] = types.AuthConfig{Username: fmt.Sprintf("bench%02d", i), Password: adminPW}
	}
	emu, err := acremu.Start(regs...)
	if err != nil {
		b.Fatal(err)
	}
	defer emu.Close()
	emu.SetARMLatency(latency)
	emu.AddApplication(tenant, armReader, armSecret)
	store := &credstore.Store{Config: &credstore.Config{Auths: auths}}
	for _, bc := range []struct {
		n     int
		azure bool
	}{{1, false}, {10, false}, {1, true}, {10, true}} {
		b.Run(fmt.Sprintf("registries=%d/azure=%v", bc.n, bc.azure), func(b *testing.B) {
			var targets []string
			for i := range bc.n {
				targets = append(targets, fmt.Sprintf("bench%02d.azurecr.io", i))
				emu.ResetRequests(targets[i])
			}
			opts := check.Options{Targets: targets, Timeout: time.Minute, Probe: probeOptions(emu)}
			emu.ResetRequests(acremu.ARMHost)

			runs := 0
			for b.Loop() {
				if bc.azure {
					// A new inspector and identity each run, as each run of
					// the plugin has: one Azure AD token, fresh listings.
					opts.Azure = azureInspector(b, emu, armReader, armSecret)
				}
				results, _ := check.Run(context.Background(), store, opts, nil)
				for _, r := range results {
					if !r.Healthy || (bc.azure && (r.Azure == nil || r.Azure.Resource == nil)) {
						b.Fatalf("%s unhealthy: %+v %+v", r.Registry.Registry, r.Causes, r.Azure)
					}
				}
				runs++
			}
			b.ReportMetric(float64(len(emu.Requests(targets[0])))/float64(runs), "requests/registry")
			b.ReportMetric(float64(emu.Handshakes(targets[0]))/float64(runs), "handshakes/registry")
			if bc.azure {
				b.ReportMetric(float64(len(emu.Requests(acremu.ARMHost)))/float64(runs*bc.n), "arm-requests/registry")
			}
		})
	}
}
