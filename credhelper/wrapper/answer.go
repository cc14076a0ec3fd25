package wrapper

import (
	"strings"

	"github.com/docker/docker-credential-helpers/credentials"

	"github.com/acr-doctor/acr-doctor/diagnose/jsonscan"
)

// parseAnswer reads a helper's answer in the form every helper writes
// it: one JSON object of string fields, with no escape but the
// one-character ones. It is get's fast path: encoding/json's first use of
// a type cost 0.07-0.1 ms of every get. Like Docker's client (a
// json.Decoder's first value), it reads the first object and no further.
// ok is false for anything else, which encoding/json then reads; where
// ok, the result is encoding/json's (FuzzParseAnswer holds it to that):
// fields are matched without regard to case, the last of a name wins,
// others are skipped.
func parseAnswer(b []byte) (c credentials.Credentials, ok bool) {
	s := jsonscan.Scanner{B: b}
	ok = s.Object(func(key string) bool {
		val, ok := s.String()
		switch {
		case strings.EqualFold(key, "ServerURL"):
			c.ServerURL = val
		case strings.EqualFold(key, "Username"):
			c.Username = val
		case strings.EqualFold(key, "Secret"):
			c.Secret = val
		}
		return ok
	})
	return c, ok
}
