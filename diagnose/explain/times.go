package explain

import (
	"strconv"
	"strings"
	"time"
)

// The times a message states decide between a credential that expired and
// a clock that is wrong: the same code, AADSTS700024 "not within its valid
// time range", is either, and the message says which.

// skewTolerance is how far apart two stated times may be and still agree.
const skewTolerance = 5 * time.Minute

// readTimeRange reads an assertion "not within its valid time range"
// (AADSTS700024, AADSTS500133, ADAL's AADSTS50012 wording) with the times
// Entra states: "Current time: T, assertion valid from F, expiry time of
// assertion E". The message may run onto the next line.
func readTimeRange(c *lineCtx) {
	text := c.continued(4)
	code := "assertion"
	if i := strings.Index(c.lo, "aadsts"); i >= 0 {
		if n, ok := numberAfter(c.lo[i+len("aadsts"):]); ok {
			code = "AADSTS" + strconv.Itoa(n)
		}
	}
	c.emit(assertionVerdict(code, text))
}

// assertionVerdict weighs the times an out-of-range assertion message
// states.
func assertionVerdict(code, text string) signal {
	now, okNow := statedTime(text, "current time")
	from, okFrom := statedTime(text, "valid from")
	exp, okExp := statedTime(text, "expiry time of assertion")
	switch {
	case okNow && okFrom && from.Year() > 1970 && from.Sub(now) > skewTolerance:
		return sig(clock, wCertain, code+": the assertion is valid from "+stamp(from)+", "+human(from.Sub(now))+" after the current time "+stamp(now)+": a clock is ahead", expired)
	case okNow && okExp && now.Sub(exp) > 0:
		late := now.Sub(exp)
		if h, ok := wholeHours(late); ok {
			return sig(clock, wStrong, code+": the assertion expired "+human(late)+" before "+stamp(now)+", "+strconv.Itoa(h)+"h give or take its lifetime: its times were written in local time, not UTC", expired)
		}
		return sig(expired, wCertain, code+": the federated assertion expired at "+stamp(exp)+", "+human(late)+" before it was used at "+stamp(now), clock)
	}
	return sig(clock, wLikely+5, code+": not within its valid time range", expired)
}

// wholeHours reports whether d is within ten minutes of a whole number of
// hours (1 to 14): the signature of a time zone offset, not of a token
// used too late.
func wholeHours(d time.Duration) (int, bool) {
	h := int((d + 30*time.Minute) / time.Hour)
	off := d - time.Duration(h)*time.Hour
	return h, h >= 1 && h <= 14 && off > -10*time.Minute && off < 10*time.Minute
}

// statedTime reads the time that follows label in text: RFC 3339 with or
// without a fraction, or "2006-01-02 15:04:05Z".
func statedTime(text, label string) (time.Time, bool) {
	const timeEnds = ", \t\"'\\`)]}" // what ends a time in prose, quotes, code
	i := indexFold(text, label)
	if i < 0 {
		return time.Time{}, false
	}
	s := strings.TrimLeft(text[i+len(label):], " :=\t")
	end := strings.IndexAny(s, timeEnds)
	if end == 10 && len(s) > 19 && s[10] == ' ' { // "2006-01-02 15:04:05Z"
		end = 10 + strings.IndexAny(s[11:]+" ", timeEnds) + 1
	}
	if end < 0 {
		end = len(s)
	}
	v := strings.ToUpper(strings.TrimRight(s[:end], ".;")) // a log that lower-cases its lines (2022-10-26t06:11:15z)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05Z07:00", "2006-01-02T15:04:05.9999999"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// readEpoch reads MSAL's "The ID token is not yet valid … Current epoch =
// N" followed by the token's claims: an "nbf" or "iat" ahead of the stated
// epoch is this machine's clock behind Entra's.
func readEpoch(c *lineCtx) {
	i := strings.Index(c.lo, "current epoch")
	now, ok := numberAfter(strings.TrimLeft(c.lo[i+len("current epoch"):], " ="))
	if !ok || !plausibleEpoch(now) {
		return
	}
	for j := c.i; j < len(c.s.lines) && j <= c.i+12; j++ {
		l := c.s.lines[j]
		for _, claim := range []string{`"nbf":`, `"iat":`} {
			k := strings.Index(l, claim)
			if k < 0 {
				continue
			}
			if t, ok := numberAfter(l[k+len(claim):]); ok && plausibleEpoch(t) && time.Duration(t-now)*time.Second > skewTolerance {
				ahead := time.Duration(t-now) * time.Second
				c.emit(sig(clock, wCertain, "the token is valid from "+human(ahead)+" after this machine's time (epoch "+strconv.Itoa(now)+"): the clock is behind"))
				return
			}
		}
	}
}

// readCertTime reads Go's "x509: certificate has expired or is not yet
// valid: current time T is before F": a certificate not valid yet by the
// local clock is the clock.
func readCertTime(c *lineCtx) {
	i := strings.Index(c.lo, "current time ")
	rest := c.lo[i+len("current time "):]
	if j := strings.Index(rest, " is before "); j >= 0 && j < 40 {
		c.emit(sig(clock, wCertain, "the certificate is not valid yet by this machine's clock ("+strings.TrimSpace(c.line[i+len("current time "):i+len("current time ")+j])+"): the clock is behind", tlsFail))
	}
}

// readTokenWindow reads distribution's log of a token it refuses: "token
// not to be used before B or after A - currently C", in seconds since
// 1970. A token used before it starts was issued by a clock ahead of the
// registry's; one used after it ends has expired.
func readTokenWindow(c *lineCtx) {
	now, okNow := epochAfter(c.lo, "currently")
	from, okFrom := epochAfter(c.lo, "used before")
	until, okUntil := epochAfter(c.lo, " or after")
	switch {
	case okNow && okFrom && from > now:
		ahead := time.Duration(from-now) * time.Second
		c.emit(sig(clock, wCertain, "the token is valid from "+human(ahead)+" after the registry's time: the clocks disagree", expired))
	case okNow && okUntil && now > until:
		c.emit(sig(expired, wStrong, "the token ended "+human(time.Duration(now-until)*time.Second)+" before it was used", clock))
	}
}

// epochAfter reads the time that follows label in lo, in seconds since
// 1970: a number of them, or a time as Go prints one ("2024-03-01
// 10:00:00.5 +0000 utc", which distribution logs since 2.8).
func epochAfter(lo, label string) (int, bool) {
	i := strings.Index(lo, label)
	if i < 0 {
		return 0, false
	}
	rest := strings.TrimLeft(lo[i+len(label):], " :=")
	if f := strings.Fields(rest); len(f) >= 3 && len(f[0]) == 10 && f[0][4] == '-' {
		t, err := time.Parse("2006-01-02 15:04:05.999999999 -0700", f[0]+" "+f[1]+" "+f[2])
		return int(t.Unix()), err == nil && plausibleEpoch(int(t.Unix()))
	}
	n, ok := numberAfter(rest)
	return n, ok && plausibleEpoch(n)
}

// plausibleEpoch reports whether n, in seconds since 1970, is a time a
// message could state (before the year 5000): a longer number is not a
// time, and would overflow a Duration.
func plausibleEpoch(n int) bool { return n >= 0 && n < 1e11 }

// stamp is a time as the findings print it.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") }

// human is a duration rounded for reading: "3h32m", "55m", "12s".
func human(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d >= time.Hour:
		return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
	case d >= time.Minute:
		return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
	}
	return d.Round(time.Second).String()
}
