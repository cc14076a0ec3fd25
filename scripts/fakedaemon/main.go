// Command fakedaemon listens where a Docker daemon would and records every
// request it gets, answering none: scripts/hostile.sh points DOCKER_HOST
// at it while the suite runs, to prove that no test reaches a daemon.
//
//	fakedaemon SOCKET LOG
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: fakedaemon SOCKET LOG")
		os.Exit(2)
	}
	l, err := net.Listen("unix", os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	log, err := os.OpenFile(os.Args[2], os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var mu sync.Mutex
	_ = http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fmt.Fprintf(log, "%s %s\n", r.Method, r.URL)
		mu.Unlock()
		http.Error(w, "fakedaemon: no test may reach a Docker daemon", http.StatusServiceUnavailable)
	}))
}
