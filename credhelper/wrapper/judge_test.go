package wrapper

import (
	"strings"
	"testing"
	"time"

	"github.com/docker/docker-credential-helpers/credentials"

	"github.com/acr-doctor/acr-doctor/diagnose/configjson"
	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/journal"
	"github.com/acr-doctor/acr-doctor/diagnose/token/tokentest"
)

// TestJudge: what get records of a credential it passed on. The journal
// keeps a username up to 256 bytes that is not a token; the secret goes
// with the token username only as an identity token, so an admin user
// stays an admin user.
func TestJudge(t *testing.T) {
	expiresIn := func(d time.Duration) string {
		return unsigned(tokentest.ACRRefresh("myreg.azurecr.io", "u", "t", time.Now().Add(d-tokentest.RefreshLifetime), "read"))
	}
	refresh := expiresIn(time.Hour)
	env := journalOff()
	for _, tc := range []struct {
		name         string
		c            credentials.Credentials
		wantUsername string
		wantKind     credkind.Kind // "": any
		wantOutcome  journal.Outcome
	}{
		{"admin user", credentials.Credentials{Username: "myreg", Secret: "s3cr3tPassword"}, "myreg", credkind.AdminUser, ""},
		{"256-byte username", credentials.Credentials{Username: strings.Repeat("u", 256), Secret: "p"}, strings.Repeat("u", 256), "", ""},
		{"257-byte username", credentials.Credentials{Username: strings.Repeat("u", 257), Secret: "p"}, "", "", ""},
		{"a token as username", credentials.Credentials{Username: refresh, Secret: "p"}, "", "", ""},
		{"the secret as username", credentials.Credentials{Username: "s3cr3tPassword9", Secret: "s3cr3tPassword9"}, "", "", ""},
		{"the secret as username, blanks around", credentials.Credentials{Username: " s3cr3tPassword9", Secret: "s3cr3tPassword9 "}, "", "", ""},
		{"an API token as username", credentials.Credentials{Username: "dop_v1_" + strings.Repeat("0a", 32), Secret: "x"}, "", "", ""},
		{"a GitHub token as username", credentials.Credentials{Username: "ghp_" + strings.Repeat("a1", 18), Secret: "x"}, "", "", ""},
		// Given the wrong way round: the password is in the username.
		{"admin user swapped", credentials.Credentials{Username: "hunter2-longer", Secret: "MyReg"}, "", credkind.Unknown, ""},
		{"token swapped, cut by a line break", credentials.Credentials{Username: refresh[:40] + "\n" + refresh[40:], Secret: credkind.NullGUID}, "", credkind.Unknown, ""},
		{"service principal swapped", credentials.Credentials{Username: "PtY8Q~gjmUh.Bel31iEl2hpChYgCfrL1spNxnyVm", Secret: "8b1c5d52-1b7e-4bf0-a1a1-1c2d3e4f5a6b"}, "", credkind.Unknown, ""},
		{"refresh token", credentials.Credentials{Username: credkind.TokenUsername, Secret: refresh}, credkind.TokenUsername, credkind.RefreshToken, journal.Served},
		{"expiring refresh token", credentials.Credentials{Username: credkind.TokenUsername, Secret: expiresIn(time.Minute)}, credkind.TokenUsername, credkind.RefreshToken, journal.Expiring},
		{"expired refresh token", credentials.Credentials{Username: credkind.TokenUsername, Secret: expiresIn(-time.Minute)}, credkind.TokenUsername, credkind.RefreshToken, journal.Expired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := getRecord{backend: "pass", server: []byte("myreg.azurecr.io"), outcome: journal.Served}
			hint := rec.judge(tc.c, env)
			if tc.wantOutcome != "" {
				if rec.outcome != tc.wantOutcome {
					t.Errorf("outcome %s, want %s", rec.outcome, tc.wantOutcome)
				}
				if (hint != "") != (tc.wantOutcome != journal.Served) {
					t.Errorf("hint %q for outcome %s", hint, rec.outcome)
				}
			}
			if rec.username != tc.wantUsername {
				t.Errorf("journal username %q, want %q", rec.username, tc.wantUsername)
			}
			if tc.wantKind != "" && rec.kind != tc.wantKind {
				t.Errorf("kind %s, want %s", rec.kind, tc.wantKind)
			}
		})
	}
}

// journalOff is the helper's settings with no config.json and the journal
// off: what judging a credential needs, and nothing written.
func journalOff() *settings {
	return &settings{
		getenv: func(k string) string {
			if k == "ACRDOCTOR_JOURNAL" {
				return journal.Off
			}
			return ""
		},
		loaded: true, cfg: &configjson.Settings{},
	}
}

// TestJudgeBoundaries: a token is expired from its expiry on, and expiring
// from exactly the margin before it.
func TestJudgeBoundaries(t *testing.T) {
	at := time.Unix(1_800_000_000, 0)
	t.Cleanup(func() { now = time.Now })
	now = func() time.Time { return at }
	env := journalOff()
	for _, tc := range []struct {
		expiry time.Time
		want   journal.Outcome
	}{
		{at, journal.Expired},
		{at.Add(defaultMargin), journal.Expiring},
		{at.Add(defaultMargin + time.Second), journal.Served},
	} {
		secret := unsigned(tokentest.ACRRefresh("myreg.azurecr.io", "u", "t", tc.expiry.Add(-tokentest.RefreshLifetime), "read"))
		rec := getRecord{backend: "pass", server: []byte("myreg.azurecr.io"), outcome: journal.Served}
		rec.judge(credentials.Credentials{Username: credkind.TokenUsername, Secret: secret}, env)
		if rec.outcome != tc.want {
			t.Errorf("expiring %s after now: %s, want %s", tc.expiry.Sub(at), rec.outcome, tc.want)
		}
	}
}

// TestJudgeSwappedAnyKey: a client secret given with -u, its application
// ID as the password, is kept out of the journal under a key that is no
// well-formed login server too (a port, which image references carry).
func TestJudgeSwappedAnyKey(t *testing.T) {
	for _, server := range []string{"myreg.azurecr.io:443", "myreg.azurcr.io"} {
		rec := getRecord{backend: "pass", server: []byte(server), outcome: journal.Served}
		rec.judge(credentials.Credentials{Username: "sEcReTjournal", Secret: "8b1c5d52-1b7e-4bf0-a1a1-1c2d3e4f5a6b"}, journalOff())
		if rec.username != "" {
			t.Errorf("%s: journal username %q", server, rec.username)
		}
	}
}
