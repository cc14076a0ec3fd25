package wrapper

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/configjson"
)

// TestSettings: the environment's settings as the helper reads them. A
// zero time limit is no limit asked for (the default holds), a zero
// margin is a margin of none, a negative or unparsable one is ignored.
func TestSettings(t *testing.T) {
	for _, tc := range []struct {
		env                           map[string]string
		margin, renewLimit, backLimit time.Duration
		debug                         bool
		dir                           string
	}{
		{env: map[string]string{"HOME": "/h"}, margin: defaultMargin, renewLimit: defaultRenewTimeout, backLimit: 2 * time.Minute, dir: filepath.Join("/h", ".docker")},
		{env: map[string]string{"HOME": "/h", "DOCKER_CONFIG": "/c", envMargin: "0s", envTimeout: "0s", envBackendTimeout: "0s", envDebug: "0"},
			margin: 0, renewLimit: defaultRenewTimeout, backLimit: 2 * time.Minute, dir: "/c"},
		{env: map[string]string{"HOME": "/h2", envMargin: "-1m", envTimeout: "5s", envBackendTimeout: "7s", envDebug: "1"},
			margin: defaultMargin, renewLimit: 5 * time.Second, backLimit: 7 * time.Second, debug: true, dir: filepath.Join("/h2", ".docker")},
		{env: map[string]string{"HOME": "/h3", envMargin: "soon", envTimeout: "-1s", envBackendTimeout: "x"},
			margin: defaultMargin, renewLimit: defaultRenewTimeout, backLimit: 2 * time.Minute, dir: filepath.Join("/h3", ".docker")},
	} {
		s := &settings{getenv: func(k string) string { return tc.env[k] }}
		s.dir = s.configDir()
		if got := s.margin(); got != tc.margin {
			t.Errorf("%v: margin %v, want %v", tc.env, got, tc.margin)
		}
		if got := s.renewTimeout(); got != tc.renewLimit {
			t.Errorf("%v: renew timeout %v, want %v", tc.env, got, tc.renewLimit)
		}
		if got := s.backendTimeout(); got != tc.backLimit {
			t.Errorf("%v: backend timeout %v, want %v", tc.env, got, tc.backLimit)
		}
		if got := s.debug(); got != tc.debug {
			t.Errorf("%v: debug %v, want %v", tc.env, got, tc.debug)
		}
		if s.dir != tc.dir {
			t.Errorf("%v: config dir %q, want %q", tc.env, s.dir, tc.dir)
		}
	}
}

// TestEnvironmentFirst: a yes or no in the environment wins over
// config.json's, either way; a value that is neither leaves config.json's.
func TestEnvironmentFirst(t *testing.T) {
	for _, tc := range []struct {
		env, plugin       map[string]string
		wantQuiet, wantRe bool
	}{
		{nil, nil, false, true},
		{nil, map[string]string{"hints": "off", "renew": "off"}, true, false},
		{map[string]string{envQuiet: "0", envRenew: "on"}, map[string]string{"hints": "off", "renew": "off"}, false, true},
		{map[string]string{envQuiet: "1", envRenew: "off"}, map[string]string{"hints": "on", "renew": "on"}, true, false},
		{map[string]string{envQuiet: "maybe", envRenew: "later"}, map[string]string{"hints": "off", "renew": "off"}, true, false},
	} {
		s := &settings{getenv: func(k string) string { return tc.env[k] }, loaded: true,
			cfg: &configjson.Settings{Plugins: map[string]map[string]string{"acrdoctor": tc.plugin}}}
		if s.quiet() != tc.wantQuiet || s.renew() != tc.wantRe {
			t.Errorf("env %v, config %v: quiet %v, renew %v; want %v, %v", tc.env, tc.plugin, s.quiet(), s.renew(), tc.wantQuiet, tc.wantRe)
		}
	}
}
